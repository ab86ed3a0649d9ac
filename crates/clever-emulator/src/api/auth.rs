//! Bearer authentication and the per-token rate limit, shared by every Data API route.
//!
//! The token is read only from `Authorization: Bearer …` (RFC 6750 §2.1). A query-string
//! `access_token` is deliberately ignored: it leaks into logs, and an app that relies on it would
//! break the day it meets a stricter server, so the emulator answers 401 "missing token" instead.

use axum::extract::FromRequestParts;
use axum::http::Uri;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::pagination::ListQuery;
use super::wire::Wire;
use crate::error::ApiError;
use crate::profile::Profile;
use crate::state::{Emulator, RateDecision, TokenRec};

/// The API version a request was made under; it decides link prefixes and v3.1-only fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `/v3.0`.
    V30,
    /// `/v3.1`: adds `lms_status` to district-shared records.
    V31,
}

impl Version {
    /// The path prefix, e.g. `/v3.0`.
    pub fn prefix(self) -> &'static str {
        match self {
            Version::V30 => "/v3.0",
            Version::V31 => "/v3.1",
        }
    }

    /// `/userinfo` and `/me` have no version prefix; they link into v3.0.
    fn of_path(path: &str) -> Self {
        if path.starts_with("/v3.1/") { Version::V31 } else { Version::V30 }
    }
}

/// An authenticated caller whose request has been counted against its token's rate limit.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's record (owner and app).
    pub token: TokenRec,
    /// The rate-limit decision, echoed in `X-RateLimit-*` headers on the reply.
    pub rate: RateDecision,
    /// Version prefix of the request path.
    pub version: Version,
    /// How the answer goes on the wire (the version and the profiles in force).
    pub wire: Wire,
}

impl Caller {
    /// Turns a handler's result into a response carrying this caller's rate-limit headers, so
    /// clients can pace themselves on success and on error alike. A successful body goes out
    /// through [`Wire::body`], where the JSON-level profiles apply.
    pub fn reply<T: Serialize>(&self, result: Result<T, ApiError>) -> Response {
        let mut response = match result {
            Ok(body) => self.wire.body(body),
            Err(error) => error.into_response(),
        };
        rate_headers(response.headers_mut(), &self.rate);
        response
    }

    /// The list request `uri` asks for: paged as Clever pages, or, under `no-links` (a server
    /// whose lists have no `next` link to follow), one page with every item whatever `limit`
    /// and the cursors say.
    pub fn list_query(&self, uri: &Uri, emulator: &Emulator) -> Result<ListQuery, ApiError> {
        if self.wire.has(Profile::NoLinks) {
            Ok(ListQuery::unpaged(uri))
        } else {
            ListQuery::parse(uri, emulator.config())
        }
    }
}

impl FromRequestParts<Emulator> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, emulator: &Emulator) -> Result<Self, Response> {
        let token = bearer(&parts.headers).ok_or_else(|| ApiError::missing_token().into_response())?;
        let (digest, token) = emulator
            .check_token(token)
            .map_err(|e| ApiError::invalid_token(&e.to_string()).into_response())?;
        let rate = emulator.count_request(&digest);
        if !rate.allowed {
            let mut response = ApiError::rate_limited().into_response();
            rate_headers(response.headers_mut(), &rate);
            // Real Clever sends only the X-RateLimit-* headers, no Retry-After; sending one here
            // would let a client pass against the emulator that fails against Clever.
            return Err(response);
        }
        let version = Version::of_path(parts.uri.path());
        Ok(Caller { token, rate, version, wire: Wire::new(version, emulator.profiles()) })
    }
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), if any.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

fn rate_headers(headers: &mut HeaderMap, rate: &RateDecision) {
    headers.insert("x-ratelimit-limit", HeaderValue::from(rate.limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(rate.remaining));
    headers.insert("x-ratelimit-reset", HeaderValue::from(rate.reset_unix));
}
