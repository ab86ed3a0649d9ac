//! Routes: admin (being written).

use axum::Router;

use crate::state::Emulator;

/// The admin routes.
pub fn routes() -> Router<Emulator> {
    Router::new()
}
