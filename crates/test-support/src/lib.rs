//! What the workspace's tests share, so each crate's tests start the same things the same way:
//!
//! - [`pg::TestDb`]: a throw-away PostgreSQL database per test on the server
//!   `ROLLCALL_TEST_POSTGRES_URL` names. Unset, the test skips and says why (a fresh laptop passes
//!   `cargo test`); set but unreachable, the test fails (CI sets it, and a PostgreSQL that is down
//!   must not pass as skipped).
//! - [`demo`]: the emulator loaded with its demo district on a free port, and the demo's ids.
//!
//! A failure here is a failed test, so these helpers panic with the reason instead of returning
//! errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod demo;
pub mod pg;
