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
