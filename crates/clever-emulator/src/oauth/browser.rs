//! Browser-side state shared by the OAuth pages and the portal: which browser is asking, who is
//! logged in, pending authorization requests and CSRF tokens. Secrets (cookies) are stored only
//! as SHA-256 digests.

use axum::http::{HeaderMap, HeaderName, StatusCode, header};
use axum::response::Response;
use subtle::ConstantTimeEq;
use time::Duration;

use super::cookies;
use super::params::Params;
use crate::error::ErrorPage;
use crate::ids::{Digest32, digest, random_secret};
use crate::model::UserRec;
use crate::state::{Emulator, PendingAuthorization};

/// How long a user has to log in and consent before the request must be started again.
pub const PENDING_TTL: Duration = Duration::minutes(10);

/// The browser making a request, identified by its `clever_browser` cookie (minted if absent).
#[derive(Debug, Clone)]
pub struct Browser {
    /// Digest of the cookie value.
    pub id: Digest32,
    /// A freshly minted cookie value that the response must set.
    new_cookie: Option<String>,
}

impl Browser {
    /// The browser's identity, creating one if the request carries no cookie.
    pub fn identify(headers: &HeaderMap) -> Self {
        match cookies::read(headers, cookies::BROWSER) {
            Some(value) => Self { id: digest(&value), new_cookie: None },
            None => {
                let value = random_secret("");
                Self { id: digest(&value), new_cookie: Some(value) }
            }
        }
    }

    /// The browser's identity only if it already has a cookie (form posts must come from a
    /// browser that loaded our page first).
    pub fn existing(headers: &HeaderMap) -> Option<Digest32> {
        cookies::read(headers, cookies::BROWSER).map(|v| digest(&v))
    }

    /// Sets the cookie on `response` if it was just minted.
    pub fn apply(&self, mut response: Response) -> Response {
        if let Some(value) = self.new_cookie.as_deref().and_then(|v| cookies::set(cookies::BROWSER, v)) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
        response
    }
}

/// True when the browser reports that a form was posted from another site (RFC 6749 §10.12
/// defence in depth on top of the CSRF token). Requests without these headers (non-browser
/// clients) pass; `Origin: null` also passes, because browsers send it for every form post from
/// a page served with `Referrer-Policy: no-referrer`, as ours are.
pub fn cross_site(headers: &HeaderMap) -> bool {
    let text = |name| headers.get(name).and_then(|v: &axum::http::HeaderValue| v.to_str().ok());
    if text(HeaderName::from_static("sec-fetch-site")).is_some_and(|s| s.eq_ignore_ascii_case("cross-site")) {
        return true;
    }
    match (text(header::ORIGIN), text(header::HOST)) {
        (Some(origin), Some(host)) if origin != "null" => {
            origin.split_once("://").map(|(_, h)| h) != Some(host)
        }
        _ => false,
    }
}

/// A form post is accepted only from our own pages: same site, and the CSRF token matches
/// (compared in constant time; the length is not secret).
pub fn csrf_matches(headers: &HeaderMap, expected: &str, given: Option<&str>) -> bool {
    !cross_site(headers) && given.is_some_and(|g| bool::from(expected.as_bytes().ct_eq(g.as_bytes())))
}

/// The 403 page for a form post that fails the CSRF or browser-binding check.
pub fn forbidden(detail: &str) -> ErrorPage {
    ErrorPage {
        status: StatusCode::FORBIDDEN,
        title: "Request refused".into(),
        detail: detail.into(),
        instead_of_redirect: true,
    }
}

/// The page shown when a pending request id is unknown or out of date.
pub fn expired_request() -> ErrorPage {
    ErrorPage::bad_request(
        "This sign-in request has expired",
        "Sign-in requests last 10 minutes and can be used once. Go back to the app and start again.",
    )
}

/// A posted login or consent form that belongs to a live authorization request of this browser
/// and carries that request's CSRF token.
pub struct PostedForm {
    /// The form's fields.
    pub form: Params,
    /// The pending request's id.
    pub req: String,
    /// The pending request.
    pub pending: PendingAuthorization,
}

impl Emulator {
    /// Checks a login or consent form post; `which` names the form in the refusal.
    pub fn posted_form(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        which: &str,
    ) -> Result<PostedForm, ErrorPage> {
        let form = Params::from_urlencoded(body);
        let Ok(Some(req)) = form.get("req") else { return Err(expired_request()) };
        let req = req.to_owned();
        let pending = self.pending_for(&req, headers)?;
        if !csrf_matches(headers, &pending.csrf, form.get("csrf").ok().flatten()) {
            return Err(forbidden(&format!(
                "The {which} form's security token is missing or wrong. Start again from the app."
            )));
        }
        Ok(PostedForm { form, req, pending })
    }

