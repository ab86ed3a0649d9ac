//! The three ways the emulator says no, each in the shape real Clever (or RFC 6749) uses:
//! - [`ApiError`]: Data API and identity endpoints, `{"message": "..."}` with RFC 6750 challenges;
//! - [`OAuthError`]: the token endpoint, RFC 6749 §5.2 `{"error", "error_description"}`, never cached;
//! - [`ErrorPage`]: browser-facing OAuth errors that must not redirect (unknown client or
//!   redirect URI), as an HTML page.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use clever_types::{ApiErrorBody, OAuthErrorBody};

/// A Data API error.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The `message` field.
    pub message: String,
    /// `WWW-Authenticate` value for 401/403 responses.
    pub challenge: Option<String>,
}

impl ApiError {
    /// 400 with a message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, message: message.into(), challenge: None }
    }

    /// 404 "Resource not found" — also what an out-of-scope record looks like to a Library token.
    pub fn not_found() -> Self {
        Self { status: StatusCode::NOT_FOUND, message: "Resource not found".into(), challenge: None }
    }

    /// 401 for a request without a bearer token (RFC 6750 §3.1: no error code).
    pub fn missing_token() -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            message: "Missing bearer token: send Authorization: Bearer <token>".into(),
            challenge: Some(r#"Bearer realm="Clever""#.into()),
        }
    }

    /// 401 for an unknown, expired or revoked token.
    pub fn invalid_token(why: &str) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            message: format!("Invalid token: {why}"),
            challenge: Some(format!(
                r#"Bearer realm="Clever", error="invalid_token", error_description="{why}""#
            )),
        }
    }

    /// 403 "Resource not in token's scopes" (Clever's wording).
    pub fn out_of_scope() -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            message: "Resource not in token's scopes".into(),
            challenge: Some(r#"Bearer realm="Clever", error="insufficient_scope""#.into()),
        }
    }

    /// 413 for `limit` above the maximum.
    pub fn limit_too_large(max: usize) -> Self {
        Self {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            message: format!("limit must be at most {max}"),
            challenge: None,
        }
    }

    /// 429 when the per-token window is used up.
    pub fn rate_limited() -> Self {
        Self {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: "Rate limit exceeded; retry after the X-RateLimit-Reset time".into(),
            challenge: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(ApiErrorBody { message: self.message })).into_response();
        if let Some(value) = self.challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

/// An RFC 6749 §5.2 token-endpoint error.
#[derive(Debug, Clone)]
pub struct OAuthError {
    /// HTTP status (400, or 401 for `invalid_client`).
    pub status: StatusCode,
    /// The `error` code.
    pub error: &'static str,
    /// The `error_description`.
    pub description: String,
}

impl OAuthError {
    /// 400 `invalid_request`: missing, repeated or malformed parameters.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, error: "invalid_request", description: description.into() }
    }

    /// 401 `invalid_client`: client authentication failed.
    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self { status: StatusCode::UNAUTHORIZED, error: "invalid_client", description: description.into() }
    }

    /// 400 `invalid_grant`: the code is unknown, expired, used, or bound to another client or
    /// redirect URI. Clever's docs call this "Invalid grant: invalid code".
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, error: "invalid_grant", description: description.into() }
    }

    /// 400 `unsupported_grant_type`.
    pub fn unsupported_grant_type(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: "unsupported_grant_type",
            description: description.into(),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = OAuthErrorBody { error: self.error.to_owned(), error_description: Some(self.description) };
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        no_store(headers);
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(r#"Basic realm="Clever""#));
        }
        response
    }
}

/// Marks a response as never to be cached (RFC 6749 §5.1).
pub fn no_store(headers: &mut axum::http::HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// An HTML error page for browser-facing OAuth errors that must not redirect.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    /// HTTP status.
    pub status: StatusCode,
    /// Short headline.
    pub title: String,
    /// What went wrong and how to fix it.
    pub detail: String,
    /// True when the page stands in for a redirect the emulator will not make (a bad authorize
    /// request, a refused form post); the page then says why it does not redirect.
    pub instead_of_redirect: bool,
}

impl ErrorPage {
    /// A 400 page shown instead of a redirect.
    pub fn bad_request(title: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            title: title.into(),
            detail: detail.into(),
            instead_of_redirect: true,
        }
    }
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorTemplate<'a> {
    title: &'a str,
    detail: &'a str,
    instead_of_redirect: bool,
}

impl IntoResponse for ErrorPage {
    fn into_response(self) -> Response {
        let page = ErrorTemplate {
            title: &self.title,
            detail: &self.detail,
            instead_of_redirect: self.instead_of_redirect,
        };
        match askama::Template::render(&page) {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(_) => (self.status, self.title).into_response(),
        }
    }
}
