//! Emulator settings. The defaults are Clever's documented limits.

use time::Duration;

use crate::profile::Profiles;

/// How strict and how big the emulator is.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Lifetime of an authorization code (Clever: 60 seconds).
    pub code_ttl: Duration,
    /// Lifetime of a user access token (default 24 hours; Clever issues no refresh tokens).
    pub token_ttl: Duration,
    /// Requests per token per fixed one-minute window (Clever: 1200).
    pub rate_limit_per_minute: u32,
    /// Page size when a list request gives no `limit` (Clever's default is undocumented; 100).
    pub default_page_limit: usize,
    /// Largest `limit` accepted; above it the API answers 413 (Clever: 10000).
    pub max_page_limit: usize,
    /// How many requests the journal keeps (oldest dropped first).
    pub journal_capacity: usize,
    /// How the emulator differs from strict Clever (none by default; see [`crate::profile`]).
    pub profiles: Profiles,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            code_ttl: Duration::seconds(60),
            token_ttl: Duration::hours(24),
            rate_limit_per_minute: 1200,
            default_page_limit: 100,
            max_page_limit: 10_000,
            journal_capacity: 10_000,
            profiles: Profiles::strict(),
        }
    }
}

/// A setting outside its range; the message names the setting and the range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Longest code lifetime accepted: one day (Clever's is 60 seconds).
pub const MAX_CODE_TTL: Duration = Duration::days(1);
/// Longest token lifetime accepted: 3650 days, so that an expiry time always fits the calendar.
pub const MAX_TOKEN_TTL: Duration = Duration::days(3650);
/// Largest per-token rate limit accepted.
pub const MAX_RATE_LIMIT: u32 = 1_000_000;
/// Largest page size accepted for `max_page_limit`.
pub const MAX_PAGE_LIMIT: usize = 1_000_000;
/// Largest journal accepted.
pub const MAX_JOURNAL: usize = 1_000_000;

impl EmulatorConfig {
    /// Checks every number is in its range, so no lifetime or limit can overflow a time or a
    /// counter while serving. The error names the setting and its allowed range.
    pub fn check(&self) -> Result<(), ConfigError> {
        let fail = |m: String| Err(ConfigError(m));
        let secs = |d: Duration| d.whole_seconds();
        if self.code_ttl < Duration::SECOND || self.code_ttl > MAX_CODE_TTL {
            return fail(format!(
                "code lifetime {} s must be between 1 and {} seconds",
                secs(self.code_ttl),
                secs(MAX_CODE_TTL)
            ));
        }
        if self.token_ttl < Duration::SECOND || self.token_ttl > MAX_TOKEN_TTL {
            return fail(format!(
                "token lifetime {} s must be between 1 and {} seconds",
                secs(self.token_ttl),
                secs(MAX_TOKEN_TTL)
            ));
        }
        if !(1..=MAX_RATE_LIMIT).contains(&self.rate_limit_per_minute) {
            return fail(format!(
                "rate limit {} must be between 1 and {MAX_RATE_LIMIT} requests per minute",
                self.rate_limit_per_minute
            ));
        }
        if !(1..=MAX_PAGE_LIMIT).contains(&self.max_page_limit) {
            return fail(format!(
                "max page limit {} must be between 1 and {MAX_PAGE_LIMIT}",
                self.max_page_limit
            ));
        }
        if !(1..=self.max_page_limit).contains(&self.default_page_limit) {
            return fail(format!(
                "default page limit {} must be between 1 and the max page limit {}",
                self.default_page_limit, self.max_page_limit
            ));
        }
        if self.journal_capacity > MAX_JOURNAL {
            return fail(format!(
                "journal capacity {} must be between 0 and {MAX_JOURNAL}",
                self.journal_capacity
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_pass_and_a_huge_token_lifetime_is_named() {
        assert_eq!(EmulatorConfig::default().check(), Ok(()));
        let config = EmulatorConfig { token_ttl: Duration::seconds(i64::MAX), ..EmulatorConfig::default() };
        let err = config.check().map(|()| String::new()).unwrap_or_else(|e| e.0);
        assert!(err.contains("token lifetime") && err.contains("between 1 and 315360000"), "{err}");
    }
}
