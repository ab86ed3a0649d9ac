//! The emulator's profiles from the outside: each one changes exactly what a client of a
//! Clever-compatible server would notice, over real HTTP, and they combine.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod common;
#[path = "api/support.rs"]
mod support;

#[path = "profiles/combined.rs"]
mod combined;
#[path = "profiles/ids.rs"]
mod ids;
#[path = "profiles/lists.rs"]
mod lists;
#[path = "profiles/records.rs"]
mod records;
#[path = "profiles/setting.rs"]
mod setting;
#[path = "profiles/tokens.rs"]
mod tokens;

use clever_emulator::{EmulatorConfig, Profiles};

use crate::common::{TestEmulator, test_seed};

/// The demo seed (with the test apps) served with `profiles` (comma-separated) configured.
pub async fn start_as(profiles: &str) -> TestEmulator {
    TestEmulator::start_with(test_seed(), config_with(profiles)).await
}

/// The default configuration with `profiles` on.
pub fn config_with(profiles: &str) -> EmulatorConfig {
    EmulatorConfig { profiles: Profiles::parse(profiles).unwrap(), ..EmulatorConfig::default() }
}
