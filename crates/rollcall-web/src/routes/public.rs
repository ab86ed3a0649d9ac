//! Pages anyone can see, logout, and static assets.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use crate::csrf::{SignedInForm, form_token};
use crate::error::WebError;
use crate::pages::{HomePage, LoggedOutPage, SignupPage, render};
use crate::session::MaybeUser;
use crate::state::AppState;

/// `GET /`: the dashboard when logged in, else the landing page.
pub async fn home(MaybeUser(user): MaybeUser) -> Response {
    match user {
        Some(_) => Redirect::to("/dashboard").into_response(),
        None => render(&HomePage),
    }
}

/// `GET /signup`: Clever's button and, when Rollcall can mail the confirmation link, the email
/// sign-up form.
pub async fn signup(State(state): State<AppState>, jar: CookieJar) -> (CookieJar, Response) {
    let (jar, csrf) = form_token(state.cookies(), jar);
    let email_signup = state.mailer().enabled();
    (jar, render(&SignupPage { login: false, csrf, email_signup, ..SignupPage::default() }))
}

/// `/login?confirmed=1`: after an emailed link finished a password or confirmed an email;
/// `?next=/sections/5`: the page to go to once logged in (see [`crate::next_page`]).
#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    confirmed: Option<String>,
    #[serde(default)]
    next: Option<String>,
}

/// `GET /login`: Clever's button and the email log-in form.
pub async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<LoginQuery>,
) -> (CookieJar, Response) {
    let (jar, csrf) = form_token(state.cookies(), jar);
    let jar = crate::session::remember_next(state.cookies(), jar, q.next.as_deref());
    let notice = q.confirmed.map(|_| "Done: your email is confirmed. Log in with it and your password.");
    (jar, render(&SignupPage { login: true, csrf, notice, ..SignupPage::default() }))
}

/// `POST /logout`: ends the session, then says that Clever's own session may still be open.
pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedInForm { user: _, .. }: SignedInForm,
) -> Result<(CookieJar, Redirect), WebError> {
    Ok((state.sessions().end(jar).await?, Redirect::to("/logged-out")))
}

/// `GET /logged-out`: "you are logged out of Rollcall", and — because Clever keeps its own
/// session, so on a shared classroom device the next "Log in with Clever" would sign the same
/// person in again — how to log out of Clever too. Someone signed in again (the back button)
/// goes to their dashboard instead of reading that they are out.
pub async fn logged_out(State(state): State<AppState>, MaybeUser(user): MaybeUser) -> Response {
    match user {
        Some(_) => Redirect::to("/dashboard").into_response(),
        None => render(&LoggedOutPage { clever_logout_url: state.clever().logout_url() }),
    }
}

/// `GET /static/app.css` (compiled in; cacheable for a day).
pub async fn stylesheet() -> Response {
    static_file(include_str!("../../static/app.css"), "text/css; charset=utf-8")
}

/// `GET /static/favicon.svg` (and `/favicon.ico`, which browsers ask for on their own): a tick on
/// Rollcall's blue, as the tab's icon.
pub async fn favicon() -> Response {
    static_file(include_str!("../../static/favicon.svg"), "image/svg+xml")
}

/// A file built into the binary, cached for a day.
fn static_file(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    response
}
