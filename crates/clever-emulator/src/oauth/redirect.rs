//! Building redirects back to an app: parameters are appended to whatever query the registered
//! URI already has, and the status is 302 for GETs and 303 after POSTs (never 307, which would
//! re-post the login or consent form to the app; RFC 9700 §4.12).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::{ErrorPage, no_store};

/// `uri` with `params` appended to its query (before any fragment), form-encoded.
pub fn with_params(uri: &str, params: &[(&str, &str)]) -> String {
    let (base, fragment) = match uri.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (uri, None),
    };
    let encoded = form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish();
    let mut out = base.to_owned();
    if !encoded.is_empty() {
        match base.split_once('?') {
            None => out.push('?'),
            Some((_, "")) => {}
            Some((_, query)) if query.ends_with('&') => {}
            Some(_) => out.push('&'),
        }
        out.push_str(&encoded);
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// A redirect with `status` (302 or 303). Codes ride in the URL, so it is never cached.
pub fn redirect(status: StatusCode, location: &str) -> Response {
    match HeaderValue::try_from(location) {
        Ok(value) => {
            let mut response = (status, [(header::LOCATION, value)]).into_response();
            no_store(response.headers_mut());
            response
        }
        Err(_) => ErrorPage::bad_request(
            "Cannot redirect",
            "The registered redirect URI contains characters that cannot appear in a Location header; \
             register it percent-encoded.",
        )
        .into_response(),
    }
}

/// 302 Found, for redirects answering a GET.
pub fn found(location: &str) -> Response {
    redirect(StatusCode::FOUND, location)
}

/// 303 See Other, for redirects answering a POST (the browser follows with a GET).
pub fn see_other(location: &str) -> Response {
    redirect(StatusCode::SEE_OTHER, location)
}

/// `error` (+ `error_description`, + `state`) appended to the app's redirect URI (RFC 6749 §4.1.2.1).
pub fn error_uri(redirect_uri: &str, error: &str, description: &str, state: Option<&str>) -> String {
    let mut params = vec![("error", error), ("error_description", description)];
    if let Some(state) = state {
        params.push(("state", state));
    }
    with_params(redirect_uri, &params)
}

/// `code`, `scope` (space-separated scope names) and `state`, if any, appended to the app's
/// redirect URI, in that order, as Clever sends them.
pub fn code_uri(redirect_uri: &str, code: &str, scope: &str, state: Option<&str>) -> String {
    let mut params = vec![("code", code), ("scope", scope)];
    if let Some(state) = state {
        params.push(("state", state));
    }
    with_params(redirect_uri, &params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_to_existing_queries_and_keeps_fragments() {
        assert_eq!(with_params("https://a.example/cb", &[("code", "x y")]), "https://a.example/cb?code=x+y");
        assert_eq!(
            with_params("https://a.example/cb?t=1", &[("code", "c")]),
            "https://a.example/cb?t=1&code=c"
        );
        assert_eq!(with_params("https://a.example/cb?", &[("code", "c")]), "https://a.example/cb?code=c");
        assert_eq!(with_params("https://a.example/cb#f", &[("code", "c")]), "https://a.example/cb?code=c#f");
        assert_eq!(
            code_uri("https://a.example/cb", "c", "read:user_id read:sections", Some("s&=")),
            "https://a.example/cb?code=c&scope=read%3Auser_id+read%3Asections&state=s%26%3D"
        );
    }
}
