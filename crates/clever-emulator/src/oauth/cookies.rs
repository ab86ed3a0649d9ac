//! The two browser cookies. `clever_browser` identifies the browser, so a pending authorization
//! (and the portal's CSRF token) can be bound to it; `clever_session` is the logged-in session.
//! Both are HttpOnly and SameSite=Lax. They are not `Secure`/`__Host-` because the emulator serves
//! plain HTTP on loopback, where browsers would drop Secure cookies.

use axum::http::{HeaderMap, HeaderValue, header};

/// Identifies a browser (random, stored only as a digest).
pub const BROWSER: &str = "clever_browser";
/// A logged-in emulator session (random, stored only as a digest).
pub const SESSION: &str = "clever_session";

/// The value of cookie `name`, if the request carries exactly one such cookie.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    let mut found = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned());
    let first = found.next();
    // Two cookies of one name means someone planted one (cookie tossing); trust neither.
    if found.next().is_some() { None } else { first.filter(|v| !v.is_empty()) }
}

/// `Set-Cookie` for a browser-session cookie.
pub fn set(name: &str, value: &str) -> Option<HeaderValue> {
    HeaderValue::try_from(format!("{name}={value}; HttpOnly; SameSite=Lax; Path=/")).ok()
}

/// `Set-Cookie` that deletes a cookie.
pub fn clear(name: &str) -> Option<HeaderValue> {
    HeaderValue::try_from(format!("{name}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0")).ok()
}
