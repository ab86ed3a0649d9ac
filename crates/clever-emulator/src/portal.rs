//! The Clever portal and its Library (being written).

use axum::Router;

use crate::state::Emulator;

/// The portal routes.
pub fn routes() -> Router<Emulator> {
    Router::new()
}
