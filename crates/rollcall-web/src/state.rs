//! The router's state: every service the app runs, assembled once. It sits at the top of the
//! module graph: the routes (and `lib.rs`) use it, and nothing below them does. Extractors and
//! middleware reach what they need through `AsRef` ([`Sessions`], [`WebConfig`]) or a state of
//! their own, and the services take their parts, not this.

use std::sync::Arc;

use clever_client::CleverClient;
use rollcall_core::Clock;
use rollcall_store::Store;

use crate::callback_flight::CallbackFlights;
use crate::config::WebConfig;
use crate::crypto::TokenSealer;
use crate::email_links::EmailLinks;
use crate::login::Logins;
use crate::mail::Mailer;
use crate::metrics::Metrics;
use crate::passwords::Passwords;
use crate::session::{Cookies, Sessions};
use crate::sync::SyncService;

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
    metrics: Arc<Metrics>,
    sessions: Sessions,
    sync: SyncService,
    logins: Logins,
    emails: EmailLinks,
    passwords: Passwords,
    callback_flights: CallbackFlights,
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
        let metrics = Arc::new(Metrics::default());
        // `WebConfig::validate` refuses settings that fail here.
        let mailer = Mailer::new(&config.mail).unwrap_or_else(|error| {
            tracing::error!(%error, "mail is off");
            Mailer::off()
        });
        let clever = clever.with_observer(metrics.clever_calls());
        let sessions = Sessions::new(&config, store.clone(), clock.clone());
        let sync = SyncService::new(
            store.clone(),
            clever.clone(),
            clock.clone(),
            sealer.clone(),
            metrics.clone(),
            config.background_sync_every,
        );
        let logins = Logins::new(
            clever.clone(),
            store.clone(),
            clock.clone(),
            sealer.clone(),
            Cookies::of(&config),
            metrics.clone(),
            sync.clone(),
        );
        let (public_url, key) = (config.public_url.clone(), config.token_key.clone());
        let emails = EmailLinks::new(store.clone(), clock.clone(), sealer.clone(), mailer, public_url, key);
        let passwords =
            Passwords::new(store.clone(), clock.clone(), emails.clone(), config.token_key.clone());
        let inner = Inner {
            config,
            store,
            clever,
            clock,
            sealer,
            metrics,
            sessions,
            sync,
            logins,
            emails,
            passwords,
            callback_flights: CallbackFlights::default(),
        };
        Self { inner: Arc::new(inner) }
    }

    /// Where mail goes.
    pub fn mailer(&self) -> &Mailer {
        self.inner.emails.mailer()
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

    /// Seals and opens what the browser keeps for the app (a merge's report).
    pub fn sealer(&self) -> &TokenSealer {
        &self.inner.sealer
    }

    /// A random id for this app instance (replica), e.g. as the holder of a sync lease.
    pub fn instance(&self) -> &str {
        self.inner.sync.instance()
    }

    /// Operator counters.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The counters, shared (for the middleware that counts requests).
    pub fn shared_metrics(&self) -> Arc<Metrics> {
        self.inner.metrics.clone()
    }

    /// Per-code callback single-flight (within this process).
    pub fn callback_flights(&self) -> &CallbackFlights {
        &self.inner.callback_flights
    }

    /// Sessions and the forms' checks.
    pub fn sessions(&self) -> &Sessions {
        &self.inner.sessions
    }

    /// The deployment's cookies.
    pub fn cookies(&self) -> Cookies {
        self.inner.sessions.cookies()
    }

    /// Teachers' syncs.
    pub fn sync(&self) -> &SyncService {
        &self.inner.sync
    }

    /// Clever logins.
    pub fn logins(&self) -> &Logins {
        &self.inner.logins
    }

    /// Mailed links.
    pub fn emails(&self) -> &EmailLinks {
        &self.inner.emails
    }

    /// Password logins.
    pub fn passwords(&self) -> &Passwords {
        &self.inner.passwords
    }
}

impl AsRef<Sessions> for AppState {
    fn as_ref(&self) -> &Sessions {
        self.sessions()
    }
}

impl AsRef<SyncService> for AppState {
    fn as_ref(&self) -> &SyncService {
        self.sync()
    }
}

impl AsRef<WebConfig> for AppState {
    fn as_ref(&self) -> &WebConfig {
        self.config()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// Every source file of the crate but `lib.rs`, by module path (`routes::welcome`), with
    /// its text.
    fn modules() -> BTreeMap<String, String> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut modules = BTreeMap::new();
        let mut dirs = vec![src.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let file = path.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
                let name = file.trim_end_matches(".rs").trim_end_matches("/mod").replace('/', "::");
                if name != "lib" {
                    modules.insert(name, std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        modules
    }

    /// The modules `text` uses in code (not in comments): `crate::x`, `crate::routes::x`, and
    /// in a route, `super::x`.
    fn uses(text: &str) -> BTreeSet<String> {
        let ident =
            |s: &str| s.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or("").to_owned();
        let mut found = BTreeSet::new();
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (prefix, parent) in [("crate::", ""), ("super::", "routes::")] {
                let mut rest = line;
                while let Some(at) = rest.find(prefix) {
                    rest = &rest[at + prefix.len()..];
                    let first = ident(rest);
                    found.insert(match rest.strip_prefix("routes::") {
                        Some(route) => format!("routes::{}", ident(route)),
                        None => format!("{parent}{first}"),
                    });
                }
            }
        }
        found
    }

    /// The state is the top of the module graph: below the routes, no module names it, so no
    /// service or extractor can come to depend on all of them again.
    #[test]
    fn only_the_routes_and_the_crate_root_use_the_state() {
        let offenders: Vec<String> = modules()
            .into_iter()
            .filter(|(name, _)| name != "state" && name != "routes" && !name.starts_with("routes::"))
            .filter(|(_, text)| text.contains("crate::state") || text.contains("AppState"))
            .map(|(name, _)| name)
            .collect();
        assert!(offenders.is_empty(), "modules below the routes that use the app state: {offenders:?}");
    }

    /// No two modules depend on each other, however indirectly: each can be read, and changed,
    /// knowing only the ones it uses.
    #[test]
    fn the_modules_form_no_cycle() {
        let modules = modules();
        let mut left: BTreeMap<String, BTreeSet<String>> = modules
            .iter()
            .map(|(name, text)| {
                let known = uses(text).into_iter().filter(|m| m != name && modules.contains_key(m)).collect();
                (name.clone(), known)
            })
            .collect();
        assert!(left["routes::welcome"].contains("routes::auth_clever"), "the parser finds uses: {left:?}");
        // Take away, again and again, the modules that use none of those left.
        loop {
            let done: Vec<String> = left
                .iter()
                .filter(|(_, uses)| uses.iter().all(|u| !left.contains_key(u)))
                .map(|(n, _)| n.clone())
                .collect();
            if done.is_empty() {
                break;
            }
            for name in done {
                left.remove(&name);
            }
        }
        // What is left is the cycles and the modules above them; keep the cycles, to name them.
        loop {
            let used: BTreeSet<String> = left.values().flatten().cloned().collect();
            let unused: Vec<String> = left.keys().filter(|n| !used.contains(*n)).cloned().collect();
            if unused.is_empty() {
                break;
            }
            for name in unused {
                left.remove(&name);
            }
        }
        assert!(left.is_empty(), "modules that depend on each other: {left:?}");
    }
}
