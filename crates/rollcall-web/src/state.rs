//! Shared application state, handed to every route.

use std::sync::Arc;

use clever_client::CleverClient;
use rollcall_core::Clock;
use rollcall_store::Store;

use crate::callback_flight::CallbackFlights;
use crate::config::WebConfig;
use crate::crypto::TokenSealer;
use crate::mail::Mailer;
use crate::metrics::Metrics;
use crate::passwords::PasswordChecks;
use crate::sync::SyncFlights;

/// Everything a request handler needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: WebConfig,
    store: Arc<dyn Store>,
    clever: CleverClient,
    clock: Arc<dyn Clock>,
    sealer: TokenSealer,
    mailer: Mailer,
    sync_flights: SyncFlights,
    callback_flights: CallbackFlights,
    metrics: Metrics,
    password_checks: PasswordChecks,
    instance: String,
}

impl AppState {
    /// Assembles the state. The config should have passed [`WebConfig::validate`].
    pub fn new(
        config: WebConfig,
        store: Arc<dyn Store>,
        clever: CleverClient,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let sealer = TokenSealer::new(config.token_key.expose());
        let metrics = Metrics::default();
        // `WebConfig::validate` refuses settings that fail here.
        let mailer = Mailer::new(&config.mail).unwrap_or_else(|error| {
            tracing::error!(%error, "mail is off");
            Mailer::off()
        });
        let clever = clever.with_observer(metrics.clever_calls());
        Self {
            inner: Arc::new(Inner {
                config,
                store,
                clever,
                clock,
                sealer,
                mailer,
                sync_flights: SyncFlights::default(),
                callback_flights: CallbackFlights::default(),
                metrics,
                password_checks: PasswordChecks::default(),
                instance: crate::crypto::random_token(),
            }),
        }
    }

    /// Where mail goes.
    pub fn mailer(&self) -> &Mailer {
        &self.inner.mailer
    }

    /// Settings.
    pub fn config(&self) -> &WebConfig {
        &self.inner.config
    }

    /// The store.
    pub fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    /// The Clever client.
    pub fn clever(&self) -> &CleverClient {
        &self.inner.clever
    }

    /// The clock.
    pub fn now(&self) -> time::OffsetDateTime {
        self.inner.clock.now()
    }

    /// Seals and opens stored Clever tokens.
    pub fn sealer(&self) -> &TokenSealer {
        &self.inner.sealer
    }

    /// Per-teacher sync single-flight.
    pub fn sync_flights(&self) -> &SyncFlights {
        &self.inner.sync_flights
    }

    /// A random id for this app instance (replica), e.g. as the holder of a sync lease.
    pub fn instance(&self) -> &str {
        &self.inner.instance
    }

    /// Password checks running in this process (how the login limits hold under a burst).
    pub fn password_checks(&self) -> &PasswordChecks {
        &self.inner.password_checks
    }

    /// Operator counters.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Per-code callback single-flight (within this process).
    pub fn callback_flights(&self) -> &CallbackFlights {
        &self.inner.callback_flights
    }
}
