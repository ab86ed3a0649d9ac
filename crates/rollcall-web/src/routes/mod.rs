//! One file per page or flow.

pub mod auth_clever;
pub mod dashboard;
pub mod health;
pub mod public;
pub mod sync;
