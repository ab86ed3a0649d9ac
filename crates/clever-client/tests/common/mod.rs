//! What the client's tests against the emulator share: the demo seed's app and its ids.
#![allow(dead_code)] // each test binary uses some of these

use clever_emulator::ids::derive_id;

/// The demo seed's Library app.
pub const CLIENT_ID: &str = "rollcall-demo";
/// Its client secret in the demo seed.
pub const SECRET: &str = "demo-secret-change-me";
/// Its registered redirect URI.
pub const REDIRECT: &str = "http://127.0.0.1:8080/auth/clever/callback";

/// The demo seed's user `key`.
pub fn user(key: &str) -> String {
    derive_id("demo", "user", key)
}

/// The demo seed's section `key`.
pub fn section(key: &str) -> String {
    derive_id("demo", "section", key)
}
