//! Codes, tokens and the per-token rate limit: issuing and redeeming authorization codes, minting
//! and checking bearer tokens. Secrets are stored only under their SHA-256 digests.

use std::collections::HashMap;

use time::{Duration, OffsetDateTime};

use super::Emulator;
use crate::ids::{Digest32, digest, random_secret};
use crate::profile::{EXPIRING_TOKEN_LIFETIME, LONG_CODE_LIFETIME, Profile};

/// How long a code is remembered after it expires (a replay within this still revokes).
pub const CODE_KEPT_AFTER_EXPIRY: Duration = Duration::days(1);
/// How long a user token is remembered after it expires (until then it answers "expired").
pub const TOKEN_KEPT_AFTER_EXPIRY: Duration = Duration::days(1);

/// Who a token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum TokenOwner {
    /// A user's SSO/Library token.
    User(String),
    /// A district-app token.
    District(String),
}

/// An issued access token, stored under the SHA-256 of its value.
#[derive(Debug, Clone)]
pub struct TokenRec {
    /// Whose data the token reads.
    pub owner: TokenOwner,
    /// The app it was issued to.
    pub client_id: String,
    /// Issue time.
    pub issued_at: OffsetDateTime,
    /// Expiry (`None` for district-app tokens, which live until the district revokes the app).
    pub expires_at: Option<OffsetDateTime>,
    /// Set when a replayed code revoked the token.
    pub revoked_at: Option<OffsetDateTime>,
    /// The code it was redeemed from, if any.
    pub from_code: Option<Digest32>,
}

/// An issued authorization code, stored under the SHA-256 of its value. A redeemed code is kept
/// (not deleted) so that a replay can find and revoke the token issued from it.
#[derive(Debug, Clone)]
pub struct CodeRec {
    /// The client it was issued to.
    pub client_id: String,
    /// The redirect URI it was issued for (the token request must repeat it exactly).
    pub redirect_uri: String,
    /// The user who logged in.
    pub user_id: String,
    /// Issue time.
    pub issued_at: OffsetDateTime,
    /// Expiry (issue + 60 s by default).
    pub expires_at: OffsetDateTime,
    /// Digest of the token the code was exchanged for, once redeemed.
    pub redeemed_for: Option<Digest32>,
}

/// Why a code could not be redeemed. All map to 400 `invalid_grant`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedeemError {
    /// No such code.
    #[error("invalid code: the authorization code is not recognised")]
    Unknown,
    /// The code is older than its lifetime.
    #[error("invalid code: the authorization code has expired (codes live {lifetime_seconds} seconds)")]
    Expired {
        /// How long the code lived.
        lifetime_seconds: i64,
    },
    /// The code was used before; the token issued from it is now revoked.
    #[error(
        "invalid code: the authorization code was already used; the token issued from it has been revoked"
    )]
    Reused,
    /// The code was issued to a different client.
    #[error("invalid code: the authorization code was issued to a different client")]
    WrongClient,
    /// `redirect_uri` differs from the one the code was issued for.
    #[error("invalid code: redirect_uri does not match the one used to obtain the code")]
    WrongRedirect,
}

/// Why a bearer token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token this emulator issued.
    #[error("the access token is not recognised")]
    Unknown,
    /// Past its lifetime.
    #[error("the access token has expired")]
    Expired,
    /// Revoked because its code was replayed.
    #[error("the access token was revoked")]
    Revoked,
}

/// Result of counting one request against a token's rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateDecision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// Requests allowed per window.
    pub limit: u32,
    /// Requests left in this window.
    pub remaining: u32,
    /// Unix time (seconds) at which the window resets.
    pub reset_unix: i64,
}

/// Requests per token in the current minute. Clever's window is fixed per minute, so when the
/// minute changes every count starts again at zero: the map holds only the tokens used this
/// minute, however many tokens there are.
#[derive(Debug, Default)]
pub(super) struct RateWindows {
    minute: i64,
    counts: HashMap<Digest32, u32>,
}

impl RateWindows {
    pub(super) fn clear(&mut self) {
        self.counts.clear();
    }
}

impl Emulator {
    /// Issues a single-use code for `user_id` at `client_id`, bound to `redirect_uri`.
    pub fn issue_code(&self, client_id: &str, redirect_uri: &str, user_id: &str) -> String {
        let code = random_secret("");
        let now = self.now();
        let expires_at = now + self.code_ttl();
        let rec = CodeRec {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            user_id: user_id.to_owned(),
            issued_at: now,
            expires_at,
            redeemed_for: None,
        };
        // Kept past its expiry so that a late replay still revokes the token it was exchanged
        // for, then swept.
        self.inner.codes.lock().insert(digest(&code), rec, Some(expires_at + CODE_KEPT_AFTER_EXPIRY), now);
        code
    }

