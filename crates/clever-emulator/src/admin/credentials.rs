//! Credentials without a browser: mint tokens and codes, peek at what was issued (by digest
//! label, never the secret), and queue who logs in next.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::error::{AdminError, AdminResult, ErrorBody, no_app, no_user, parse_json};
use crate::clock::rfc3339;
use crate::ids::digest_label;
use crate::state::{Emulator, NextLogin, TokenOwner};

/// Whom to mint a token for.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MintToken {
    /// User id.
    pub user_id: String,
    /// Client id of a registered app.
    pub client_id: String,
}

/// A freshly minted token.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MintedToken {
    /// The bearer token (shown once; listings show only its label).
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: &'static str,
}

/// An issued token, without its value.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenView {
    /// Short digest label (not the token).
    pub label: String,
    /// `user` or `district`.
    pub owner_type: &'static str,
    /// User or district id.
    pub owner_id: String,
    /// Client id.
    pub client_id: String,
    /// Issue time.
    pub issued_at: String,
    /// Expiry (absent for district-app tokens).
    pub expires_at: Option<String>,
    /// True once revoked (a replayed code revokes its token).
    pub revoked: bool,
    /// Label of the code it was redeemed from, if any.
    pub from_code: Option<String>,
}

/// Codes to mint (for load tests that need a unique code per request).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MintCodes {
    /// User id.
    pub user_id: String,
    /// Client id.
    pub client_id: String,
    /// A redirect URI registered for the client.
    pub redirect_uri: String,
    /// How many (1–10000, default 1).
    #[serde(default)]
    pub count: Option<usize>,
}

/// Freshly minted codes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MintedCodes {
    /// The codes, each single-use.
    pub codes: Vec<String>,
}

/// An issued code, without its value.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CodeView {
    /// Short digest label (not the code).
    pub label: String,
    /// Client id.
    pub client_id: String,
    /// User id.
    pub user_id: String,
    /// Redirect URI it is bound to.
    pub redirect_uri: String,
    /// Issue time.
    pub issued_at: String,
    /// Expiry.
    pub expires_at: String,
    /// True once exchanged for a token.
    pub redeemed: bool,
}

/// Largest batch of codes one request may mint.
const MAX_CODES: usize = 10_000;

fn check_user_and_app(emulator: &Emulator, user_id: &str, client_id: &str) -> AdminResult<Vec<String>> {
    let world = emulator.world();
    if !world.users.contains_key(user_id) {
        return Err(no_user(user_id));
    }
    world.apps.get(client_id).map(|a| a.redirect_uris.clone()).ok_or_else(|| no_app(client_id))
}

/// Mints a user token as if the user had logged in to the app.
#[utoipa::path(post, path = "/__admin/tokens", tag = "credentials", request_body = MintToken,
    responses((status = 201, body = MintedToken), (status = 404, body = ErrorBody)))]
pub async fn mint_token(
    State(emulator): State<Emulator>,
    body: Bytes,
) -> AdminResult<(StatusCode, Json<MintedToken>)> {
    let req: MintToken = parse_json(&body)?;
    check_user_and_app(&emulator, &req.user_id, &req.client_id)?;
    let access_token = emulator.mint_token(&req.user_id, &req.client_id);
    Ok((StatusCode::CREATED, Json(MintedToken { access_token, token_type: "bearer" })))
}

/// Lists issued tokens, oldest first (labels only).
#[utoipa::path(get, path = "/__admin/tokens", tag = "credentials", responses((status = 200, body = Vec<TokenView>)))]
pub async fn list_tokens(State(emulator): State<Emulator>) -> Json<Vec<TokenView>> {
    let mut tokens = emulator.tokens();
    tokens.sort_by(|a, b| a.1.issued_at.cmp(&b.1.issued_at).then(a.0.cmp(&b.0)));
    let views = tokens
        .into_iter()
        .map(|(d, t)| {
            let (owner_type, owner_id) = match t.owner {
                TokenOwner::User(id) => ("user", id),
                TokenOwner::District(id) => ("district", id),
            };
            TokenView {
                label: digest_label(&d),
                owner_type,
                owner_id,
                client_id: t.client_id,
                issued_at: rfc3339(t.issued_at),
                expires_at: t.expires_at.map(rfc3339),
                revoked: t.revoked_at.is_some(),
                from_code: t.from_code.as_ref().map(digest_label),
            }
        })
        .collect();
    Json(views)
}

/// Mints authorization codes, as if the user had logged in and consented `count` times.
#[utoipa::path(post, path = "/__admin/codes", tag = "credentials", request_body = MintCodes,
    responses((status = 201, body = MintedCodes), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, description = "Redirect URI not registered", body = ErrorBody)))]
