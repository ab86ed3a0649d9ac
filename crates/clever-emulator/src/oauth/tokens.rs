//! `POST /oauth/tokens`: exchanging an authorization code for a bearer token (RFC 6749 §4.1.3).
//!
//! Like real Clever, the answer is `access_token` and `token_type: "bearer"` only. Under
//! `expiring-tokens` it adds `expires_in` (the token's real lifetime in seconds), an
//! `id_token` ([`super::id_token`]) and says `"Bearer"`; under `extra-fields` it carries
//! [`crate::profile::json::EXTRA_KEY`] too.

use axum::extract::{RawQuery, State};
use std::net::IpAddr;

use axum::http::{Extensions, HeaderMap};
use axum::response::Response;
use bytes::Bytes;
use clever_types::TokenResponse;

use super::body;
use super::client_auth::{peer, respond};
use super::id_token;
use super::params::{ParamError, Params};
use crate::error::{OAuthError, no_store};
use crate::profile::{Profile, Profiles, json};
use crate::state::Emulator;

fn param(result: Result<&str, ParamError>) -> Result<&str, OAuthError> {
    result.map_err(|e| OAuthError::invalid_request(e.describe()))
}

/// Refuses client credentials in the query string: they would end up in access logs
/// (RFC 6749 §2.3.1 forbids them there).
pub fn refuse_query_credentials(query: Option<&str>) -> Result<(), OAuthError> {
    let params = Params::from_urlencoded(query.unwrap_or_default().as_bytes());
    if params.contains("client_secret") || params.contains("client_id") {
        return Err(OAuthError::invalid_request(
            "Client credentials must not be sent in the query string; use HTTP Basic authentication.",
        ));
    }
    Ok(())
}

/// `POST /oauth/tokens`.
pub async fn exchange(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    extensions: Extensions,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    match exchange_inner(&emulator, &headers, peer(&extensions), query.as_deref(), &body) {
        Ok(response) => response,
        Err(error) => respond(error),
    }
}

fn exchange_inner(
    emulator: &Emulator,
    headers: &HeaderMap,
    peer: Option<IpAddr>,
    query: Option<&str>,
    body: &[u8],
) -> Result<Response, OAuthError> {
    refuse_query_credentials(query)?;
    let app = emulator.authenticate_basic(headers, peer)?;
    let form = body::parse(headers, body)?;
    check_body(&form, &app.client_id)?;
    let token = redeem(emulator, &form, &app.client_id)?;
    let profiles = emulator.profiles();
    let mut response = json::respond(token_response(emulator, token, &profiles), &profiles, false);
    no_store(response.headers_mut());
    Ok(response)
}

/// The token endpoint's answer for a freshly issued `token`, as the profiles in force shape it.
fn token_response(emulator: &Emulator, token: String, profiles: &Profiles) -> TokenResponse {
    if !profiles.has(Profile::ExpiringTokens) {
        return TokenResponse {
            access_token: token,
            token_type: "bearer".into(),
            id_token: None,
            expires_in: None,
        };
    }
    let rec = emulator.check_token(&token).ok().map(|(_, rec)| rec);
    // The token was issued just now, so its lifetime is what is left of it.
    let expires_in = rec
        .as_ref()
        .and_then(|r| r.expires_at.map(|at| at - r.issued_at))
        .and_then(|lifetime| u64::try_from(lifetime.whole_seconds()).ok());
    let id_token = rec.as_ref().and_then(|r| id_token::for_token(emulator, r));
    TokenResponse { access_token: token, token_type: "Bearer".into(), id_token, expires_in }
}

/// The client authenticated with Basic; RFC 6749 §2.3 forbids a second method in the body.
/// A `client_id` that repeats the authenticated one is tolerated (some libraries always send it).
fn check_body(form: &Params, client_id: &str) -> Result<(), OAuthError> {
    if form.contains("client_secret") {
        return Err(OAuthError::invalid_request(
            "client_secret must not be sent in the request body; use HTTP Basic authentication only.",
        ));
    }
    match form.get("client_id") {
        Ok(None) => Ok(()),
        Ok(Some(id)) if id == client_id => Ok(()),
        Ok(Some(_)) => Err(OAuthError::invalid_request(
            "client_id in the body differs from the one in the Basic credentials.",
        )),
        Err(e) => Err(OAuthError::invalid_request(e.describe())),
    }
}

fn redeem(emulator: &Emulator, form: &Params, client_id: &str) -> Result<String, OAuthError> {
    let grant_type = param(form.require("grant_type"))?;
    if grant_type != "authorization_code" {
        return Err(OAuthError::unsupported_grant_type(format!(
            "grant_type \"{grant_type}\" is not supported; Clever supports only authorization_code."
        )));
    }
    let code = param(form.require("code"))?;
    let redirect_uri = param(form.require("redirect_uri"))?;
    emulator
        .redeem_code(client_id, Some(redirect_uri), code)
        .map_err(|e| OAuthError::invalid_grant(e.to_string()))
}
