//! The app's settings, checked once at start-up.

use clever_client::CleverConfig;
use time::Duration;

/// How the app runs.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The URL users reach the app at, e.g. `https://rollcall.example` (no trailing slash).
    pub public_url: String,
    /// Clever registration and hosts. `redirect_uri` must be `{public_url}/auth/clever/callback`.
    pub clever: CleverConfig,
    /// Development mode: allows an `http` redirect URI and non-Secure cookies.
    pub dev_mode: bool,
    /// How long a login session lasts.
    pub session_ttl: Duration,
    /// The key sealing stored Clever tokens (AES-256-GCM) and signing mailed links.
    pub token_key: crate::crypto::TokenKey,
    /// Bearer token that unlocks `GET /metrics`; without one the endpoint does not exist.
    pub metrics_token: Option<secrecy::SecretString>,
    /// How often a background worker re-syncs each teacher's classes while their Clever token is
    /// valid (see [`crate::jobs`]); `None` turns background sync off (no jobs are scheduled).
    pub background_sync_every: Option<Duration>,
    /// What each client may take of the server: connections, and how long a request may take.
    pub serving: Serving,
    /// Where mail (the links that prove an email address) goes; off, there is no email sign-up.
    pub mail: crate::mail::MailSettings,
}

/// Limits that keep one client (or many half-open connections) from taking the server down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Serving {
    /// Connection cap and header read timeout (see the `http-serve` crate).
    pub limits: http_serve::Limits,
    /// How long a request may take before it is answered "this is taking too long" (503). A
    /// sync started by the request goes on in the background and is recorded.
    pub request_timeout: std::time::Duration,
    /// Behind a reverse proxy: the header it writes the client's address into (e.g.
    /// `x-forwarded-for`; the last address in it counts). `None`: the connection's peer.
    pub client_ip_header: Option<String>,
}

impl Serving {
    /// The default request timeout: longer than a first login importing a large roster takes.
    pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);
}

impl Default for Serving {
    fn default() -> Self {
        Self {
            limits: http_serve::Limits::default(),
            request_timeout: Self::REQUEST_TIMEOUT,
            client_ip_header: None,
        }
    }
}

/// Why the configuration is refused, in words an operator can act on.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    /// Production requires https.
    #[error(
        "the Clever redirect URI {0:?} is not https; Clever requires https in production (use --dev for local http)"
    )]
    InsecureRedirect(String),
    /// Fragments are forbidden by OAuth 2.0.
    #[error(
        "the Clever redirect URI {0:?} contains a fragment (#…); OAuth 2.0 forbids fragments in redirect URIs"
    )]
    Fragment(String),
    /// The redirect URI must be the app's own callback.
    #[error("the Clever redirect URI {uri:?} must be {expected:?} (the app's callback on its public URL)")]
    WrongCallback {
        /// What was configured.
        uri: String,
        /// What it must be.
        expected: String,
    },
    /// Missing client credentials.
    #[error("the Clever client id and secret are required")]
    MissingCredentials,
    /// The mail settings do not work.
    #[error(transparent)]
    Mail(#[from] crate::mail::MailConfigError),
}

impl WebConfig {
    /// The callback path on this app.
    pub const CALLBACK_PATH: &'static str = "/auth/clever/callback";

    /// Checks the rules Clever's Library guide sets for redirect URIs: https (outside dev mode),
    /// no fragment, and pointing at this app's callback.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let uri = &self.clever.redirect_uri;
        if self.clever.client_id.is_empty() {
            return Err(ConfigError::MissingCredentials);
        }
        if uri.contains('#') {
            return Err(ConfigError::Fragment(uri.clone()));
        }
        if !self.dev_mode && !uri.starts_with("https://") {
            return Err(ConfigError::InsecureRedirect(uri.clone()));
        }
        let expected = format!("{}{}", self.public_url, Self::CALLBACK_PATH);
        if *uri != expected {
            return Err(ConfigError::WrongCallback { uri: uri.clone(), expected });
        }
        crate::mail::Mailer::new(&self.mail)?;
        Ok(())
    }

    /// Whether cookies get the `Secure` attribute (always outside dev mode; in dev mode only
    /// when the app is served over https).
    pub fn secure_cookies(&self) -> bool {
        !self.dev_mode || self.public_url.starts_with("https://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(public: &str, redirect: &str, dev: bool) -> WebConfig {
        WebConfig {
            public_url: public.into(),
            clever: CleverConfig::new("id", "secret".to_owned().into(), redirect),
            dev_mode: dev,
            session_ttl: Duration::hours(8),
            token_key: [7; 32].into(),
            metrics_token: None,
            background_sync_every: None,
            serving: Serving::default(),
            mail: crate::mail::MailSettings::Off,
        }
    }

    #[test]
    fn production_refuses_http_and_fragments_with_a_reason() {
        let http = config("http://app.example", "http://app.example/auth/clever/callback", false);
        assert!(matches!(http.validate(), Err(ConfigError::InsecureRedirect(_))));
        assert!(http.validate().unwrap_err().to_string().contains("https"));
        let frag = config("https://app.example", "https://app.example/auth/clever/callback#x", false);
        assert!(matches!(frag.validate(), Err(ConfigError::Fragment(_))));
        let ok = config("https://app.example", "https://app.example/auth/clever/callback", false);
        assert_eq!(ok.validate(), Ok(()));
        assert!(ok.secure_cookies());
    }

    #[test]
    fn dev_mode_allows_http_but_not_a_foreign_callback() {
        let dev = config("http://127.0.0.1:8080", "http://127.0.0.1:8080/auth/clever/callback", true);
        assert_eq!(dev.validate(), Ok(()));
        assert!(!dev.secure_cookies());
        let foreign = config("http://127.0.0.1:8080", "http://other.example/cb", true);
        assert!(matches!(foreign.validate(), Err(ConfigError::WrongCallback { .. })));
    }
}