    /// The logged-in user of this request's session cookie, if any.
    pub fn session_user(&self, headers: &HeaderMap) -> Option<UserRec> {
        let cookie = cookies::read(headers, cookies::SESSION)?;
        let user_id = self.browser().sessions.get(&digest(&cookie)).cloned()?;
        self.world().users.get(&user_id).cloned()
    }

    /// Logs `user_id` in: a fresh session (the old one, if any, is dropped so a planted session
    /// id cannot be carried across a login) and the `Set-Cookie` that holds it.
    pub fn start_session(&self, headers: &HeaderMap, user_id: &str) -> Option<axum::http::HeaderValue> {
        let value = random_secret("");
        let now = self.now();
        let mut browser = self.browser();
        if let Some(old) = cookies::read(headers, cookies::SESSION) {
            browser.sessions.remove(&digest(&old));
        }
        browser.sessions.insert(digest(&value), user_id.to_owned(), None, now);
        cookies::set(cookies::SESSION, &value)
    }

    /// Logs the session out.
    pub fn end_session(&self, headers: &HeaderMap) {
        if let Some(old) = cookies::read(headers, cookies::SESSION) {
            self.browser().sessions.remove(&digest(&old));
        }
    }

    /// Stores a pending authorization (fresh CSRF token and expiry) and returns its id and the
    /// stored record. Expired requests are swept at the same time, from the front of an expiry
    /// index, and past [`crate::state::MAX_PENDING`] the oldest is dropped.
    pub fn create_pending(&self, mut pending: PendingAuthorization) -> (String, PendingAuthorization) {
        let now = self.now();
        let id = random_secret("");
        pending.csrf = random_secret("");
        pending.expires_at = now + PENDING_TTL;
        let mut browser = self.browser();
        browser.pending.insert(id.clone(), pending.clone(), Some(pending.expires_at), now);
        (id, pending)
    }

    /// A pending request that exists, is live and belongs to this browser.
    pub fn pending_for(&self, id: &str, headers: &HeaderMap) -> Result<PendingAuthorization, ErrorPage> {
        let pending = self.browser().pending.get(id).cloned().ok_or_else(expired_request)?;
        if self.now() >= pending.expires_at {
            return Err(expired_request());
        }
        let bound = Browser::existing(headers).is_some_and(|b| bool::from(b.ct_eq(&pending.browser)));
        if !bound {
            return Err(forbidden(
                "This sign-in request was started in a different browser (or its cookies were cleared). \
                 Start again from the app.",
            ));
        }
        Ok(pending)
    }

    /// Removes a pending request once it has been answered, so it cannot be answered twice.
    pub fn drop_pending(&self, id: &str) -> bool {
        self.browser().pending.remove(id).is_some()
    }

    /// Pops the admin's next-login entry if it applies to `client_id` (one for this client, or
    /// one for any client). Only the front of the queue is considered, so queued logins are
    /// consumed in the order they were queued.
    pub fn pop_next_login(&self, client_id: &str) -> Option<String> {
        let mut browser = self.browser();
        let applies = browser
            .next_logins
            .front()
            .is_some_and(|n| n.client_id.as_deref().is_none_or(|c| c == client_id));
        if applies { browser.next_logins.pop_front().map(|n| n.user_id) } else { None }
    }

    /// The portal CSRF token of a browser, created on first use.
    pub fn portal_csrf(&self, browser: &Digest32) -> String {
        let now = self.now();
        let mut state = self.browser();
        if let Some(token) = state.portal_csrf.get(browser) {
            return token.clone();
        }
        let token = random_secret("");
        state.portal_csrf.insert(*browser, token.clone(), None, now);
        token
    }

    /// Checks a portal form's CSRF token against the posting browser's.
    pub fn check_portal_csrf(&self, headers: &HeaderMap, given: Option<&str>) -> Result<(), ErrorPage> {
        let expected = Browser::existing(headers).and_then(|b| self.browser().portal_csrf.get(&b).cloned());
        match expected {
            Some(expected) if csrf_matches(headers, &expected, given) => Ok(()),
            _ => Err(forbidden(
                "The form's security token is missing or does not match this browser. Reload the page \
                 and try again.",
            )),
        }
    }
}
