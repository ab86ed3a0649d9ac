//! Admin API errors: `{"error": "<what went wrong and how to fix it>"}` with a status that says
//! whose fault it is (400 malformed, 404 unknown id, 409 already exists, 422 breaks a rule).

use axum::Json;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// An admin API error.
#[derive(Debug, Clone)]
pub struct AdminError {
    /// HTTP status.
    pub status: StatusCode,
    /// Actionable message.
    pub message: String,
}

/// The error body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong and how to fix it.
    pub error: String,
}

impl AdminError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into() }
    }

    /// 400: the request is malformed.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404: an id in the path or body names nothing.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 409: the record already exists.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    /// 422: well-formed, but breaks one of Clever's rules.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        (self.status, Json(ErrorBody { error: self.message })).into_response()
    }
}

/// Handler result.
pub type AdminResult<T> = Result<T, AdminError>;

/// Parses a JSON body. Done by hand rather than with axum's `Json` extractor so that every
/// failure (wrong content type, bad syntax, wrong field) is a 400 in the admin error shape with
/// serde's message, which names the line, column and field. An empty body means `{}`.
pub fn parse_json<T: DeserializeOwned>(body: &Bytes) -> AdminResult<T> {
    let text: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b"{}" } else { body };
    serde_json::from_slice(text).map_err(|e| AdminError::bad_request(format!("invalid JSON body: {e}")))
}

/// Looks a user up, or 404 naming the id.
pub fn no_user(id: &str) -> AdminError {
    AdminError::not_found(format!("no user with id {id:?}; list them with GET /__admin/users"))
}

/// 404 for an unknown client id.
pub fn no_app(client_id: &str) -> AdminError {
    AdminError::not_found(format!("no app with client_id {client_id:?}; list them with GET /__admin/apps"))
}

/// 404 for an unknown section id.
pub fn no_section(id: &str) -> AdminError {
    AdminError::not_found(format!("no section with id {id:?}; list them with GET /__admin/sections"))
}

/// Deserializes a present field (even `null`) as `Some(value)`, so a PATCH can tell "absent"
/// (leave alone) from `null` (clear).
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}