pub async fn mint_codes(
    State(emulator): State<Emulator>,
    body: Bytes,
) -> AdminResult<(StatusCode, Json<MintedCodes>)> {
    let req: MintCodes = parse_json(&body)?;
    let count = req.count.unwrap_or(1);
    if !(1..=MAX_CODES).contains(&count) {
        return Err(AdminError::bad_request(format!("count must be between 1 and {MAX_CODES}")));
    }
    let registered = check_user_and_app(&emulator, &req.user_id, &req.client_id)?;
    if !registered.contains(&req.redirect_uri) {
        return Err(AdminError::unprocessable(format!(
            "redirect_uri {:?} is not registered for {:?} (registered: {})",
            req.redirect_uri,
            req.client_id,
            registered.join(", ")
        )));
    }
    let codes =
        (0..count).map(|_| emulator.issue_code(&req.client_id, &req.redirect_uri, &req.user_id)).collect();
    Ok((StatusCode::CREATED, Json(MintedCodes { codes })))
}

/// Lists issued codes, oldest first (labels only).
#[utoipa::path(get, path = "/__admin/codes", tag = "credentials", responses((status = 200, body = Vec<CodeView>)))]
pub async fn list_codes(State(emulator): State<Emulator>) -> Json<Vec<CodeView>> {
    let mut codes = emulator.codes();
    codes.sort_by(|a, b| a.1.issued_at.cmp(&b.1.issued_at).then(a.0.cmp(&b.0)));
    let views = codes
        .into_iter()
        .map(|(d, c)| CodeView {
            label: digest_label(&d),
            client_id: c.client_id,
            user_id: c.user_id,
            redirect_uri: c.redirect_uri,
            issued_at: rfc3339(c.issued_at),
            expires_at: rfc3339(c.expires_at),
            redeemed: c.redeemed_for.is_some(),
        })
        .collect();
    Json(views)
}

/// One queued login, as posted and listed.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueuedLogin {
    /// The user `/oauth/authorize` will log in.
    pub user_id: String,
    /// Only for this client (any client if absent).
    #[serde(default)]
    pub client_id: Option<String>,
}

/// Longest next-login queue: more than any test scripts, few enough to list.
const MAX_NEXT_LOGINS: usize = 1_000;

fn queue_of(emulator: &Emulator) -> Vec<QueuedLogin> {
    let browser = emulator.browser();
    browser
        .next_logins
        .iter()
        .map(|n| QueuedLogin { user_id: n.user_id.clone(), client_id: n.client_id.clone() })
        .collect()
}

/// Queues a login: the next `/oauth/authorize` (for that client, if given) logs this user in
/// without showing the login page.
#[utoipa::path(post, path = "/__admin/next-login", tag = "credentials", request_body = QueuedLogin,
    responses((status = 201, description = "The queue", body = Vec<QueuedLogin>), (status = 404, body = ErrorBody)))]
pub async fn queue_login(
    State(emulator): State<Emulator>,
    body: Bytes,
) -> AdminResult<(StatusCode, Json<Vec<QueuedLogin>>)> {
    let req: QueuedLogin = parse_json(&body)?;
    {
        let world = emulator.world();
        if !world.users.contains_key(&req.user_id) {
            return Err(no_user(&req.user_id));
        }
        if let Some(client) = req.client_id.as_deref().filter(|c| !world.apps.contains_key(*c)) {
            return Err(no_app(client));
        }
    }
    let mut browser = emulator.browser();
    if browser.next_logins.len() >= MAX_NEXT_LOGINS {
        return Err(AdminError::bad_request(format!(
            "the next-login queue holds 0 to {MAX_NEXT_LOGINS} logins and is full; \
             DELETE /__admin/next-login empties it"
        )));
    }
    browser.next_logins.push_back(NextLogin { user_id: req.user_id, client_id: req.client_id });
    drop(browser);
    Ok((StatusCode::CREATED, Json(queue_of(&emulator))))
}

/// The queued logins, next first.
#[utoipa::path(get, path = "/__admin/next-login", tag = "credentials", responses((status = 200, body = Vec<QueuedLogin>)))]
pub async fn list_logins(State(emulator): State<Emulator>) -> Json<Vec<QueuedLogin>> {
    Json(queue_of(&emulator))
}

/// Empties the queue.
#[utoipa::path(delete, path = "/__admin/next-login", tag = "credentials", responses((status = 204, description = "Cleared")))]
pub async fn clear_logins(State(emulator): State<Emulator>) -> StatusCode {
    emulator.browser().next_logins.clear();
    StatusCode::NO_CONTENT
}
