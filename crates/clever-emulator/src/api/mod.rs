//! Routes: api (being written).

use axum::Router;

use crate::state::Emulator;

/// The api routes.
pub fn routes() -> Router<Emulator> {
    Router::new()
}
