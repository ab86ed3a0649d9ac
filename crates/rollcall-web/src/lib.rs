#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod callback_flight;
pub mod config;
mod crypto;
mod error;
mod headers;
pub mod jobs;
pub mod metrics;
mod pages;
mod roster_source;
mod routes;
mod session;
mod state;
pub mod sync;

use std::future::Future;
use std::io;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use tokio::net::TcpListener;

pub use config::{ConfigError, WebConfig};
pub use error::WebError;
pub use state::AppState;

/// Every route of the app.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(routes::public::home))
        .route("/signup", get(routes::public::signup))
        .route("/login", get(routes::public::login))
        .route("/logout", post(routes::public::logout))
        .route("/auth/clever/start", get(routes::auth_clever::start))
        .route(WebConfig::CALLBACK_PATH, get(routes::auth_clever::callback))
        .route("/dashboard", get(routes::dashboard::dashboard))
        .route("/sections/{id}", get(routes::dashboard::section))
        .route("/sections/{id}/name", post(routes::dashboard::rename))
        .route("/sync", post(routes::sync::sync_now))
        .route("/sync/history", get(routes::sync::history))
        .route("/healthz", get(routes::health::healthz))
        .route("/metrics", get(metrics::endpoint))
        .route("/static/app.css", get(routes::public::stylesheet))
        .fallback(|| async { WebError::NotFound })
        .layer(from_fn(headers::security_headers))
        .layer(from_fn_with_state(state.clone(), metrics::observe))
        .with_state(state)
}

/// Serves the app on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await
}
