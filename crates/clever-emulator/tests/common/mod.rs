//! Shared setup for the emulator's HTTP tests: each test starts its own emulator on port 0 with
//! the demo seed and talks to it over real HTTP.
#![allow(dead_code, missing_docs)]

use std::net::SocketAddr;

use clever_emulator::ids::derive_id;
use clever_emulator::{Clock, Emulator, EmulatorConfig, RunningEmulator, Seed};

pub mod browser;

/// The demo seed's Library app.
pub const CLIENT_ID: &str = "rollcall-demo";
pub const CLIENT_SECRET: &str = "demo-secret-change-me";
pub const REDIRECT_URI: &str = "https://app.example/auth/clever/callback";
/// A second registered redirect URI of the same app.
pub const SECOND_REDIRECT_URI: &str = "https://app.example/other/callback";
/// A second app, for cross-client checks.
pub const OTHER_CLIENT_ID: &str = "other-app";
pub const OTHER_CLIENT_SECRET: &str = "other+secret%with:odd/chars";
pub const OTHER_REDIRECT_URI: &str = "https://other.example/cb";
/// A district (Secure Sync) app authorized by the demo district.
pub const DISTRICT_CLIENT_ID: &str = "district-app";
pub const DISTRICT_CLIENT_SECRET: &str = "district-secret";

/// Id of a demo-seed user by key (`skelly`, `maria`, …).
pub fn user_id(key: &str) -> String {
    derive_id("demo", "user", key)
}

/// Id of a demo-seed section by key (`math4`, `reading4`, `homeroom4`, `science7`).
pub fn section_id(key: &str) -> String {
    derive_id("demo", "section", key)
}

/// Id of the demo district.
pub fn district_id() -> String {
    derive_id("demo", "district", "maplewood")
}

/// The demo seed with test redirect URIs and two extra apps.
pub fn test_seed() -> Seed {
    let mut seed = Seed::demo();
    seed.set_redirect_uris(CLIENT_ID, vec![REDIRECT_URI.into(), SECOND_REDIRECT_URI.into()]);
    let extra = format!(
        r#"
        [[apps]]
        client_id = "{OTHER_CLIENT_ID}"
        client_secret = "{OTHER_CLIENT_SECRET}"
        name = "Other App"
        redirect_uris = ["{OTHER_REDIRECT_URI}"]

        [[apps]]
        client_id = "{DISTRICT_CLIENT_ID}"
        client_secret = "{DISTRICT_CLIENT_SECRET}"
        name = "District App"
        kind = "district"
        redirect_uris = ["https://district.example/cb"]
        districts = ["maplewood"]
        "#
    );
    let extra = Seed::from_toml(&extra).expect("extra apps parse");
    seed.apps.extend(extra.apps);
    seed
}

/// A running emulator plus a client for it.
pub struct TestEmulator {
    pub running: RunningEmulator,
    pub url: String,
    /// Does not follow redirects and keeps cookies, like a browser under test control.
    pub http: reqwest::Client,
}

impl TestEmulator {
    /// The demo seed (see [`test_seed`]) with default settings.
    pub async fn start() -> Self {
        Self::start_with(test_seed(), EmulatorConfig::default()).await
    }

    /// A given seed and config.
    pub async fn start_with(seed: Seed, config: EmulatorConfig) -> Self {
        let emulator = Emulator::new(seed, config, Clock::system()).expect("seed builds");
        let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let running = RunningEmulator::start(emulator, addr).await.expect("emulator starts");
        let url = running.base_url.clone();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .unwrap();
        Self { running, url, http }
    }

    pub fn emulator(&self) -> &Emulator {
        &self.running.emulator
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// A fresh user token for `key` at the demo Library app, minted directly.
    pub fn token_for(&self, key: &str) -> String {
        self.emulator().mint_token(&user_id(key), CLIENT_ID)
    }

    /// GET with a bearer token.
    pub async fn get_as(&self, token: &str, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).bearer_auth(token).send().await.unwrap()
    }
}
