//! Server-side sessions, and the app's cookies. The session cookie holds 256 random bits; the
//! database holds only their SHA-256, so a database leak yields no usable session. Every cookie
//! is HttpOnly, SameSite=Lax, Path=/, and — whenever the app is served over https — Secure with
//! the `__Host-` prefix, which browsers accept only from this host over https, so a sibling
//! subdomain or a network attacker cannot plant or overwrite one.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use rollcall_core::{Clock, UserId};
use rollcall_store::{Session, Store, User};

use crate::config::WebConfig;
use crate::crypto::{random_token, sha256};
use crate::error::WebError;
use crate::next_page;
use crate::pages::Viewer;

/// How this deployment makes its cookies: `Secure` with `__Host-` names when served over
/// https, plain over http (dev mode).
#[derive(Debug, Clone, Copy)]
pub struct Cookies {
    secure: bool,
}

impl Cookies {
    /// The cookies `config` asks for.
    pub fn of(config: &WebConfig) -> Self {
        Self { secure: config.secure_cookies() }
    }
}

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
    pub fn of(self, cookies: Cookies) -> &'static str {
        if cookies.secure { self.host } else { self.plain }
    }
}

/// The session cookie.
pub const SESSION_COOKIE: CookieName = host_cookie!("rollcall_session");

/// Signed-in sessions, and what every form is checked against: the store and clock, the
/// deployment's cookies, how long a session lasts and the app's own origin. Extractors reach it
/// through `AsRef<Sessions>` on the router's state.
pub struct Sessions {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    cookies: Cookies,
    ttl: time::Duration,
    public_url: String,
}

impl AsRef<Sessions> for Sessions {
    fn as_ref(&self) -> &Sessions {
        self
    }
}

/// A logged-in request: the account and its session.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The account.
    pub user: User,
    /// The session (for its CSRF token).
    pub session: Session,
    /// When the request was read, from the app's clock: what the page's times are relative to.
    pub now: time::OffsetDateTime,
}

impl CurrentUser {
    /// The page header's view of this account.
    pub fn viewer(&self) -> Viewer<'_> {
        Viewer::of(&self.user, &self.session.csrf_token, self.now)
    }
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

impl<S: AsRef<Sessions> + Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        let sessions = state.as_ref();
        let jar = CookieJar::from_headers(&parts.headers);
        let required = || WebError::LoginRequired {
            asked: (parts.method == axum::http::Method::GET)
                .then(|| parts.uri.path_and_query().map(ToString::to_string))
                .flatten(),
        };
        let token = jar
            .get(SESSION_COOKIE.of(sessions.cookies))
            .map(|c| c.value().to_owned())
            .ok_or_else(required)?;
        let now = sessions.clock.now();
        let found = sessions.store.session(&sha256(&token), now).await?;
        let (session, user) = found.ok_or_else(required)?;
        Ok(CurrentUser { user, session, now })
    }
}

/// A request that may or may not be logged in.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<CurrentUser>);

impl<S: AsRef<Sessions> + Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        match CurrentUser::from_request_parts(parts, state).await {
            Ok(user) => Ok(MaybeUser(Some(user))),
            Err(WebError::LoginRequired { .. }) => Ok(MaybeUser(None)),
            Err(other) => Err(other),
        }
    }
}

impl Sessions {
    /// Sessions as `config` says (their length, the cookies, the app's origin).
    pub fn new(config: &WebConfig, store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        let (cookies, ttl, public_url) = (Cookies::of(config), config.session_ttl, config.public_url.clone());
        Self { store, clock, cookies, ttl, public_url }
    }

    /// The deployment's cookies.
    pub fn cookies(&self) -> Cookies {
        self.cookies
    }

    /// Whether the browser's `Sec-Fetch-Site` / `Origin` say the request comes from this app.
    pub fn same_origin(&self, headers: &HeaderMap) -> bool {
        same_origin(headers, &self.public_url)
    }

    /// Creates a session for `user` and returns the cookie that carries it.
    pub async fn start(&self, user: UserId) -> Result<Cookie<'static>, WebError> {
        let (session, cookie) = self.new_session(user);
        self.store.create_session(&session).await?;
        Ok(cookie)
    }

    /// A new session for `user`, not yet stored, and the cookie that will carry it (for a
    /// caller that stores it in its own transaction, as the Clever callback does).
    pub fn new_session(&self, user: UserId) -> (Session, Cookie<'static>) {
        let token = random_token();
        let now = self.clock.now();
        let session = Session {
            id_hash: sha256(&token),
            user_id: user,
            csrf_token: random_token(),
            created_at: now,
            expires_at: now + self.ttl,
        };
        (session, cookie(self.cookies, SESSION_COOKIE, token, self.ttl))
    }

    /// Ends the session in `jar`, if any, and returns the jar with the cookie removed.
    pub async fn end(&self, jar: CookieJar) -> Result<CookieJar, WebError> {
        self.end_previous(&jar).await?;
        Ok(jar.remove(removal(self.cookies, SESSION_COOKIE)))
    }

    /// Before a login in this browser gets a new session: deletes the session the browser
    /// already has (someone else's, on a shared classroom computer), so its cookie, copied or
    /// left behind, opens nothing.
    pub async fn end_previous(&self, jar: &CookieJar) -> Result<(), WebError> {
        if let Some(c) = jar.get(SESSION_COOKIE.of(self.cookies)) {
            self.store.delete_session(&sha256(c.value())).await?;
        }
        Ok(())
    }
}

/// What removes cookie `name`: a removal must carry the same Path and, for a `__Host-` cookie,
/// Secure, or the browser ignores it.
pub fn removal(cookies: Cookies, name: CookieName) -> Cookie<'static> {
    Cookie::build(name.of(cookies)).path("/").secure(cookies.secure).build()
}

/// A hardened cookie: HttpOnly, SameSite=Lax, Path=/, Secure when served over https.
pub fn cookie(cookies: Cookies, name: CookieName, value: String, max_age: time::Duration) -> Cookie<'static> {
    Cookie::build((name.of(cookies), value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(cookies.secure)
        .path("/")
        .max_age(max_age)
        .build()
}

const NEXT_COOKIE: CookieName = host_cookie!("rollcall_next");
/// As long as a login may take, the first-login question included.
const NEXT_TTL: time::Duration = time::Duration::minutes(15);

/// Keeps `raw` for the coming login, if it is [`next_page::safe`]; otherwise forgets any kept before.
pub fn remember_next(cookies: Cookies, jar: CookieJar, raw: Option<&str>) -> CookieJar {
    match raw.and_then(next_page::safe) {
        Some(path) => jar.add(cookie(cookies, NEXT_COOKIE, path.to_owned(), NEXT_TTL)),
        None => jar.remove(removal(cookies, NEXT_COOKIE)),
    }
}

/// The kept page (see [`crate::next_page`]; checked again: a cookie is the browser's to change) and the jar without it.
pub fn take_next(cookies: Cookies, jar: CookieJar) -> (CookieJar, Option<String>) {
    let next = jar.get(NEXT_COOKIE.of(cookies)).and_then(|c| next_page::safe(c.value()).map(str::to_owned));
    (jar.remove(removal(cookies, NEXT_COOKIE)), next)
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
