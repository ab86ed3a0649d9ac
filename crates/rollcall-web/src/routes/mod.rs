//! One file per page or flow.

pub mod admin;
pub mod auth_clever;
pub mod classwork;
pub mod dashboard;
pub mod email;
pub mod health;
pub mod local;
pub mod metrics;
pub mod profile;
pub mod public;
pub mod sync;
pub mod welcome;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use crate::error::Shown;
use crate::pages::{ErrorPage, render};
use crate::session::CurrentUser;
use crate::state::AppState;

/// Middleware: an error page shown to someone signed in keeps the navigation (who they are,
/// their classes, log out), and its "Try again" that leads to the public home page leads to
/// their dashboard instead. Error responses carry their words ([`Shown`]); only those look up
/// the session, so other requests pay nothing.
pub async fn with_viewer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let cookies = request.headers().get(header::COOKIE).cloned();
    let response = next.run(request).await;
    let (Some(shown), Some(cookies)) = (response.extensions().get::<Shown>().cloned(), cookies) else {
        return response;
    };
    let mut signed_in = Request::new(());
    signed_in.headers_mut().insert(header::COOKIE, cookies);
    let (mut parts, ()) = signed_in.into_parts();
    let Ok(current) = CurrentUser::from_request_parts(&mut parts, &state).await else { return response };
    let retry = match shown.retry.as_deref() {
        Some("/") => Some("/dashboard"),
        other => other,
    };
    let page =
        ErrorPage { viewer: Some(current.viewer()), title: &shown.title, detail: &shown.detail, retry };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, render(&page).into_body())
}
