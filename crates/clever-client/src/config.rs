//! Where Clever is and how patient to be with it.

use std::time::Duration;

use secrecy::SecretString;

/// Real Clever's OAuth host.
pub const CLEVER_OAUTH_BASE: &str = "https://clever.com";
/// Real Clever's API host.
pub const CLEVER_API_BASE: &str = "https://api.clever.com";

/// An app's Clever registration and the hosts to talk to. Point both base URLs at an emulator in
/// tests; nothing else changes.
#[derive(Debug, Clone)]
pub struct CleverConfig {
    /// `https://clever.com` (authorize, tokens).
    pub oauth_base: String,
    /// `https://api.clever.com` (`/v3.0`, `/userinfo`).
    pub api_base: String,
    /// The app's client id.
    pub client_id: String,
    /// The app's client secret; never logged (`Debug` prints it redacted).
    pub client_secret: SecretString,
    /// The redirect URI registered with Clever and sent on authorize and token requests.
    pub redirect_uri: String,
    /// Retries, backoff and concurrency.
    pub retry: RetryPolicy,
    /// Per-request timeout.
    pub request_timeout: Duration,
}

impl CleverConfig {
    /// A config for real Clever with default retry settings.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: SecretString,
        redirect_uri: impl Into<String>,
    ) -> Self {
        Self {
            oauth_base: CLEVER_OAUTH_BASE.to_owned(),
            api_base: CLEVER_API_BASE.to_owned(),
            client_id: client_id.into(),
            client_secret,
            redirect_uri: redirect_uri.into(),
            retry: RetryPolicy::default(),
            request_timeout: Duration::from_secs(15),
        }
    }

    /// The same config pointed at other hosts (an emulator, a proxy).
    pub fn with_base_urls(mut self, oauth_base: impl Into<String>, api_base: impl Into<String>) -> Self {
        self.oauth_base = trim_slash(oauth_base.into());
        self.api_base = trim_slash(api_base.into());
        self
    }
}

fn trim_slash(mut s: String) -> String {
    while s.ends_with('/') {
        s.pop();
    }
    s
}

/// How the client retries Data API reads. The code exchange is never retried: a code is
/// single-use, and a second attempt would revoke the token the first one obtained.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per request, including the first (5xx, timeouts, connection errors, 429).
    pub max_attempts: u32,
    /// First backoff delay; doubles each attempt, with full jitter.
    pub base_delay: Duration,
    /// Longest single backoff delay.
    pub max_delay: Duration,
    /// Longest wait for a rate-limit window to reset; a later reset fails with `RateLimited`.
    pub max_rate_limit_wait: Duration,
    /// Data API requests in flight at once per bearer token, which is how Clever rate-limits
    /// (1200 requests per token per minute). Other tokens' requests never wait for these.
    pub max_in_flight: usize,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_rate_limit_wait: Duration::from_secs(65),
            max_in_flight: 8,
        }
    }
}
