//! Server-side sessions, and the app's cookies. The session cookie holds 256 random bits; the
//! database holds only their SHA-256, so a database leak yields no usable session. Every cookie
//! is HttpOnly, SameSite=Lax, Path=/, and — whenever the app is served over https — Secure with
//! the `__Host-` prefix, which browsers accept only from this host over https, so a sibling
//! subdomain or a network attacker cannot plant or overwrite one.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use rollcall_core::UserId;
use rollcall_store::{Session, User};

use crate::crypto::{random_token, sha256};
use crate::error::WebError;
use crate::state::AppState;

/// A cookie's name: plain over http (dev mode), with the `__Host-` prefix over https.
#[derive(Debug, Clone, Copy)]
pub struct CookieName {
    plain: &'static str,
    host: &'static str,
}

/// `host_cookie!("rollcall_form")`: both spellings of a cookie's name, made at compile time.
macro_rules! host_cookie {
    ($name:literal) => {
        $crate::session::CookieName::new($name, concat!("__Host-", $name))
    };
}
pub(crate) use host_cookie;

impl CookieName {
    /// Use [`host_cookie!`].
    pub const fn new(plain: &'static str, host: &'static str) -> Self {
        Self { plain, host }
    }

    /// The name this deployment uses.
    pub fn of(self, state: &AppState) -> &'static str {
        if state.config().secure_cookies() { self.host } else { self.plain }
    }
}

/// The session cookie.
pub const SESSION_COOKIE: CookieName = host_cookie!("rollcall_session");

/// The session cookie's name for this deployment.
pub fn cookie_name(state: &AppState) -> &'static str {
    SESSION_COOKIE.of(state)
}

/// A logged-in request: the account and its session.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The account.
    pub user: User,
    /// The session (for its CSRF token).
    pub session: Session,
}

/// `Sec-Fetch-Site` and `Origin`, when the browser sends them, must point at this app.
pub fn same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if header("sec-fetch-site").is_some_and(|site| !matches!(site, "same-origin" | "none")) {
        return false;
    }
    match header("origin") {
        None | Some("null") => true,
        Some(origin) => {
            public_url.starts_with(origin)
                && public_url[origin.len()..].chars().next().is_none_or(|c| c == '/')
        }
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let jar = CookieJar::from_headers(&parts.headers);
        let token =
            jar.get(cookie_name(state)).map(|c| c.value().to_owned()).ok_or(WebError::LoginRequired)?;
        let (session, user) =
            state.store().session(&sha256(&token), state.now()).await?.ok_or(WebError::LoginRequired)?;
        Ok(CurrentUser { user, session })
    }
}

/// A request that may or may not be logged in.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        match CurrentUser::from_request_parts(parts, state).await {
            Ok(user) => Ok(MaybeUser(Some(user))),
            Err(WebError::LoginRequired) => Ok(MaybeUser(None)),
            Err(other) => Err(other),
        }
    }
}

/// Creates a session for `user` and returns the cookie that carries it.
pub async fn start(state: &AppState, user: UserId) -> Result<Cookie<'static>, WebError> {
    let (session, cookie) = new_session(state, user);
    state.store().create_session(&session).await?;
    Ok(cookie)
}

/// A new session for `user`, not yet stored, and the cookie that will carry it (for a caller
/// that stores it in its own transaction, as the Clever callback does).
pub fn new_session(state: &AppState, user: UserId) -> (Session, Cookie<'static>) {
    let token = random_token();
    let now = state.now();
    let session = Session {
        id_hash: sha256(&token),
        user_id: user,
        csrf_token: random_token(),
        created_at: now,
        expires_at: now + state.config().session_ttl,
    };
    (session, cookie(state, SESSION_COOKIE, token, state.config().session_ttl))
}

/// Ends the session in `jar`, if any, and returns the jar with the cookie removed.
pub async fn end(state: &AppState, jar: CookieJar) -> Result<CookieJar, WebError> {
    if let Some(c) = jar.get(cookie_name(state)) {
        state.store().delete_session(&sha256(c.value())).await?;
    }
    Ok(jar.remove(removal(state, SESSION_COOKIE)))
}

/// Before a login in this browser gets a new session: deletes the session the browser already
/// has (someone else's, on a shared classroom computer), so its cookie, copied or left behind,
/// opens nothing.
pub async fn end_previous(state: &AppState, jar: &CookieJar) -> Result<(), WebError> {
    if let Some(c) = jar.get(cookie_name(state)) {
        state.store().delete_session(&sha256(c.value())).await?;
    }
    Ok(())
}

/// What removes cookie `name`: a removal must carry the same Path and, for a `__Host-` cookie,
/// Secure, or the browser ignores it.
pub fn removal(state: &AppState, name: CookieName) -> Cookie<'static> {
    Cookie::build(name.of(state)).path("/").secure(state.config().secure_cookies()).build()
}

/// A hardened cookie: HttpOnly, SameSite=Lax, Path=/, Secure when served over https.
pub fn cookie(state: &AppState, name: CookieName, value: String, max_age: time::Duration) -> Cookie<'static> {
    Cookie::build((name.of(state), value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config().secure_cookies())
        .path("/")
        .max_age(max_age)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn cross_site_posts_are_refused() {
        let app = "https://rollcall.example";
        let mut h = HeaderMap::new();
        assert!(same_origin(&h, app), "old browsers send neither header");
        h.insert("origin", HeaderValue::from_static("https://rollcall.example"));
        assert!(same_origin(&h, app));
        h.insert("origin", HeaderValue::from_static("https://rollcall.example.evil.test"));
        assert!(!same_origin(&h, app));
        h.insert("origin", HeaderValue::from_static("https://rollcall.example"));
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&h, app));
    }
}