    /// Exchanges a code for a user access token. Atomic: of any number of concurrent redemptions
    /// of one code exactly one succeeds. A replay revokes the token the first redemption got.
    pub fn redeem_code(
        &self,
        client_id: &str,
        redirect_uri: Option<&str>,
        code: &str,
    ) -> Result<String, RedeemError> {
        let now = self.now();
        let mut codes = self.inner.codes.lock();
        let rec = codes.get_mut(&digest(code)).ok_or(RedeemError::Unknown)?;
        // Ownership first: another client presenting this code (leaked, or guessed) learns
        // nothing and changes nothing; only the client the code was issued to can, by replaying
        // it, revoke the token it got (RFC 6749 §4.1.2).
        if rec.client_id != client_id {
            return Err(RedeemError::WrongClient);
        }
        if let Some(token) = rec.redeemed_for {
            if let Some(t) = self.inner.tokens.write().get_mut(&token) {
                t.revoked_at.get_or_insert(now);
            }
            return Err(RedeemError::Reused);
        }
        if now >= rec.expires_at {
            let lifetime_seconds = (rec.expires_at - rec.issued_at).whole_seconds();
            return Err(RedeemError::Expired { lifetime_seconds });
        }
        // RFC 6749 §4.1.3: the redirect_uri must be identical to the one used on authorize.
        if redirect_uri != Some(rec.redirect_uri.as_str()) {
            return Err(RedeemError::WrongRedirect);
        }
        let token = random_secret("il");
        let token_digest = digest(&token);
        rec.redeemed_for = Some(token_digest);
        let from_code = Some(digest(code));
        self.insert_user_token(token_digest, &rec.user_id.clone(), client_id, now, from_code);
        Ok(token)
    }

    /// How long a new code lives: `code_ttl`, or [`LONG_CODE_LIFETIME`] under `long-codes`.
    fn code_ttl(&self) -> Duration {
        if self.has_profile(Profile::LongCodes) { LONG_CODE_LIFETIME } else { self.inner.config.code_ttl }
    }

    /// How long a new user token lives: `token_ttl`, or under `expiring-tokens` at most
    /// [`EXPIRING_TOKEN_LIFETIME`] (the `expires_in` the token response then sends is the real
    /// lifetime).
    fn user_token_ttl(&self) -> Duration {
        let ttl = self.inner.config.token_ttl;
        if self.has_profile(Profile::ExpiringTokens) { ttl.min(EXPIRING_TOKEN_LIFETIME) } else { ttl }
    }

    /// Mints a user token directly (admin API), as if the user had logged in to `client_id`.
    pub fn mint_token(&self, user_id: &str, client_id: &str) -> String {
        let token = random_secret("il");
        self.insert_user_token(digest(&token), user_id, client_id, self.now(), None);
        token
    }

    fn insert_user_token(
        &self,
        d: Digest32,
        user_id: &str,
        client_id: &str,
        now: OffsetDateTime,
        from_code: Option<Digest32>,
    ) {
        let expires_at = now + self.user_token_ttl();
        let rec = TokenRec {
            owner: TokenOwner::User(user_id.to_owned()),
            client_id: client_id.to_owned(),
            issued_at: now,
            expires_at: Some(expires_at),
            revoked_at: None,
            from_code,
        };
        self.inner.tokens.write().insert(d, rec, Some(expires_at + TOKEN_KEPT_AFTER_EXPIRY), now);
    }

    /// Looks a bearer token up and checks it is live.
    pub fn check_token(&self, token: &str) -> Result<(Digest32, TokenRec), TokenError> {
        let d = digest(token);
        let user = self.inner.tokens.read().get(&d).cloned();
        let rec =
            user.or_else(|| self.inner.district_tokens.read().get(&d).cloned()).ok_or(TokenError::Unknown)?;
        if rec.revoked_at.is_some() {
            return Err(TokenError::Revoked);
        }
        if rec.expires_at.is_some_and(|at| self.now() >= at) {
            return Err(TokenError::Expired);
        }
        Ok((d, rec))
    }

    /// Snapshot of all codes (admin listing).
    pub fn codes(&self) -> Vec<(Digest32, CodeRec)> {
        self.inner.codes.lock().iter().map(|(d, c)| (*d, c.clone())).collect()
    }

    /// Snapshot of all tokens (admin listing).
    pub fn tokens(&self) -> Vec<(Digest32, TokenRec)> {
        let users = self.inner.tokens.read().iter().map(|(d, t)| (*d, t.clone())).collect::<Vec<_>>();
        let districts = self.inner.district_tokens.read();
        users.into_iter().chain(districts.iter().map(|(d, t)| (*d, t.clone()))).collect()
    }

    /// Counts one request against a token's fixed one-minute window (Clever resets the window
    /// each minute rather than averaging).
    pub fn count_request(&self, token: &Digest32) -> RateDecision {
        let now = self.now().unix_timestamp();
        let minute = now.div_euclid(60);
        let limit = self.inner.config.rate_limit_per_minute;
        let mut rate = self.inner.rate.lock();
        if rate.minute != minute {
            rate.minute = minute;
            rate.counts.clear();
        }
        let count = rate.counts.entry(*token).or_insert(0);
        let allowed = *count < limit;
        if allowed {
            *count += 1;
        }
        RateDecision {
            allowed,
            limit,
            remaining: limit.saturating_sub(*count),
            reset_unix: (minute + 1) * 60,
        }
    }
}
