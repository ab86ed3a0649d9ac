//! A new Clever teacher's first login where Rollcall also has password accounts: "Do you
//! already have a Rollcall account?" Yes → they log in to it (proof of ownership) and the Clever
//! identity is linked to it; no → a new account. Nothing is written until they choose; the
//! login waits in a sealed cookie ([`crate::pending`]). An email match alone never links.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use super::auth_clever::signed_in;
use crate::csrf::{PreLoginForm, form_token};
use crate::error::WebError;
use crate::login_email::EmailField;
use crate::pages::{WelcomePage, render};
use crate::passwords;
use crate::pending::{self, PendingClever};
use crate::state::AppState;

/// `GET /auth/clever/welcome`.
pub async fn show(State(state): State<AppState>, jar: CookieJar) -> Result<(CookieJar, Response), WebError> {
    let pending = pending_or_expired(&state, &jar)?;
    let (jar, csrf) = form_token(state.cookies(), jar);
    Ok((jar, render(&page(&pending, None, String::new(), csrf))))
}

/// `POST /auth/clever/welcome/new` (the "no" button): a new account, as any first Clever login.
pub async fn create(
    State(state): State<AppState>,
    jar: CookieJar,
    _: PreLoginForm,
) -> Result<Response, WebError> {
    let pending = pending_or_expired(&state, &jar)?;
    let login = pending.login();
    let (user, _) = state.logins().provision(&login).await?;
    signed_in(&state, pending::clear(state.logins(), jar), user, "/dashboard").await
}

/// The "yes" form.
#[derive(Deserialize)]
pub struct LinkForm {
    email: EmailField,
    password: String,
}

/// `POST /auth/clever/welcome/link`: log in to the older account, link Clever to it, sync into it.
pub async fn link(
    State(state): State<AppState>,
    jar: CookieJar,
    client: crate::client_addr::ClientAddr,
    PreLoginForm { csrf, form }: PreLoginForm<LinkForm>,
) -> Result<Response, WebError> {
    let pending = pending_or_expired(&state, &jar)?;
    let verified = match form.email.parsed() {
        Ok(email) => state.passwords().verify(&client, email, &form.password).await,
        Err(_) => Err(passwords::wrong_credentials()),
    };
    let credential = match verified {
        Ok(credential) => credential,
        Err(WebError::Friendly { status, detail, .. }) => {
            let typed = form.email.typed().to_owned();
            return Ok((status, render(&page(&pending, Some(detail), typed, csrf))).into_response());
        }
        Err(e) => return Err(e),
    };
    let account = state.store().user(credential.user_id).await?.ok_or(WebError::NotFound)?;
    let login = pending.login();
    state.logins().attach(&account, &login, "/auth/clever/welcome").await?;
    signed_in(&state, pending::clear(state.logins(), jar), account.id, "/dashboard").await
}

fn page(pending: &PendingClever, error: Option<String>, email: String, csrf: String) -> WelcomePage {
    WelcomePage { first_name: pending.profile.first_name.clone(), csrf, error, email }
}

fn pending_or_expired(state: &AppState, jar: &CookieJar) -> Result<PendingClever, WebError> {
    pending::load(state.logins(), jar).ok_or_else(|| {
        WebError::friendly(
            StatusCode::BAD_REQUEST,
            "This sign-in has expired",
            "Signing in with Clever has to be finished within 15 minutes. Start again and it will work.",
            Some("/auth/clever/start"),
        )
    })
}
