//! `GET /oauth/tokeninfo`: which app a bearer token belongs to and what it may read (with the
//! extra key of `extra-fields` when that profile is on).

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use clever_types::TokenInfo;

use super::scopes;
use crate::error::{ApiError, no_store};
use crate::profile::json;
use crate::state::{Emulator, TokenOwner};

/// The bearer token of the `Authorization` header. Only the header is read: tokens in query
/// strings leak into logs (RFC 6750 §2.3).
fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    let value = headers.get(header::AUTHORIZATION).ok_or_else(ApiError::missing_token)?;
    let value =
        value.to_str().map_err(|_| ApiError::invalid_token("the Authorization header is not ASCII"))?;
    match value.trim().split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(token.trim())
        }
        _ => Err(ApiError::missing_token()),
    }
}

/// `GET /oauth/tokeninfo`.
pub async fn tokeninfo(State(emulator): State<Emulator>, headers: HeaderMap) -> Result<Response, ApiError> {
    let token = bearer(&headers)?;
    let (_, rec) = emulator.check_token(token).map_err(|e| ApiError::invalid_token(&e.to_string()))?;
    let user = match &rec.owner {
        TokenOwner::User(id) => emulator.world().users.get(id).cloned(),
        TokenOwner::District(_) => None,
    };
    let body =
        TokenInfo { client_id: rec.client_id.clone(), scopes: scopes::for_owner(&rec.owner, user.as_ref()) };
    let mut response = json::respond(body, &emulator.profiles(), false);
    no_store(response.headers_mut());
    Ok(response)
}
