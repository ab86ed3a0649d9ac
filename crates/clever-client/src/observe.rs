//! Every HTTP request the client makes to Clever, as one record: logged at `debug` and handed to
//! an optional [`CallObserver`] so an app can count Clever calls in its metrics.

use std::time::Duration;

/// Told about every HTTP request the client makes to Clever: the code exchange, `/me`,
/// `/userinfo` and every Data API attempt, retries included (so a request that took three tries
/// is three calls).
pub trait CallObserver: Send + Sync {
    /// Called once per request, after its whole answer arrived or it failed, on the task that
    /// made it: keep it quick (count, do not block or await).
    fn on_call(&self, call: &CleverCall);
}

/// One HTTP request to Clever. It holds no secret: no token, code, client secret or query string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleverCall {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The path template, low-cardinality for a metrics label: every segment that is not a fixed
    /// API word (an id) reads `{id}`, and the query is dropped, e.g. `/v3.0/users/{id}/sections`,
    /// `/v3.0/sections/{id}/users`, `/v3.0/me`, `/userinfo`, `/oauth/tokens`.
    pub endpoint: String,
    /// The HTTP status, or `None` when no complete answer arrived (timeout, refused or dropped
    /// connection, a body cut off).
    pub status: Option<u16>,
    /// From sending the request to the end of its body (or the failure). Time spent waiting for
    /// the token's turn (`RetryPolicy::max_in_flight`) or in backoff is not included.
    pub elapsed: Duration,
}

/// The path segments kept verbatim in an endpoint template: API versions and the words of
/// Clever's OAuth and Data API paths. Any other segment is an id.
const API_WORDS: &[&str] = &[
    "oauth",
    "tokens",
    "tokeninfo",
    "authorize",
    "userinfo",
    "v2.0",
    "v2.1",
    "v3.0",
    "v3.1",
    "me",
    "users",
    "sections",
    "mystudents",
    "myteachers",
    "mycontacts",
    "students",
    "teachers",
    "contacts",
    "schools",
    "districts",
    "courses",
    "terms",
    "resources",
    "events",
    "admins",
    "district_admins",
    "school_admins",
    "staff",
];

/// The path of `path` without its query or fragment.
pub(crate) fn path_only(path: &str) -> &str {
    path.split(['?', '#']).next().unwrap_or_default()
}

/// The endpoint template of a path relative to the API or OAuth host (see [`CleverCall::endpoint`]).
pub(crate) fn endpoint_template(path: &str) -> String {
    let mut template = String::with_capacity(path.len());
    for segment in path_only(path).split('/').filter(|s| !s.is_empty()) {
        template.push('/');
        template.push_str(if API_WORDS.contains(&segment) { segment } else { "{id}" });
    }
    if template.is_empty() {
        template.push('/');
    }
    template
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_become_placeholders_and_queries_go() {
        for (path, template) in [
            ("/v3.0/users/5f1a2b3c4d5e6f7a8b9c0d1e/sections", "/v3.0/users/{id}/sections"),
            ("/v3.0/sections/class-alg1-A/users?role=student&starting_after=x", "/v3.0/sections/{id}/users"),
            ("/v3.0/users/teacher%20one/mystudents", "/v3.0/users/{id}/mystudents"),
            ("/v3.0/sections/abc", "/v3.0/sections/{id}"),
            ("/v3.0/me", "/v3.0/me"),
            ("/userinfo", "/userinfo"),
            ("/oauth/tokens", "/oauth/tokens"),
            ("/", "/"),
            ("", "/"),
        ] {
            assert_eq!(endpoint_template(path), template, "{path}");
        }
    }
}
