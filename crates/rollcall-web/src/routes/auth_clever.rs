//! Sign up / log in with Clever: `GET /auth/clever/start` and `GET /auth/clever/callback`.
//!
//! Every completed login carries a verified `state`: a login that arrives without one (a Clever
//! portal launch or a Library "Install") is bounced once through `start`, which costs the user
//! nothing because they are already signed in to Clever. The code is exchanged exactly once even
//! when the callback is reloaded or submitted twice: the first request claims the code's hash in
//! the store, later ones wait for its outcome and, being the same browser (their `state` cookie
//! matched), get a session for the same account.
//!
//! The `state` in the URL is the SHA-256 of a random secret that only the browser's cookie
//! holds, never the secret itself: a callback URL is seen by anyone with the browser history, a
//! proxy log or a screenshot, and a cookie that could be forged from it would turn a finished
//! callback URL into a session for its account.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use base64::Engine;
use rollcall_core::UserId;
use rollcall_store::{AccountRole, CallbackClaim};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::crypto::{open_json, random_token, seal_json, sha256};
use crate::csrf::SignedInForm;
use crate::error::WebError;
use crate::login::{Identified, role_label};
use crate::pages::{UnsupportedRolePage, render};
use crate::pending::PendingClever;
use crate::session::{CookieName, host_cookie, removal, take_next};
use crate::session::{CurrentUser, MaybeUser, cookie};
use crate::state::AppState;

const STATE_COOKIE: CookieName = host_cookie!("rollcall_oauth_state");
const BOUNCE_COOKIE: CookieName = host_cookie!("rollcall_oauth_bounce");
/// Set by `POST /auth/clever/link`: this login links Clever to the logged-in account.
const INTENT_COOKIE: CookieName = host_cookie!("rollcall_oauth_intent");
const STATE_TTL: time::Duration = time::Duration::minutes(10);

/// `GET /auth/clever/start`: a fresh `state`, bound to this browser by a short-lived cookie.
pub async fn start(State(state): State<AppState>, jar: CookieJar) -> (CookieJar, Redirect) {
    let jar = jar.remove(removal(state.cookies(), INTENT_COOKIE));
    redirect_to_clever(&state, jar)
}

/// `POST /auth/clever/link` (the profile's "Link Clever", CSRF-checked): the same as `start`,
/// but the callback links the Clever account to the logged-in account instead of logging in.
pub async fn start_link(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedInForm { user: _current, .. }: SignedInForm,
) -> Result<(CookieJar, Redirect), WebError> {
    let jar = jar.add(cookie(state.cookies(), INTENT_COOKIE, "link".into(), STATE_TTL));
    Ok(redirect_to_clever(&state, jar))
}

fn redirect_to_clever(state: &AppState, jar: CookieJar) -> (CookieJar, Redirect) {
    let browser_secret = random_token();
    let url = state.clever().authorize_url(Some(&state_for(&browser_secret)));
    (jar.add(cookie(state.cookies(), STATE_COOKIE, browser_secret, STATE_TTL)), Redirect::to(&url))
}

