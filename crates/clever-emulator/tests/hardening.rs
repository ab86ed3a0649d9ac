//! Hardening stories: what a test suite (or a stranger on the network) notices when it sends the
//! emulator absurd numbers, guesses secrets, replays codes, floods the login pages or trips the
//! framework's own refusals. Each story starts a real emulator on port 0 and talks HTTP to it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod common;
#[path = "hardening/support.rs"]
mod support;

#[path = "hardening/bounds.rs"]
mod bounds;
#[path = "hardening/caching.rs"]
mod caching;
#[path = "hardening/client_auth.rs"]
mod client_auth;
#[path = "hardening/codes.rs"]
mod codes;
#[path = "hardening/growth.rs"]
mod growth;
#[path = "hardening/panics.rs"]
mod panics;
#[path = "hardening/refusals.rs"]
mod refusals;
