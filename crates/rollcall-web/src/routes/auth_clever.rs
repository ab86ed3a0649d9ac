//! Sign up / log in with Clever: `GET /auth/clever/start` and `GET /auth/clever/callback`.
//!
//! Every completed login carries a verified `state`: a login that arrives without one (a Clever
//! portal launch or a Library "Install") is bounced once through `start`, which costs the user
//! nothing because they are already signed in to Clever. The code is exchanged exactly once even
//! when the callback is reloaded or submitted twice: the first request claims the code's hash in
//! the store, later ones wait for its outcome and, being the same browser (their `state` cookie
//! matched), get a session for the same account.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use clever_client::ClientError;
use rollcall_core::CleverId;
use rollcall_store::{AccountRole, CallbackClaim, CleverProfile, SealedToken, SyncTrigger};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::crypto::{random_token, sha256};
use crate::error::WebError;
use crate::metrics::LoginKind;
use crate::pages::{UnsupportedRolePage, render};
use crate::session::{self, MaybeUser, cookie};
use crate::state::AppState;
use crate::sync::sync_teacher;

const STATE_COOKIE: &str = "rollcall_oauth_state";
const BOUNCE_COOKIE: &str = "rollcall_oauth_bounce";
const STATE_TTL: time::Duration = time::Duration::minutes(10);

/// `GET /auth/clever/start`: a fresh `state`, bound to this browser by a short-lived cookie.
pub async fn start(State(state): State<AppState>, jar: CookieJar) -> (CookieJar, Redirect) {
    let value = random_token();
    let url = state.clever().authorize_url(Some(&value));
    (jar.add(cookie(&state, STATE_COOKIE, value, STATE_TTL)), Redirect::to(&url))
}

