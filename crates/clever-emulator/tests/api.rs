//! The identity endpoints and Data API, exercised over HTTP the way an app would call them.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod common;
#[path = "api/support.rs"]
mod support;

#[path = "api/auth.rs"]
mod auth;
#[path = "api/conformance.rs"]
mod conformance;
#[path = "api/identity.rs"]
mod identity;
#[path = "api/pagination.rs"]
mod pagination;
#[path = "api/scope.rs"]
mod scope;
#[path = "api/snapshots.rs"]
mod snapshots;
