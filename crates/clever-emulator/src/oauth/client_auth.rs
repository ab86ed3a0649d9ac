//! Client authentication at the token endpoint: HTTP Basic only (Clever's documented method).
//! Per RFC 6749 §2.3.1 the id and secret are form-url-encoded before being joined with `:` and
//! base64-encoded, so they are decoded the same way here (oauth2-rs encodes like this). A client
//! that does not encode still works as long as its secret has no `+` or `%`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::error::OAuthError;
use crate::model::AppRec;
use crate::state::Emulator;

/// Failed client authentications allowed per client id and client network per minute before
/// the endpoint answers that network 429 (RFC 6749 §2.3.1 asks for brute-force protection of password-style client auth).
pub const FAILURES_PER_MINUTE: u32 = 20;

const HOW: &str = "Send the client credentials with HTTP Basic: \
    Authorization: Basic base64(urlencode(client_id) \":\" urlencode(client_secret)). \
    Credentials in the request body or query string are not accepted.";

/// 429 once a client id has used up, from one network, its failed authentications for the minute. It keeps the
/// `invalid_client` code so that clients branching on `error` treat it as an auth failure.
fn too_many() -> OAuthError {
    OAuthError {
        status: StatusCode::TOO_MANY_REQUESTS,
        error: "invalid_client",
        description: format!(
            "More than {FAILURES_PER_MINUTE} failed client authentications for this client_id from your \
             address in this minute; wait for the next minute (Retry-After) and check the client secret."
        ),
    }
}

/// An `OAuthError` as a response, with `Retry-After` on 429.
pub fn respond(error: OAuthError) -> Response {
    let too_many = error.status == StatusCode::TOO_MANY_REQUESTS;
    let mut response = error.into_response();
    if too_many {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    }
    response
}

fn invalid(why: &str) -> OAuthError {
    OAuthError::invalid_client(format!("{why} {HOW}"))
}

/// Decodes `application/x-www-form-urlencoded` text: `+` is a space and `%XX` a byte. A `%` not
/// followed by two hex digits is kept literally, as browsers and `form_urlencoded` do.
pub fn form_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                // Two hex digits exactly: `u8::from_str_radix` alone would also take a sign,
                // reading "%+8" as byte 8.
                let hex = bytes
                    .get(i + 1..i + 3)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The (client id, secret) of the request's Basic header.
pub fn basic_credentials(headers: &HeaderMap) -> Result<(String, String), OAuthError> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err(invalid("Missing (or repeated) Authorization header."));
    };
    let value = value.to_str().map_err(|_| invalid("The Authorization header is not ASCII."))?;
    let (scheme, encoded) = value.trim().split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(invalid("The Authorization header must use the Basic scheme."));
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| invalid("The Basic credentials are not valid base64 of UTF-8 text."))?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(|| invalid("The Basic credentials have no ':' between client_id and client_secret."))?;
    let id = form_decode(id).ok_or_else(|| invalid("The client_id is not valid form-url-encoding."))?;
    let secret =
        form_decode(secret).ok_or_else(|| invalid("The client_secret is not valid form-url-encoding."))?;
    Ok((id, secret))
}

/// Where failed authentications are counted from: an IPv4 address, or an IPv6 address's /64
/// (one host usually owns a whole /64). Requests with no known address share one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientNet {
    /// One IPv4 address.
    V4(Ipv4Addr),
    /// The first 64 bits of an IPv6 address.
    V6(u64),
    /// No address (a router called directly, without [`crate::serve`]).
    Unknown,
}

impl ClientNet {
    /// The bucket of `addr` (an IPv4-mapped IPv6 address counts as its IPv4 address).
    pub fn of(addr: Option<IpAddr>) -> Self {
        match addr.map(|a| a.to_canonical()) {
            Some(IpAddr::V4(v4)) => Self::V4(v4),
            Some(IpAddr::V6(v6)) => Self::V6(u64::try_from(v6.to_bits() >> 64).unwrap_or(u64::MAX)),
            None => Self::Unknown,
        }
    }
}

/// Most (client id, network) failure counters kept. Counters of past minutes are dropped first;
/// if every counter is from this minute, failures from new networks are not counted until the
/// next minute (they are still refused as `invalid_client`).
pub const MAX_FAILURE_COUNTERS: usize = 10_000;

/// The address a request came through [`crate::serve`] from.
pub fn peer(extensions: &Extensions) -> Option<IpAddr> {
    extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
}

impl Emulator {
    /// Authenticates the request's Basic credentials. Failures are counted per (registered
    /// client id, client network) in a fixed one-minute window, so a stranger guessing secrets
    /// locks out only their own network, never the real client's.
    pub fn authenticate_basic(
        &self,
        headers: &HeaderMap,
        from: Option<IpAddr>,
    ) -> Result<AppRec, OAuthError> {
        let (id, secret) = basic_credentials(headers)?;
        let minute = self.now().unix_timestamp().div_euclid(60);
        let known = self.world().apps.contains_key(&id);
        let key = (id.clone(), ClientNet::of(from));
        let failures = |browser: &crate::state::BrowserState| {
            browser.client_auth_failures.get(&key).filter(|(m, _)| *m == minute).map_or(0, |(_, n)| *n)
        };
        if known && failures(&self.browser()) >= FAILURES_PER_MINUTE {
            return Err(too_many());
        }
        if let Some(app) = self.authenticate_client(&id, &secret) {
            return Ok(app);
        }
        if known {
            let mut browser = self.browser();
            let count = failures(&browser) + 1;
            let counters = &mut browser.client_auth_failures;
            if counters.len() >= MAX_FAILURE_COUNTERS && !counters.contains_key(&key) {
                counters.retain(|_, (m, _)| *m == minute);
            }
            if counters.len() < MAX_FAILURE_COUNTERS || counters.contains_key(&key) {
                counters.insert(key, (minute, count));
            }
        }
        Err(invalid("Unknown client_id or wrong client_secret."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding_follows_urlencoded_rules() {
        assert_eq!(form_decode("a+b%2B%25%3A").as_deref(), Some("a b+%:"));
        assert_eq!(form_decode("100%").as_deref(), Some("100%"));
        assert_eq!(form_decode("%zz").as_deref(), Some("%zz"));
        assert_eq!(form_decode("%ff"), None);
    }

    #[test]
    fn a_percent_before_a_sign_is_literal() {
        // Found by fuzz/token_form: "%+82" decoded as byte 8 then "2".
        assert_eq!(form_decode("%+82%2J").as_deref(), Some("% 82%2J"));
        assert_eq!(form_decode("%-1").as_deref(), Some("%-1"));
        assert_eq!(form_decode("%+f").as_deref(), Some("% f"));
    }
}
