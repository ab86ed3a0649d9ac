//! The `id_token` of the `expiring-tokens` profile: a JWT (`header.payload.signature`, each part
//! base64url without padding) as OIDC servers send next to the access token. It is signed HS256
//! under the emulator instance's random key, which no client knows, so a client can decode it
//! but cannot check the signature, as with a server whose keys it has not fetched.
//!
//! Payload: `iss` (`https://clever.com`), `sub` (the user id), `aud` (the client id), `iat` and
//! `exp` (Unix seconds, `exp` the access token's expiry).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use crate::state::{Emulator, TokenOwner, TokenRec};

/// The issuer the token names.
pub const ISSUER: &str = "https://clever.com";

/// An id token for the user token `token`, or `None` for a district-app token.
pub fn for_token(emulator: &Emulator, token: &TokenRec) -> Option<String> {
    let TokenOwner::User(user_id) = &token.owner else { return None };
    let header = json!({"alg": "HS256", "typ": "JWT"});
    let payload = json!({
        "iss": ISSUER,
        "sub": user_id,
        "aud": token.client_id,
        "iat": token.issued_at.unix_timestamp(),
        "exp": token.expires_at.map(|at| at.unix_timestamp()),
    });
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let signature = emulator.mac(&[signed.as_bytes()]);
    Some(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature)))
}
