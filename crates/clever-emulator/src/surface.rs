//! The emulator's four surfaces and how each one says no when the framework, not a handler,
//! refuses a request (unknown route, wrong method, body too large, a query axum cannot parse):
//!
//! | paths | surface | refusal shape |
//! |---|---|---|
//! | `/__admin…` | admin API | `{"error": "..."}` |
//! | `/oauth/tokens`, `/oauth/tokeninfo` | OAuth endpoints | `{"error": "invalid_request", "error_description": "..."}` |
//! | `/oauth/…` (authorize, login, consent), `/portal…`, `/`, `/logout` | HTML pages | a small HTML error page |
//! | everything else (`/v3.0`, `/v3.1`, `/me`, `/userinfo`, unknown paths) | Data API | `{"message": "..."}` |
//!
//! Axum answers such refusals as `text/plain` (or with no body at all); [`shape_refusals`]
//! rewrites exactly those, keeping the status and headers such as `Allow`. Handlers' own
//! answers already have a JSON or HTML content type and pass through untouched.

use std::any::Any;

use axum::Json;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::admin::{AdminError, ErrorBody};
use crate::error::{ApiError, ErrorPage, OAuthError, no_store};

/// Largest request body on the admin API: seeds of generated districts can be big.
pub const ADMIN_BODY_LIMIT: usize = 32 * 1024 * 1024;
/// Largest request body everywhere else (forms and token requests are a few hundred bytes).
pub const BODY_LIMIT: usize = 64 * 1024;

/// Which surface a path belongs to (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// `/__admin…`.
    Admin,
    /// The JSON OAuth endpoints.
    OAuth,
    /// Browser pages.
    Html,
    /// The Data API and anything unknown.
    Api,
}

impl Surface {
    /// The surface of `path`.
    pub fn of(path: &str) -> Self {
        let under = |prefix: &str| {
            path.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        if under("/__admin") {
            Self::Admin
        } else if under("/oauth/tokens") || under("/oauth/tokeninfo") {
            Self::OAuth
        } else if under("/oauth") || under("/portal") || path == "/" || path == "/logout" {
            Self::Html
        } else {
            Self::Api
        }
    }

    /// A refusal with `status` and `message` in this surface's shape.
    pub fn refusal(self, status: StatusCode, message: String) -> Response {
        match self {
            Self::Admin => AdminError { status, message }.into_response(),
            Self::OAuth => {
                let error = if status.is_server_error() { "server_error" } else { "invalid_request" };
                OAuthError { status, error, description: message }.into_response()
            }
            Self::Html => ErrorPage {
                status,
                title: status.canonical_reason().unwrap_or("Request refused").to_owned(),
                detail: message,
                instead_of_redirect: false,
            }
            .into_response(),
            Self::Api => ApiError { status, message, challenge: None }.into_response(),
        }
    }
}

/// Longest framework refusal text kept (axum's are one line).
const MAX_REFUSAL_TEXT: usize = 4096;

/// Rewrites axum's plain-text (or empty) error answers into the surface's shape.
pub async fn shape_refusals(request: Request, next: Next) -> Response {
    let surface = Surface::of(request.uri().path());
    let what = format!("{} {}", request.method(), request.uri().path());
    let response = next.run(request).await;
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|t| t.starts_with("text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_REFUSAL_TEXT)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let message = match (status, text.is_empty()) {
        (StatusCode::NOT_FOUND, _) => format!("No route for {what}"),
        (StatusCode::METHOD_NOT_ALLOWED, _) => format!(
            "Method not allowed: {what}; allowed: {}",
            parts.headers.get(header::ALLOW).and_then(|v| v.to_str().ok()).unwrap_or("none")
        ),
        (StatusCode::PAYLOAD_TOO_LARGE, _) => format!(
            "The request body is too large (at most {} bytes on the admin API, {} bytes elsewhere)",
            ADMIN_BODY_LIMIT, BODY_LIMIT
        ),
        (_, false) => text,
        (_, true) => status.canonical_reason().unwrap_or("Request refused").to_owned(),
    };
    let shaped = surface.refusal(status, message);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    let (shaped_parts, shaped_body) = shaped.into_parts();
    parts.headers.extend(shaped_parts.headers);
    Response::from_parts(parts, shaped_body)
}

/// The answer to a request whose handler panicked: a 500 saying how to recover. The caller
/// marks the emulator broken, so `/__admin/health` tells the truth until a reset.
pub fn panic_response(panic: &(dyn Any + Send)) -> Response<Body> {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    let body = ErrorBody {
        error: format!(
            "The emulator failed while answering this request ({what}); its state may be \
             inconsistent until POST /__admin/reset"
        ),
    };
    let mut response = (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response();
    no_store(response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_their_surface() {
        assert_eq!(Surface::of("/__admin/clock"), Surface::Admin);
        assert_eq!(Surface::of("/__adminx"), Surface::Api);
        assert_eq!(Surface::of("/oauth/tokens"), Surface::OAuth);
        assert_eq!(Surface::of("/oauth/consent"), Surface::Html);
        assert_eq!(Surface::of("/portal/login"), Surface::Html);
        assert_eq!(Surface::of("/v3.0/users/x"), Surface::Api);
        assert_eq!(Surface::of("/nowhere"), Surface::Api);
    }
}
