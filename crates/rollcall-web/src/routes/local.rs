//! Email + password accounts: `POST /signup` and `POST /login`. Refusals re-show the form with
//! what was typed (never the password) and a sentence saying what to fix. A sign-up creates
//! nothing yet: it mails the link that does ([`crate::email_links`]).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use rollcall_store::AccountRole;
use serde::Deserialize;

use super::auth_clever::signed_in;
use crate::client_addr::ClientAddr;
use crate::csrf::PreLoginForm;
use crate::email_links::Proof;
use crate::error::WebError;
use crate::login_email::EmailField;
use crate::pages::{EmailSentPage, SignupPage, render};
use crate::passwords::{self, check_new_password};
use crate::state::AppState;

/// The sign-up form.
#[derive(Deserialize)]
pub struct SignupForm {
    first_name: String,
    last_name: String,
    email: EmailField,
    password: String,
    role: String,
}

/// `POST /signup`: mails the link that creates the account (or, if the email already has one,
/// a note to its owner) and says to check the inbox, the same either way.
pub async fn signup(
    State(state): State<AppState>,
    client: ClientAddr,
    PreLoginForm { csrf, form }: PreLoginForm<SignupForm>,
) -> Result<Response, WebError> {
    if !state.mailer().enabled() {
        return Err(WebError::friendly(
            StatusCode::SERVICE_UNAVAILABLE,
            "Sign up with Clever",
            "This Rollcall server does not send email, so accounts are made with Clever only.",
            Some("/signup"),
        ));
    }
    let refuse = |message: &str| {
        let page = SignupPage {
            login: false,
            csrf: csrf.clone(),
            error: Some(message.to_owned()),
            email: form.email.typed().to_owned(),
            first_name: form.first_name.clone(),
            last_name: form.last_name.clone(),
            role: form.role.clone(),
            email_signup: true,
            notice: None,
        };
        Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
    };
    let (first, last) = (form.first_name.trim(), form.last_name.trim());
    if first.is_empty() || last.is_empty() || first.chars().count() > 100 || last.chars().count() > 100 {
        return refuse("Enter your first and last name (up to 100 characters each).");
    }
    let role = match form.role.as_str() {
        "teacher" => AccountRole::Teacher,
        "student" => AccountRole::Student,
        _ => return refuse("Choose whether you are a teacher or a student."),
    };
    let email = match form.email.parsed() {
        Ok(email) => email.to_string(),
        Err(why) => return refuse(&why.to_string()),
    };
    if let Err(message) = check_new_password(&form.password) {
        return refuse(message);
    }
    // Hashed before anything is looked up, so a taken email takes as long as a new one.
    let proof = Proof::SignUp {
        role: role.as_str().to_owned(),
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        email: email.clone(),
        password_hash: passwords::hash(&form.password).await?,
    };
    state.emails().sign_up(&client, proof).await?;
    Ok(render(&EmailSentPage { viewer: None, to: email, finishes: "creating your account" }))
}

/// The log-in form.
#[derive(Deserialize)]
pub struct LoginForm {
    email: EmailField,
    password: String,
}

/// `POST /login`: email and password (rate-limited per email, across replicas).
pub async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    client: ClientAddr,
    PreLoginForm { csrf, form }: PreLoginForm<LoginForm>,
) -> Result<Response, WebError> {
    let verified = match form.email.parsed() {
        Ok(email) => state.passwords().verify(&client, email, &form.password).await,
        Err(_) => Err(passwords::wrong_credentials()),
    };
    match verified {
        Ok(credential) => {
            tracing::info!(user = %credential.user_id, %client, "password login");
            signed_in(&state, jar, credential.user_id, "/dashboard").await
        }
        Err(WebError::Friendly { status, detail, .. }) => {
            let page = SignupPage {
                login: true,
                csrf,
                error: Some(detail),
                email: form.email.typed().to_owned(),
                ..SignupPage::default()
            };
            Ok((status, render(&page)).into_response())
        }
        Err(e) => Err(e),
    }
}
