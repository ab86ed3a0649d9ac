//! Routes: oauth (being written).

use axum::Router;

use crate::state::Emulator;

/// The oauth routes.
pub fn routes() -> Router<Emulator> {
    Router::new()
}
