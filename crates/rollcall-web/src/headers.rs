//! Security headers on every response.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::WebError;

/// The security headers of this deployment: whether it is served over https (its public URL
/// says so), and its Content-Security-Policy.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    https: bool,
    csp: HeaderValue,
}

impl SecurityHeaders {
    /// For an app at `public_url` whose Clever login pages are at `clever_oauth_base`.
    ///
    /// The pages use no JavaScript and only same-origin styles and images. Forms post to the app
    /// itself, but one answers with a redirect to Clever ("Link Clever" on the profile starts a
    /// Clever login), and browsers hold a form's redirects to `form-action` too: so Clever's
    /// origin is allowed there, and nothing else.
    pub fn new(public_url: &str, clever_oauth_base: &str) -> Self {
        let clever = url::Url::parse(clever_oauth_base)
            .ok()
            .map(|url| url.origin().ascii_serialization())
            .filter(|origin| origin != "null");
        let form_action = match clever {
            Some(origin) => format!("'self' {origin}"),
            None => "'self'".to_owned(),
        };
        let csp = format!(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action {form_action}; \
             frame-ancestors 'none'; base-uri 'none'"
        );
        let csp = HeaderValue::from_str(&csp).unwrap_or(HeaderValue::from_static(STRICTEST_CSP));
        Self { https: public_url.starts_with("https://"), csp }
    }
}

/// The policy without Clever's origin, should the configured one not fit in a header.
const STRICTEST_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// No framing, no referrer (codes must not leak through it), no sniffing, the deployment's CSP
/// ([`SecurityHeaders::new`]). Served over https, browsers are also told to use https only for a
/// year (HSTS), so no later visit starts in plain http.
pub async fn security_headers(
    State(config): State<SecurityHeaders>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if config.https {
        headers.entry(header::STRICT_TRANSPORT_SECURITY).or_insert(HeaderValue::from_static(HSTS));
    }
    headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(config.csp);
    let fixed: [(HeaderName, &'static str); 4] = [
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
    ];
    for (name, value) in fixed {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    }
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    response
}

/// One year, as browsers' HSTS preload lists ask; not `includeSubDomains`, which would bind
/// hosts beside the app that Rollcall does not own.
const HSTS: &str = "max-age=31536000";

/// Answers a request that runs past `--request-timeout-secs` with a page saying so (503), instead
/// of holding the connection. Whatever the request started in the background (a sync) goes on.
pub async fn request_timeout(
    State(limit): State<std::time::Duration>,
    request: Request,
    next: Next,
) -> Response {
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

/// Turns the framework's own plain-text refusals (a form field missing, a repeated query
/// parameter, a body too large or of the wrong type, a path id that is not a number, a wrong
/// method) into the app's error page, in words a person can act on. The app's own answers are
/// HTML or JSON, and `/metrics` answers its scraper in plain text, so those pass untouched.
pub async fn app_error_pages(request: Request, next: Next) -> Response {
    let metrics = request.uri().path() == "/metrics";
    let response = next.run(request).await;
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/plain"));
    // The router's own 405 comes with no body at all.
    let bare_405 =
        status == StatusCode::METHOD_NOT_ALLOWED && !response.headers().contains_key(header::CONTENT_TYPE);
    if metrics || !status.is_client_error() || !(plain || bare_405) {
        return response;
    }
    let (title, detail) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "That was too much to send",
            "What you sent is larger than Rollcall accepts. Shorten it and try again.",
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "That page cannot be used that way",
            "The page was opened in a way it does not support. Go back to Rollcall's pages and use its buttons.",
        ),
        StatusCode::NOT_FOUND => ("Page not found", "There is no page at this address."),
        _ => (
            "Rollcall did not understand that request",
            "Something in the form or the link was missing or not as expected. Go back, reload the page and try again.",
        ),
    };
    let status = if status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::UNSUPPORTED_MEDIA_TYPE
    {
        StatusCode::BAD_REQUEST
    } else {
        status
    };
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut page = WebError::friendly(status, title, detail, None).into_response();
    if let Some(allow) = allow {
        page.headers_mut().insert(header::ALLOW, allow);
    }
    page
}
