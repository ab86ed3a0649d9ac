//! Fault injection: rules that make matching requests fail, slow down or return broken bodies,
//! so an app's retry and "never lose data on a failed sync" paths can be tested (LocalStack's
//! Chaos API, for Clever). Rules apply to every route outside `/__admin`.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::state::Emulator;

/// How a faulty response body is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BodyFault {
    /// The real body, cut off halfway.
    Truncated,
    /// A body that is not JSON at all.
    Malformed,
    /// An HTML error page (Clever sometimes answers the wrong token type this way).
    Html,
    /// An empty body.
    Empty,
}

/// A fault rule as posted to `POST /__admin/faults`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Path pattern; `*` matches any run of characters (including `/`). E.g. `/v3.0/sections/*/users`.
    pub path: String,
    /// Only this method (any if absent).
    #[serde(default)]
    pub method: Option<String>,
    /// Answer with this status and a Clever error body instead of the real response.
    #[serde(default)]
    pub status: Option<u16>,
    /// Answer 429 with `X-RateLimit-Reset`, as Clever's rate limiter does.
    #[serde(default)]
    pub rate_limit: bool,
    /// Delay the response by this many milliseconds.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// Break the body of the real response.
    #[serde(default)]
    pub body: Option<BodyFault>,
    /// Let this many matching requests through untouched first (to fail "in the middle").
    #[serde(default)]
    pub after: u32,
    /// Apply to this many matching requests, then retire (forever if absent).
    #[serde(default)]
    pub times: Option<u32>,
}

/// A rule with its counters, as listed by `GET /__admin/faults`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FaultRule {
    /// Rule id (for `DELETE /__admin/faults/{id}`).
    pub id: u64,
    /// The rule as posted.
    #[serde(flatten)]
    pub spec: FaultSpec,
    /// Matching requests seen so far.
    pub matched: u32,
    /// Requests this rule actually broke.
    pub applied: u32,
}

impl FaultRule {
    fn exhausted(&self) -> bool {
        self.spec.times.is_some_and(|t| self.applied >= t)
    }
}

/// The active rules, plus an id counter.
#[derive(Debug, Default)]
pub struct Faults {
    inner: Mutex<(u64, Vec<FaultRule>)>,
}

impl Faults {
    /// Adds a rule and returns it with its id.
    pub fn add(&self, spec: FaultSpec) -> FaultRule {
        let mut inner = self.inner.lock();
        inner.0 += 1;
        let rule = FaultRule { id: inner.0, spec, matched: 0, applied: 0 };
        inner.1.push(rule.clone());
        rule
    }

    /// All rules with their counters.
    pub fn list(&self) -> Vec<FaultRule> {
        self.inner.lock().1.clone()
    }

    /// Removes one rule; false if there was none with that id.
    pub fn remove(&self, id: u64) -> bool {
        let mut inner = self.inner.lock();
        let before = inner.1.len();
        inner.1.retain(|r| r.id != id);
        inner.1.len() != before
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.inner.lock().1.clear();
    }

    /// Finds the first live rule for this request and counts it.
    fn take(&self, method: &str, path: &str) -> Option<FaultSpec> {
        let mut inner = self.inner.lock();
        for rule in inner.1.iter_mut() {
            if rule.exhausted() || !rule.spec.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
            {
                continue;
            }
            if !glob_match(&rule.spec.path, path) {
                continue;
            }
            rule.matched += 1;
            if rule.matched <= rule.spec.after {
                continue;
            }
            rule.applied += 1;
            return Some(rule.spec.clone());
        }
        None
    }
}

/// `*` matches any (possibly empty) run of characters; everything else matches itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Middleware applying the first matching rule.
pub async fn inject(State(emulator): State<Emulator>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.starts_with("/__admin") {
        return next.run(request).await;
    }
    let Some(fault) = emulator.faults().take(request.method().as_str(), path) else {
        return next.run(request).await;
    };
    if let Some(ms) = fault.latency_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if fault.rate_limit {
        let reset = emulator.now().unix_timestamp().div_euclid(60) * 60 + 60;
        let mut response = ApiError::rate_limited().into_response();
        if let Ok(v) = HeaderValue::from_str(&reset.to_string()) {
            response.headers_mut().insert("x-ratelimit-reset", v);
        }
        return response;
    }
    if let Some(status) = fault.status.and_then(|s| StatusCode::from_u16(s).ok()) {
        let message = format!("Injected fault: {}", status.canonical_reason().unwrap_or("error"));
        return ApiError { status, message, challenge: None }.into_response();
    }
    let response = next.run(request).await;
    match fault.body {
        None => response,
        Some(kind) => break_body(response, kind).await,
    }
}

async fn break_body(response: Response, kind: BodyFault) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let broken: Vec<u8> = match kind {
        BodyFault::Truncated => bytes[..bytes.len() / 2].to_vec(),
        BodyFault::Malformed => b"{\"data\": [ this is not JSON".to_vec(),
        BodyFault::Html => {
            parts.headers.insert(axum::http::header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            b"<html><body><h1>Internal error</h1></body></html>".to_vec()
        }
        BodyFault::Empty => Vec::new(),
    };
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(broken))
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn glob_matches_segments_and_suffixes() {
        assert!(glob_match("/v3.0/sections/*/users", "/v3.0/sections/abc/users"));
        assert!(glob_match("/v3.0/*", "/v3.0/users/x/sections"));
        assert!(!glob_match("/v3.0/sections/*/users", "/v3.0/sections/abc"));
        assert!(glob_match("/oauth/tokens", "/oauth/tokens"));
        assert!(!glob_match("/oauth/tokens", "/oauth/tokensx"));
    }
}
