//! Helpers shared by the API tests.
#![allow(dead_code)]

use std::net::SocketAddr;

use clever_emulator::{Clock, Emulator, EmulatorConfig, RunningEmulator};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;
use time::macros::datetime;

use crate::common::{DISTRICT_CLIENT_ID, TestEmulator, district_id, test_seed, user_id};

/// A status, the headers and the JSON body of one response.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or_default()
    }
}

/// GET `path` with `token` (or none).
pub async fn get(te: &TestEmulator, token: Option<&str>, path: &str) -> Reply {
    let mut request = te.http.get(te.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply { status, headers, body }
}

/// GET that must succeed; returns the body.
pub async fn ok(te: &TestEmulator, token: &str, path: &str) -> Value {
    let reply = get(te, Some(token), path).await;
    assert_eq!(reply.status, StatusCode::OK, "GET {path}: {}", reply.body);
    reply.body
}

/// The demo district's token for the district app.
pub fn district_token(te: &TestEmulator) -> String {
    te.emulator().district_token(DISTRICT_CLIENT_ID, &district_id())
}

/// A user token issued to the district (Secure Sync) app: district-shared SSO.
pub fn shared_token(te: &TestEmulator, key: &str) -> String {
    te.emulator().mint_token(&user_id(key), DISTRICT_CLIENT_ID)
}

/// An emulator on a clock frozen at 2026-01-01, so timestamps and rate windows are predictable.
pub async fn start_fixed(config: EmulatorConfig) -> TestEmulator {
    let clock = Clock::fixed(datetime!(2026-01-01 0:00 UTC));
    let emulator = Emulator::new(test_seed(), config, clock).unwrap();
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let running = RunningEmulator::start(emulator, addr).await.unwrap();
    let url = running.base_url.clone();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    TestEmulator { running, url, http }
}

/// The sorted keys of a JSON object.
pub fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> =
        value.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
    keys.sort_unstable();
    keys
}

/// The ids of a list page's items.
pub fn item_ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["data"]["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The `uri` of the link with `rel`, if any.
pub fn link<'a>(body: &'a Value, rel: &str) -> Option<&'a str> {
    body["links"].as_array()?.iter().find(|l| l["rel"] == rel).and_then(|l| l["uri"].as_str())
}
