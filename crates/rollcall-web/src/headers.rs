//! Security headers on every response.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::WebError;
use crate::state::AppState;

/// No framing, no referrer (codes must not leak through it), no sniffing, a tight CSP (the
/// pages use no JavaScript and only same-origin styles and images).
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let fixed: [(HeaderName, &'static str); 5] = [
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
    ];
    for (name, value) in fixed {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    }
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    response
}

/// Answers a request that runs past `--request-timeout-secs` with a page saying so (503), instead
/// of holding the connection. Whatever the request started in the background (a sync) goes on.
pub async fn request_timeout(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = state.config().serving.request_timeout;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(seconds = limit.as_secs(), "a request took too long and was answered 503");
            WebError::friendly(
                StatusCode::SERVICE_UNAVAILABLE,
                "This is taking longer than it should",
                "Rollcall is still working on it. Wait a moment, then reload the page.",
                None,
            )
            .into_response()
        }
    }
}
