//! The emulator with its demo district (`Seed::demo()`: Maplewood, Ms. Skelly's classes) on a
//! free loopback port, and the demo's ids, which are derived from keys (`skelly`, `math4`) the
//! same way in every run.

use clever_emulator::ids::derive_id;
use clever_emulator::{Clock, Emulator, EmulatorConfig, RunningEmulator, Seed};

/// The demo district's Library app.
pub const CLIENT_ID: &str = "rollcall-demo";
/// Its client secret in the demo seed.
pub const CLIENT_SECRET: &str = "demo-secret-change-me";
/// Its registered redirect URI in the demo seed (tests that serve an app replace it).
pub const REDIRECT_URI: &str = "http://127.0.0.1:8080/auth/clever/callback";

/// Id of a demo user by key (`skelly`, `maria`, …).
pub fn user_id(key: &str) -> String {
    derive_id("demo", "user", key)
}

/// Id of a demo section by key (`math4`, `reading4`, `homeroom4`, `science7`).
pub fn section_id(key: &str) -> String {
    derive_id("demo", "section", key)
}

/// Id of the demo district.
pub fn district_id() -> String {
    derive_id("demo", "district", "maplewood")
}

/// Serves `seed` with `config` on a free port of 127.0.0.1, ready when this returns.
pub async fn start(seed: Seed, config: EmulatorConfig) -> RunningEmulator {
    let emulator = Emulator::new(seed, config, Clock::system()).expect("the seed and settings are valid");
    RunningEmulator::start(emulator, "127.0.0.1:0".parse().expect("an address"))
        .await
        .expect("the emulator starts on a free port")
}

/// The demo district with `config`, its app registered with `redirect_uri` (pass `None` to keep
/// the seed's own).
pub async fn start_demo(config: EmulatorConfig, redirect_uri: Option<&str>) -> RunningEmulator {
    let mut seed = Seed::demo();
    if let Some(uri) = redirect_uri {
        seed.set_redirect_uris(CLIENT_ID, vec![uri.to_owned()]);
    }
    start(seed, config).await
}
