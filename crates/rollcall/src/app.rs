//! `rollcall serve`: the app, configured by flags and environment.

use std::sync::Arc;

use anyhow::{Context, bail};
use clever_client::{CleverClient, CleverConfig};
use rollcall_core::SystemClock;
use rollcall_store::Store;
use rollcall_web::mail::MailSettings;
use rollcall_web::{AppState, WebConfig};
use secrecy::ExposeSecret;

use crate::cli::{AppArgs, ServeArgs};

/// Validates the configuration, opens the database, and serves until Ctrl-C / SIGTERM.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let listener = crate::listen::bind(args.listen, crate::listen::Ports::Listen).await?;
    let config =
        WebConfig { serving: args.serving.serving(), ..web_config(&args.app, Some(listener.local_addr()?))? };
    let state = build_state(config, &args.app.database_url, args.app.database_pool).await?;
    tracing::info!(listen = %listener.local_addr()?, public_url = %state.config().public_url, "Rollcall serving");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = state.config().background_sync_every.map(|every| {
        let worker_id = worker_id();
        tracing::info!(worker = %worker_id, every_minutes = every.whole_minutes(), "background sync on");
        let mut stopped = stopped.clone();
        tokio::spawn(rollcall_web::jobs::run_worker(state.clone(), worker_id, WORKER_POLL, async move {
            // A closed channel (the server ended) stops the worker too.
            let _ = stopped.wait_for(|stop| *stop).await;
        }))
    });
    let served = rollcall_web::serve(listener, state, async move {
        crate::shutdown::signal().await;
        let _ = stop.send(true);
    })
    .await;
    if let Some(worker) = worker {
        // The server stopped: let a sync in progress finish (its job is released or rescheduled).
        drop(stopped);
        if let Err(error) = worker.await {
            tracing::error!(%error, "the background sync worker panicked");
        }
    }
    served?;
    Ok(())
}

/// The app's configuration from flags and environment, validated. `listening` is the address
/// `serve` listens on: with --dev and no --public-url, the app is reached there.
pub fn web_config(args: &AppArgs, listening: Option<std::net::SocketAddr>) -> anyhow::Result<WebConfig> {
    let public_url = match (&args.public_url, listening) {
        (Some(url), _) => url.trim_end_matches('/').to_owned(),
        (None, Some(addr)) if args.dev => format!("http://{addr}"),
        (None, Some(_)) => bail!("--public-url (ROLLCALL_PUBLIC_URL) is required outside --dev"),
        (None, None) => bail!("--public-url (ROLLCALL_PUBLIC_URL) is required"),
    };
    let token_key = match (&args.token_key, args.dev) {
        (Some(hex_key), _) => parse_key(hex_key.expose_secret())?,
        (None, true) => {
            tracing::warn!(
                "no --token-key: using a random one; stored Clever tokens will not survive a restart"
            );
            random_key()
        }
        (None, false) => bail!(
            "--token-key (ROLLCALL_TOKEN_KEY) is required outside --dev: 64 hex digits, e.g. from `openssl rand -hex 32`"
        ),
    };
    let clever = CleverConfig::new(
        args.clever_client_id.clone(),
        args.clever_client_secret.clone(),
        format!("{public_url}{}", WebConfig::CALLBACK_PATH),
    )
    .with_base_urls(args.clever_oauth_url.clone(), args.clever_api_url.clone());
    let config = WebConfig {
        public_url,
        clever,
        dev_mode: args.dev,
        session_ttl: time::Duration::hours(args.session_hours),
        token_key: token_key.into(),
        metrics_token: args.metrics_token.clone(),
        background_sync_every: (args.background_sync_minutes > 0)
            .then(|| time::Duration::minutes(i64::from(args.background_sync_minutes))),
        serving: rollcall_web::config::Serving::default(),
        mail: match (&args.smtp_url, args.dev) {
            (Some(url), _) => MailSettings::Smtp { url: url.clone(), from: args.mail_from.clone() },
            (None, true) => MailSettings::Outbox,
            (None, false) => {
                tracing::warn!("no --smtp-url: email sign-up is off (accounts come from Clever)");
                MailSettings::Off
            }
        },
    };
    config.validate().context("refusing to start")?;
    Ok(config)
}

