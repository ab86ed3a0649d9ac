//! The links Rollcall mails ([`crate::email_links`]): `GET /email/confirm` shows what the link
//! will do, with one button; `POST /email/confirm` does it. Opening the link alone changes
//! nothing, so a mail scanner that fetches it does no harm. `GET /dev/outbox` shows the mail
//! kept in memory when mail goes to the outbox (development and the demo).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use rollcall_store::{AccountRole, Conflict, NewLocalAccount, StoreError};
use serde::Deserialize;

use super::auth_clever::signed_in;
use crate::csrf::{PreLoginForm, form_token};
use crate::email_links::Proof;
use crate::error::WebError;
use crate::pages::{ConfirmEmailPage, OutboxPage, render};
use crate::session::MaybeUser;
use crate::state::AppState;

/// The link's query.
#[derive(Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    link: String,
}

/// `GET /email/confirm?link=…`: what the link does, and the button that does it.
pub async fn show(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<LinkQuery>,
) -> Result<(CookieJar, Response), WebError> {
    let proof = opened(&state, &q.link)?;
    let (jar, csrf) = form_token(state.cookies(), jar);
    let (heading, summary, button) = match &proof {
        Proof::SignUp { first_name, last_name, email, role, .. } => (
            "Finish creating your account",
            format!(
                "Create the {} account for {first_name} {last_name}, who logs in as {email}.",
                if role == "student" { "student" } else { "teacher" }
            ),
            "Create my account",
        ),
        Proof::AddPassword { email, .. } => (
            "Finish adding your password",
            format!("Add the password you chose to your Rollcall account, to log in as {email}."),
            "Add my password",
        ),
        Proof::Confirm { email, .. } => (
            "Confirm your email address",
            format!("Confirm that {email} is yours. Then log in with it as before."),
            "Confirm my email",
        ),
    };
    let page = ConfirmEmailPage { heading, summary, button, csrf, link: q.link };
    Ok((jar, render(&page)))
}

/// The confirmation form.
#[derive(Deserialize)]
pub struct ConfirmForm {
    link: String,
}

/// `POST /email/confirm`: does what the link proves. Using a link twice does nothing more.
pub async fn confirm(
    State(state): State<AppState>,
    jar: CookieJar,
    MaybeUser(signed_in_as): MaybeUser,
    PreLoginForm { form, .. }: PreLoginForm<ConfirmForm>,
) -> Result<Response, WebError> {
    let now = state.now();
    match opened(&state, &form.link)? {
        Proof::SignUp { role, first_name, last_name, email, password_hash } => {
            let role = if role == "student" { AccountRole::Student } else { AccountRole::Teacher };
            let new = NewLocalAccount { role, first_name, last_name, email, password_hash };
            match state.store().create_local_account(&new, now).await {
                Ok(user) => {
                    tracing::info!(user = %user.id, role = role.as_str(), "local sign-up");
                    signed_in(&state, jar, user.id, "/dashboard").await
                }
                Err(StoreError::Conflict(Conflict::EmailTaken)) => Err(WebError::friendly(
                    StatusCode::CONFLICT,
                    "This account already exists",
                    "An account that logs in with this email exists already (perhaps this link created it). Log in with your email and password.",
                    Some("/login"),
                )),
                Err(e) => Err(e.into()),
            }
        }
        Proof::AddPassword { user, email, password_hash } => {
            match state.store().add_credential(user, &email, &password_hash, now).await {
                Ok(()) => {
                    tracing::info!(%user, "password added");
                    Ok(after_confirming(signed_in_as.map(|c| c.user.id) == Some(user), "password"))
                }
                Err(StoreError::Conflict(Conflict::PasswordAlreadySet)) => Err(WebError::friendly(
                    StatusCode::CONFLICT,
                    "This account already has a password",
                    "Your account has a password already (perhaps this link added it). Log in with your email and password.",
                    Some("/login"),
                )),
                Err(StoreError::Conflict(Conflict::EmailTaken)) => Err(WebError::friendly(
                    StatusCode::CONFLICT,
                    "This email is in use",
                    "Another Rollcall account logs in with this email now, so it cannot be added to yours. Add a different email on your account page.",
                    Some("/profile#password"),
                )),
                Err(StoreError::NotFound(_)) => Err(gone()),
                Err(e) => Err(e.into()),
            }
        }
        Proof::Confirm { user, email } => {
            if !state.store().confirm_email(user, &email, now).await? {
                return Err(gone());
            }
            tracing::info!(%user, "email confirmed");
            Ok(after_confirming(signed_in_as.map(|c| c.user.id) == Some(user), "confirmed"))
        }
    }
}

/// Where a confirmed password or email leads: the account page for its owner, signed in, with
/// `notice` (`password` or `confirmed`); otherwise the log-in page, which says it is done.
fn after_confirming(own_account: bool, notice: &str) -> Response {
    let to = if own_account { format!("/profile?{notice}=1") } else { "/login?confirmed=1".to_owned() };
    Redirect::to(&to).into_response()
}

fn gone() -> WebError {
    WebError::friendly(
        StatusCode::GONE,
        "This link no longer applies",
        "The account this link was for no longer logs in with this email (it was changed or merged). Log in as you do now.",
        Some("/login"),
    )
}

fn opened(state: &AppState, link: &str) -> Result<Proof, WebError> {
    state.emails().open(link).ok_or_else(|| {
        WebError::friendly(
            StatusCode::BAD_REQUEST,
            "This link has expired",
            "Links in Rollcall's emails work for 24 hours, and only when copied whole. Ask for a new one: sign up again, or add your password again.",
            Some("/signup"),
        )
    })
}

/// `GET /dev/outbox`: the mail kept in memory, newest first (only when mail goes to the outbox).
pub async fn outbox(State(state): State<AppState>) -> Result<Response, WebError> {
    let mails = state.mailer().outbox().ok_or(WebError::NotFound)?;
    Ok(render(&OutboxPage { mails }))
}
