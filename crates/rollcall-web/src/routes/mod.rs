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
