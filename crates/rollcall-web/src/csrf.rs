//! CSRF protection for forms shown before anyone is logged in (log in, sign up, the first-login
//! choice): a double-submit token. The page sets a random value in an HttpOnly cookie and the
//! same value in a hidden field; a post must carry both, equal, and must not come from another
//! site (`Sec-Fetch-Site` / `Origin`). Logged-in forms use the session's own token instead
//! ([`crate::session::CurrentUser::check_csrf`]).

use axum::http::HeaderMap;
use axum_extra::extract::cookie::CookieJar;
use subtle::ConstantTimeEq;

use crate::crypto::random_token;
use crate::error::WebError;
use crate::session::{cookie, same_origin};
use crate::state::AppState;

const FORM_COOKIE: &str = "rollcall_form";
const FORM_TTL: time::Duration = time::Duration::hours(2);

/// The token for this browser's forms: the one it already has, or a new one set in `jar`.
pub fn form_token(state: &AppState, jar: CookieJar) -> (CookieJar, String) {
    if let Some(existing) = jar.get(FORM_COOKIE).map(|c| c.value().to_owned()).filter(|v| v.len() >= 32) {
        return (jar, existing);
    }
    let token = random_token();
    (jar.add(cookie(state, FORM_COOKIE, token.clone(), FORM_TTL)), token)
}

/// Checks a pre-login form post.
pub fn check_form(
    state: &AppState,
    jar: &CookieJar,
    headers: &HeaderMap,
    posted: &str,
) -> Result<(), WebError> {
    let expected = jar.get(FORM_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    let same = !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(posted.as_bytes()));
    if !same || !same_origin(headers, &state.config().public_url) {
        return Err(WebError::Csrf);
    }
    Ok(())
}