/// Query of the callback.
#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /auth/clever/callback`.
pub async fn callback(
    State(state): State<AppState>,
    jar: CookieJar,
    MaybeUser(current): MaybeUser,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, WebError> {
    if let Some(error) = q.error.as_deref() {
        return Err(denied(error));
    }
    let Some(code) = q.code.filter(|c| !c.is_empty()) else {
        return Err(WebError::friendly(
            StatusCode::BAD_REQUEST,
            "Sign-in link incomplete",
            "Clever sent you back without a sign-in code. Please try again.",
            Some("/auth/clever/start"),
        ));
    };
    let Some(returned_state) = q.state.filter(|s| !s.is_empty()) else {
        return bounce(&state, jar);
    };
    let expected = jar.get(STATE_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    if expected.is_empty() || !bool::from(expected.as_bytes().ct_eq(returned_state.as_bytes())) {
        // A reload after a finished login arrives here (the state cookie is gone): the user is
        // already in, so take them home instead of showing an error.
        if current.is_some() {
            return Ok(Redirect::to("/dashboard").into_response());
        }
        return Err(WebError::friendly(
            StatusCode::BAD_REQUEST,
            "This sign-in link has expired",
            "It may have been opened in another browser or tab, or it is older than ten minutes. Start again and it will work.",
            Some("/auth/clever/start"),
        ));
    }
    let code_hash = sha256(&code);
    let jar =
        jar.remove(Cookie::build(STATE_COOKIE).path("/")).remove(Cookie::build(BOUNCE_COOKIE).path("/"));
    // A generous bound: the first request may be importing a large roster.
    for _ in 0..240 {
        match state.store().claim_callback(&code_hash, state.now()).await? {
            CallbackClaim::First => {
                let guard = state.callback_flights().begin(code_hash);
                let outcome = login(&state, &code).await;
                let user = match &outcome {
                    Ok(LoginOutcome::Account(user)) => Some(*user),
                    _ => None,
                };
                state.store().finish_callback(&code_hash, user).await?;
                drop(guard);
                match &outcome {
                    Ok(LoginOutcome::Account(_)) => {}
                    Ok(LoginOutcome::Unsupported { .. }) | Err(_) => state.metrics().login_failed(),
                }
                return match outcome? {
                    LoginOutcome::Account(user) => signed_in(&state, jar, user).await,
                    LoginOutcome::Unsupported { name, role } => {
                        Ok((jar, render(&UnsupportedRolePage { name: &name, role: role_label(role) }))
                            .into_response())
                    }
                };
            }
            CallbackClaim::InProgress => {
                state.callback_flights().wait(&code_hash, Duration::from_millis(250)).await
            }
            CallbackClaim::Done(user) => return signed_in(&state, jar, user).await,
            CallbackClaim::Failed => {
                return Err(WebError::friendly(
                    StatusCode::BAD_REQUEST,
                    "Sign-in did not complete",
                    "This sign-in attempt did not go through. Please start again.",
                    Some("/auth/clever/start"),
                ));
            }
        }
    }
    Err(WebError::friendly(
        StatusCode::SERVICE_UNAVAILABLE,
        "Still signing you in",
        "Your sign-in is taking longer than usual. Reload this page in a moment.",
        None,
    ))
}

/// A login without `state` (portal or Library launch): once through `start`; a second stateless
/// arrival right after means something is looping, so stop and say so.
fn bounce(state: &AppState, jar: CookieJar) -> Result<Response, WebError> {
    if jar.get(BOUNCE_COOKIE).is_some() {
        return Err(WebError::friendly(
            StatusCode::BAD_REQUEST,
            "Sign-in could not be verified",
            "Clever keeps sending you back without the check Rollcall needs. Start again from Rollcall's log-in page.",
            Some("/login"),
        ));
    }
    let jar = jar.add(cookie(state, BOUNCE_COOKIE, "1".into(), time::Duration::minutes(2)));
    Ok((jar, Redirect::to("/auth/clever/start")).into_response())
}

async fn signed_in(
    state: &AppState,
    jar: CookieJar,
    user: rollcall_core::UserId,
) -> Result<Response, WebError> {
    let session = session::start(state, user).await?;
    Ok((jar.add(session), Redirect::to("/dashboard")).into_response())
}

fn denied(error: &str) -> WebError {
    if error == "access_denied" {
        WebError::friendly(
            StatusCode::FORBIDDEN,
            "Sign-in cancelled",
            "You chose not to share your Clever account with Rollcall, so nothing was created. You can try again whenever you like.",
            Some("/auth/clever/start"),
        )
    } else {
        WebError::friendly(
            StatusCode::BAD_REQUEST,
            "Clever could not sign you in",
            "Clever reported a problem with this sign-in. Please try again.",
            Some("/auth/clever/start"),
        )
    }
}

enum LoginOutcome {
    Account(rollcall_core::UserId),
    Unsupported { name: String, role: AccountRole },
}

/// Exchange, identify, provision, store the token, and import a teacher's classes.
async fn login(state: &AppState, code: &str) -> Result<LoginOutcome, WebError> {
    let clever = state.clever();
    let token = clever.exchange_code(code).await.map_err(clever_error)?;
    let me = clever.me(&token).await.map_err(clever_error)?;
    let user = clever.user(&token, &me.data.id).await.map_err(clever_error)?;
    let clever_id = CleverId::parse(&user.id).map_err(|e| WebError::Internal(e.to_string()))?;
    let role = role_of(&user);
    let name = user.name.clone().unwrap_or_default();
    let (first, last) = (name.first.unwrap_or_default(), name.last.unwrap_or_default());
    if matches!(role, AccountRole::Staff | AccountRole::DistrictAdmin) {
        return Ok(LoginOutcome::Unsupported { name: format!("{first} {last}").trim().to_owned(), role });
    }
    let profile = CleverProfile {
        clever_id: clever_id.clone(),
        role,
        first_name: first,
        middle_name: name.middle.filter(|m| !m.is_empty()),
        last_name: last,
        email: user.email.filter(|e| !e.is_empty()),
        grade: user.roles.student.as_ref().and_then(|s| s.grade.as_ref()).map(|g| g.as_str().to_owned()),
    };
    let now = state.now();
    let (account, created) = state.store().upsert_clever_user(&profile, now).await?;
    tracing::info!(user = %account.id, role = role.as_str(), created, "Clever login");
    let sealed = SealedToken {
        sealed: state.sealer().seal(token.expose()),
        obtained_at: now,
        expires_at: now + state.config().clever_token_ttl,
    };
    state.store().save_clever_token(account.id, &sealed).await?;
    state.metrics().login(match role {
        AccountRole::Teacher => LoginKind::Teacher,
        _ => LoginKind::Student,
    });
    if role == AccountRole::Teacher {
        let outcome = sync_teacher(state, account.id, clever_id, SyncTrigger::Login).await;
        if !outcome.reconnect {
            crate::jobs::schedule_next(state, account.id).await;
        }
    }
    Ok(LoginOutcome::Account(account.id))
}

/// Teacher before student before staff before admin: a teacher who is also staff uses Rollcall
/// as a teacher. (Clever never combines student with another role.)
fn role_of(user: &clever_types::User) -> AccountRole {
    let r = &user.roles;
    if r.teacher.is_some() {
        AccountRole::Teacher
    } else if r.student.is_some() {
        AccountRole::Student
    } else if r.staff.is_some() {
        AccountRole::Staff
    } else {
        AccountRole::DistrictAdmin
    }
}

fn role_label(role: AccountRole) -> &'static str {
    match role {
        AccountRole::Teacher => "teacher",
        AccountRole::Student => "student",
        AccountRole::Staff => "school staff member",
        AccountRole::DistrictAdmin => "district administrator",
    }
}

fn clever_error(e: ClientError) -> WebError {
    match e {
        ClientError::InvalidGrant { .. } => WebError::friendly(
            StatusCode::BAD_REQUEST,
            "This sign-in link has expired",
            "Sign-in links from Clever work once and only for a minute. Start again and it will work.",
            Some("/auth/clever/start"),
        ),
        ClientError::InvalidClient => {
            tracing::error!(
                "Clever refused the app's client credentials: check ROLLCALL_CLEVER_CLIENT_ID/SECRET"
            );
            WebError::friendly(
                StatusCode::BAD_GATEWAY,
                "Rollcall's Clever connection is misconfigured",
                "Clever did not accept Rollcall's credentials. Please tell your Rollcall administrator.",
                None,
            )
        }
        ClientError::Unauthorized { .. } => WebError::friendly(
            StatusCode::BAD_GATEWAY,
            "Clever ended the sign-in",
            "Clever withdrew the authorization while signing you in. Please start again.",
            Some("/auth/clever/start"),
        ),
        other => {
            tracing::warn!(error = %other, "Clever call failed during login");
            WebError::friendly(
                StatusCode::BAD_GATEWAY,
                "Clever is not responding",
                "Rollcall could not reach Clever to sign you in. Please try again in a minute.",
                Some("/auth/clever/start"),
            )
        }
    }
}