/// How often an idle background worker looks for due jobs.
const WORKER_POLL: std::time::Duration = std::time::Duration::from_secs(30);

/// A worker id unique to this process: host, process id and a random suffix (so a restarted
/// process with a reused pid never passes for its predecessor).
fn worker_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "rollcall".to_owned());
    let suffix: u32 = rand::random();
    format!("{host}/{}/{suffix:08x}", std::process::id())
}

/// `rollcall migrate`: opening the store applies pending migrations (and refuses a newer schema).
pub async fn migrate(args: crate::cli::MigrateArgs) -> anyhow::Result<()> {
    let url = redact(&args.database_url);
    rollcall_store::open(&args.database_url).await.with_context(|| format!("cannot migrate {url}"))?;
    let line = format!("{url}: migrations applied; the schema matches this build\n");
    let _ = std::io::Write::write_all(&mut std::io::stdout(), line.as_bytes());
    Ok(())
}

/// Opens the store the URL names (`sqlite:` or `postgres://`, with at most `pg_pool`
/// connections) and assembles the app state.
pub async fn build_state(config: WebConfig, database_url: &str, pg_pool: u32) -> anyhow::Result<AppState> {
    let store = rollcall_store::open_with_pool(database_url, pg_pool)
        .await
        .with_context(|| format!("cannot open the database {}", redact(database_url)))?;
    state_with_store(config, store)
}

/// Assembles the app state on an open store, with the system clock.
pub fn state_with_store(config: WebConfig, store: Arc<dyn Store>) -> anyhow::Result<AppState> {
    let clever = CleverClient::new(config.clever.clone()).context("cannot build the HTTP client")?;
    Ok(AppState::new(config, store, clever, Arc::new(SystemClock)))
}

fn parse_key(hex_key: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = hex::decode(hex_key.trim()).context("--token-key must be 64 hex digits")?;
    bytes.try_into().map_err(|_| anyhow::anyhow!("--token-key must be exactly 64 hex digits (32 bytes)"))
}

/// A random 32-byte key.
pub fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
    key
}

/// A database URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_never_reach_messages() {
        assert_eq!(redact("postgres://app:hunter2@db:5432/rollcall"), "postgres://app:***@db:5432/rollcall");
        assert_eq!(redact("sqlite://rollcall.db"), "sqlite://rollcall.db");
    }

    /// Secrets given as flags stay out of `Debug`: of the parsed flags and of the app's settings.
    /// (A runtime, because checking the SMTP settings builds lettre's Tokio transport.)
    #[tokio::test]
    async fn secrets_never_reach_debug_output() {
        use clap::Parser;
        let key = "ab".repeat(32);
        let cli = crate::cli::Cli::try_parse_from([
            "rollcall",
            "serve",
            "--public-url=https://rollcall.example",
            "--clever-client-id=app",
            "--clever-client-secret=client-secret-value",
            &format!("--token-key={key}"),
            "--metrics-token=metrics-token-value",
            "--smtp-url=smtps://u:mail-password@mail.example:465",
        ])
        .unwrap();
        let crate::cli::Command::Serve(serve) = &cli.command else { panic!("not serve") };
        let config = web_config(&serve.app, None).unwrap();
        for printed in [format!("{cli:?}"), format!("{config:?}")] {
            for secret in
                ["client-secret-value", key.as_str(), "metrics-token-value", "mail-password", "171, 171"]
            {
                assert!(!printed.contains(secret), "{secret} printed in {printed}");
            }
        }
        assert_eq!(config.token_key.expose(), &[0xab; 32], "the key itself is kept");
    }

    #[test]
    fn token_keys_must_be_32_bytes_of_hex() {
        assert!(parse_key(&"ab".repeat(32)).is_ok());
        assert!(parse_key("abcd").is_err());
        assert!(parse_key(&"zz".repeat(32)).is_err());
    }
}
