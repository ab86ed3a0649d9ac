//! `GET /metrics`: the operator's counters ([`crate::metrics`]), for a scraper holding the
//! metrics token.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

use crate::error::WebError;
use crate::state::AppState;

/// `GET /metrics`: 404 unless a metrics token is configured; then the token is required.
pub async fn endpoint(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    let Some(expected) = state.config().metrics_token.as_ref().map(ExposeSecret::expose_secret) else {
        return Err(WebError::NotFound);
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        return Ok((
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "metrics token required\n",
        )
            .into_response());
    }
    let body = state.metrics().render(state.store().writer_stats());
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response())
}