/// The `state` sent to Clever for the browser whose cookie holds `browser_secret`: its SHA-256,
/// base64url. The URL shows only the digest, from which the cookie cannot be made.
fn state_for(browser_secret: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha256(browser_secret))
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
    let expected =
        jar.get(STATE_COOKIE.of(state.cookies())).map(|c| c.value()).filter(|v| !v.is_empty()).map(state_for);
    let matches = expected.is_some_and(|e| bool::from(e.as_bytes().ct_eq(returned_state.as_bytes())));
    if !matches {
        // A reload after a finished login arrives here (the state cookie is gone): the user is
        // already in, so take them home instead of showing an error.
        if current.is_some() {
            return Ok(Redirect::to("/dashboard").into_response());
        }
        // Likewise while a new teacher's "do you already have an account?" is open.
        if crate::pending::load(state.logins(), &jar).is_some() {
            return Ok(Redirect::to("/auth/clever/welcome").into_response());
        }
        return Err(WebError::friendly(
            StatusCode::BAD_REQUEST,
            "This sign-in link has expired",
            "It may have been opened in another browser or tab, or it is older than ten minutes. Start again and it will work.",
            Some("/auth/clever/start"),
        ));
    }
    let code_hash = sha256(&code);
    let linking = jar.get(INTENT_COOKIE.of(state.cookies())).is_some_and(|c| c.value() == "link");
    let jar = jar
        .remove(removal(state.cookies(), STATE_COOKIE))
        .remove(removal(state.cookies(), BOUNCE_COOKIE))
        .remove(removal(state.cookies(), INTENT_COOKIE));
    // A generous bound: the first request may be importing a large roster.
    for _ in 0..240 {
        match state.store().claim_callback(&code_hash, state.now()).await? {
            CallbackClaim::First => {
                // A new login ends this browser's session and drops an unanswered first-login
                // question (shared devices: the new person is at the keyboard even if their
                // login stops at a question or fails). Only linking keeps the signed-in account.
                let jar = if linking {
                    jar
                } else {
                    crate::pending::clear(state.logins(), state.sessions().end(jar).await?)
                };
                let guard = state.callback_flights().begin(code_hash);
                let link_to = current.as_ref().filter(|_| linking);
                let outcome = login(&state, &code, link_to).await;
                let answer = finish(&state, &code_hash, jar, outcome).await;
                drop(guard);
                return answer;
            }
            CallbackClaim::InProgress => {
                state.callback_flights().wait(&code_hash, Duration::from_millis(250)).await
            }
            CallbackClaim::Done(user) => return signed_in(&state, jar, user, "/dashboard").await,
            // A reload while the first-login question is open: back to the question.
            CallbackClaim::Failed if crate::pending::load(state.logins(), &jar).is_some() => {
                return Ok(Redirect::to("/auth/clever/welcome").into_response());
            }
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

/// Records how the login of the claimed code ended and answers the browser. A login into an
/// account ends with its session, written in the transaction that records the claim's outcome,
/// so a reload that finds the claim done signs in to the same account.
async fn finish(
    state: &AppState,
    code_hash: &[u8; 32],
    jar: CookieJar,
    outcome: Result<LoginOutcome, WebError>,
) -> Result<Response, WebError> {
    let store = state.store();
    let not_signed_in = || async {
        state.metrics().login_failed();
        store.finish_callback(code_hash, None).await
    };
    match outcome {
        Ok(LoginOutcome::Account { user }) => {
            let (session, cookie) = state.sessions().new_session(user);
            store.finish_callback_with_session(code_hash, &session).await?;
            state.sessions().end_previous(&jar).await?;
            let (jar, asked) = take_next(state.cookies(), jar);
            Ok((jar.add(cookie), Redirect::to(asked.as_deref().unwrap_or("/dashboard"))).into_response())
        }
        Ok(LoginOutcome::Linked(user)) => {
            store.finish_callback(code_hash, Some(user)).await?;
            Ok((jar, Redirect::to("/profile?linked=1")).into_response())
        }
        Ok(LoginOutcome::Choose(pending)) => {
            not_signed_in().await?;
            let jar = crate::pending::save(state.logins(), jar, &pending);
            Ok((jar, Redirect::to("/auth/clever/welcome")).into_response())
        }
        Ok(LoginOutcome::Unsupported { name, role }) => {
            not_signed_in().await?;
            // Shown after a redirect, so that a reload shows it again instead of replaying the
            // used callback URL ("this sign-in link has expired").
            let seen = Unsupported { name, role: role_label(role).to_owned() };
            let sealed = seal_json(state.logins().sealer(), &seen);
            let jar = jar.add(cookie(state.cookies(), UNSUPPORTED_COOKIE, sealed, STATE_TTL));
            Ok((jar, Redirect::to(UNSUPPORTED_PATH)).into_response())
        }
        Err(error) => {
            not_signed_in().await?;
            Err(error)
        }
    }
}

/// Where staff and district admins read that Rollcall has nothing for them.
pub const UNSUPPORTED_PATH: &str = "/auth/clever/unsupported";
const UNSUPPORTED_COOKIE: CookieName = host_cookie!("rollcall_clever_unsupported");

/// Who signed in with a role Rollcall has nothing for, kept (sealed) for [`unsupported`].
#[derive(serde::Serialize, serde::Deserialize)]
struct Unsupported {
    name: String,
    role: String,
}

/// `GET /auth/clever/unsupported`: the page for staff and district admins, after their login.
pub async fn unsupported(State(state): State<AppState>, jar: CookieJar) -> Response {
    let seen: Option<Unsupported> = jar
        .get(UNSUPPORTED_COOKIE.of(state.cookies()))
        .and_then(|c| open_json(state.logins().sealer(), c.value()));
    match seen {
        Some(seen) => render(&UnsupportedRolePage { name: &seen.name, role: &seen.role }),
        None => Redirect::to("/login").into_response(),
    }
}

/// A login without `state` (portal or Library launch): once through `start`; a second stateless
/// arrival right after means something is looping, so stop and say so.
fn bounce(state: &AppState, jar: CookieJar) -> Result<Response, WebError> {
    if jar.get(BOUNCE_COOKIE.of(state.cookies())).is_some() {
        return Err(WebError::friendly(
            StatusCode::BAD_REQUEST,
            "Sign-in could not be verified",
            "Clever keeps sending you back without the check Rollcall needs. Start again from Rollcall's log-in page.",
            Some("/login"),
        ));
    }
    let jar = jar.add(cookie(state.cookies(), BOUNCE_COOKIE, "1".into(), time::Duration::minutes(2)));
    Ok((jar, Redirect::to("/auth/clever/start")).into_response())
}

/// Starts a session for `user` and sends them to `next`; for `/dashboard`, to the page they
/// asked for before logging in, if any (see [`crate::next_page`]), else where their role lands.
pub async fn signed_in(
    state: &AppState,
    jar: CookieJar,
    user: UserId,
    next: &str,
) -> Result<Response, WebError> {
    state.sessions().end_previous(&jar).await?;
    let session = state.sessions().start(user).await?;
    let (jar, asked) = take_next(state.cookies(), jar);
    let next = match asked {
        Some(asked) if next == "/dashboard" => asked,
        _ if next == "/dashboard" => landing(state, user).await?.to_owned(),
        _ => next.to_owned(),
    };
    Ok((jar.add(session), Redirect::to(&next)).into_response())
}

/// Where a login lands: an admin on the admin pages (what an operator's account is for; its
/// classes are a link away), everyone else on their dashboard.
async fn landing(state: &AppState, user: UserId) -> Result<&'static str, WebError> {
    let admin = state.store().user(user).await?.is_some_and(|u| u.admin);
    Ok(if admin { "/admin/audit" } else { "/dashboard" })
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

/// How a callback ended.
enum LoginOutcome {
    /// Signed in to this account (created on a first login).
    Account { user: UserId },
    /// The Clever identity was linked to the logged-in account.
    Linked(UserId),
    /// A new Clever teacher where local accounts exist: ask before creating anything.
    Choose(Box<PendingClever>),
    /// Staff or district admin.
    Unsupported { name: String, role: AccountRole },
}

/// Identify, then link to the logged-in account (from the profile's "Link Clever"), pause for
/// the first-login choice, or provision.
async fn login(
    state: &AppState,
    code: &str,
    link_to: Option<&CurrentUser>,
) -> Result<LoginOutcome, WebError> {
    // A returning teacher is signed in as soon as Clever's `/me` names them (unless this login
    // links Clever to the account signed in, which needs the whole profile).
    let login = match state.logins().identify(code, link_to.is_none()).await? {
        Identified::Person(login) => login,
        Identified::Returning(returning) => {
            return Ok(LoginOutcome::Account { user: state.logins().resume(returning) });
        }
        Identified::Unsupported { name, role } => return Ok(LoginOutcome::Unsupported { name, role }),
    };
    if let Some(current) = link_to {
        state.logins().attach(&current.user, &login, "/profile#clever").await?;
        return Ok(LoginOutcome::Linked(current.user.id));
    }
    // Only a deployment with password accounts can hold an older account to link; and only a
    // Clever id Rollcall has never seen needs the question.
    if login.profile.role == AccountRole::Teacher
        && state.store().has_local_accounts().await?
        && state.store().user_by_clever_id(&login.profile.clever_id).await?.is_none()
    {
        return Ok(LoginOutcome::Choose(Box::new(PendingClever::new(state.logins(), login))));
    }
    let (user, _created) = state.logins().provision(&login).await?;
    Ok(LoginOutcome::Account { user })
}
