//! What a code exchange grants: the bearer token and how long it lives, read tolerantly from the
//! token response (the code is spent by then, so only a body that gives no usable bearer token
//! fails).

use std::time::Duration;

use serde::Deserialize;

use crate::client::AccessToken;
use crate::error::ClientError;

/// How long a Clever bearer token lives when the token response does not say: Clever's guide
/// documents that tokens expire after 24 hours and cannot be refreshed (Clever issues no refresh
/// token), so after that the user signs in with Clever again.
pub const CLEVER_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// The longest `expires_in` the client takes at its word: 365 days. A larger value is clamped to
/// this, so an app that keeps a session no longer than its token still asks the user to sign in
/// again at least once a year.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// A successful code exchange: the bearer token and, when the server said, its lifetime.
/// `Debug` prints the token as `***`.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    /// The bearer token for the Data API.
    pub token: AccessToken,
    /// The token's lifetime from the response's `expires_in`, or `None` when it was absent.
    ///
    /// Clamped: more than [`MAX_TOKEN_LIFETIME`] reads as that. Zero, a negative number, `null`
    /// and anything that is not a number of seconds (a numeric string such as `"3600"` is read)
    /// read as absent: a server does not issue a token that is already expired, and servers that
    /// send `0` use it to mean "not stated" or "does not expire", so the caller falls back to
    /// Clever's documented lifetime rather than ending the session at once.
    pub expires_in: Option<Duration>,
}

impl TokenGrant {
    /// How long the token can be used from when it was granted: `expires_in` when the server sent
    /// a usable one, else [`CLEVER_TOKEN_LIFETIME`] (24 hours).
    pub fn lifetime(&self) -> Duration {
        self.expires_in.unwrap_or(CLEVER_TOKEN_LIFETIME)
    }
}

/// The token response as the client reads it. Clever documents `access_token` and
/// `token_type: "bearer"`; other servers add `expires_in`, an `id_token` (ignored: the client
/// identifies the user with `/me`), a `scope` or anything else, all of which are ignored unless
/// named here.
///
/// `access_token` is read as any JSON value and checked after: serde's message for a value of the
/// wrong type quotes the value, and this one is the secret.
#[derive(Deserialize)]
struct Wire {
    #[serde(default)]
    access_token: serde_json::Value,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

/// Reads a 2xx token response.
///
/// `token_type` is compared without regard to case (`bearer`, `Bearer` and `BEARER` are one type,
/// RFC 6749 §5.1); an absent or empty one is taken as bearer, the only type Clever issues. A type
/// that is something else (`mac`) is `Malformed`: that token would not work as a bearer token.
pub(crate) fn read_grant(body: &[u8]) -> Result<TokenGrant, ClientError> {
    let wire: Wire = serde_json::from_slice(body)
        .map_err(|e| ClientError::Malformed { detail: format!("the token response: {e}") })?;
    let token = match wire.access_token {
        serde_json::Value::String(token) if !token.is_empty() => token,
        serde_json::Value::String(_) => {
            return Err(ClientError::Malformed {
                detail: "the token response has an empty access_token".into(),
            });
        }
        serde_json::Value::Null => {
            return Err(ClientError::Malformed { detail: "the token response has no access_token".into() });
        }
        _ => {
            return Err(ClientError::Malformed {
                detail: "the token response's access_token is not a string".into(),
            });
        }
    };
    if let Some(kind) = wire.token_type.as_deref().map(str::trim)
        && !kind.is_empty()
        && !kind.eq_ignore_ascii_case("bearer")
    {
        let shown: String = kind.chars().take(40).collect();
        return Err(ClientError::Malformed {
            detail: format!("the token response's token_type is {shown:?}, not bearer"),
        });
    }
    let expires_in = wire.expires_in.as_ref().and_then(lifetime_of);
    Ok(TokenGrant { token: AccessToken::new(token), expires_in })
}

/// `expires_in` as a lifetime, clamped as [`TokenGrant::expires_in`] documents.
fn lifetime_of(value: &serde_json::Value) -> Option<Duration> {
    let secs = match value {
        serde_json::Value::Number(n) => n.as_f64()?,
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    // Under a second is zero: whole seconds only.
    if secs.is_nan() || secs < 1.0 {
        return None;
    }
    let max = MAX_TOKEN_LIFETIME.as_secs();
    // In range for u64 after the clamp, so the cast only drops the fraction.
    let whole = secs.min(max as f64).floor() as u64;
    Some(Duration::from_secs(whole.min(max)))
}
