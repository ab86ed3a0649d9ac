#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod callback_flight;
pub mod clever_calls;
pub mod client_addr;
pub mod config;
mod crypto;
mod csrf;
pub mod email_links;
mod error;
mod headers;
pub mod jobs;
mod login;
mod login_email;
pub mod mail;
pub mod metrics;
mod next_page;
mod pages;
pub mod passwords;
mod pending;
mod roles;
mod roster_source;
mod routes;
mod session;
mod state;
pub mod sync;
pub mod times;
pub mod words;

use std::future::Future;
use std::io;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use tokio::net::TcpListener;

pub use config::{ConfigError, WebConfig};
pub use error::WebError;
pub use login_email::{EmailField, LoginEmail, NotAnEmail};
pub use state::AppState;

/// Every route of the app.
pub fn router(state: AppState) -> Router {
    let security =
        headers::SecurityHeaders::new(&state.config().public_url, &state.config().clever.oauth_base);
    Router::new()
        .route("/", get(routes::public::home))
        .route("/signup", get(routes::public::signup).post(routes::local::signup))
        .route("/login", get(routes::public::login).post(routes::local::login))
        .route("/logout", post(routes::public::logout))
        .route("/logged-out", get(routes::public::logged_out))
        .route(email_links::PATH, get(routes::email::show).post(routes::email::confirm))
        .route("/dev/outbox", get(routes::email::outbox))
        .route("/auth/clever/start", get(routes::auth_clever::start))
        .route("/auth/clever/link", post(routes::auth_clever::start_link))
        .route(WebConfig::CALLBACK_PATH, get(routes::auth_clever::callback))
        .route(routes::auth_clever::UNSUPPORTED_PATH, get(routes::auth_clever::unsupported))
        .route("/auth/clever/welcome", get(routes::welcome::show))
        .route("/auth/clever/welcome/new", post(routes::welcome::create))
        .route("/auth/clever/welcome/link", post(routes::welcome::link))
        .route("/profile", get(routes::profile::show))
        .route("/profile/school", post(routes::profile::set_school))
        .route("/profile/password", post(routes::profile::add_password))
        .route("/profile/unlink", post(routes::profile::unlink))
        .route("/profile/merge", post(routes::profile::merge))
        .route("/profile/merged", get(routes::profile::merged))
        .route("/dashboard", get(routes::dashboard::dashboard))
        .route("/sections/{id}", get(routes::dashboard::section))
        .route("/sections/{id}/name", post(routes::dashboard::rename))
        .route("/sections/{id}/assignments", post(routes::classwork::create))
        .route("/assignments/{id}", get(routes::classwork::progress))
        .route("/assignments/{id}/done", post(routes::classwork::set_done))
        .route("/admin/audit", get(routes::admin::audit))
        .route("/sync", post(routes::sync::sync_now))
        .route("/sync/history", get(routes::sync::history))
        .route("/healthz", get(routes::health::healthz))
        .route("/metrics", get(routes::metrics::endpoint))
        .route("/static/app.css", get(routes::public::stylesheet))
        .route("/static/favicon.svg", get(routes::public::favicon))
        .route("/favicon.ico", get(routes::public::favicon))
        .fallback(|| async { WebError::NotFound })
        .layer(from_fn_with_state(state.config().serving.request_timeout, headers::request_timeout))
        .layer(from_fn(headers::app_error_pages))
        .layer(from_fn_with_state(state.clone(), routes::with_viewer))
        .layer(from_fn_with_state(security, headers::security_headers))
        .layer(from_fn_with_state(state.shared_metrics(), metrics::observe))
        .with_state(state)
}

/// Serves the app on `listener` until `shutdown` resolves, within the configured connection
/// limits (`WebConfig::serving`), then lets the requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let limits = state.config().serving.limits;
    let connections = state.metrics().connections();
    http_serve::serve(listener, router(state), limits, connections, shutdown).await
}
