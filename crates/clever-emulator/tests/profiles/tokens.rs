//! Profiles of the token endpoint: `expiring-tokens` and `long-codes`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clever_emulator::EmulatorConfig;
use reqwest::StatusCode;
use serde_json::Value;
use time::Duration;

use crate::common::browser::{Landing, browser, query_of};
use crate::common::{CLIENT_ID, TestEmulator, user_id};
use crate::config_with;
use crate::support::start_fixed;

/// A code for `key` through a scripted login.
async fn code_for(te: &TestEmulator, key: &str) -> String {
    te.queue_login(key).await;
    match te.log_in(&browser(), key, "s").await {
        Landing::App(url) => query_of(&url)["code"].clone(),
        other => panic!("no code: {other:?}"),
    }
}

fn decode(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[tokio::test]
async fn expiring_tokens_says_bearer_expires_in_and_an_id_token_and_the_token_does_expire() {
    let te = start_fixed(config_with("expiring-tokens")).await;
    let code = code_for(&te, "skelly").await;
    let (status, body) = te.redeem(&code).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let id_token = body["id_token"].as_str().unwrap();
    let parts: Vec<&str> = id_token.split('.').collect();
    assert_eq!(parts.len(), 3, "header.payload.signature: {id_token}");
    assert!(parts.iter().all(|p| !p.is_empty() && URL_SAFE_NO_PAD.decode(p).is_ok()), "{id_token}");
    assert_eq!(decode(parts[0])["alg"], "HS256");
    let claims = decode(parts[1]);
    assert_eq!(
        (claims["sub"].as_str(), claims["aud"].as_str()),
        (Some(user_id("skelly").as_str()), Some(CLIENT_ID))
    );
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 3600);

    let token = body["access_token"].as_str().unwrap();
    te.emulator().clock().advance(Duration::seconds(3599));
    assert_eq!(te.get_as(token, "/v3.0/me").await.status(), StatusCode::OK);
    te.emulator().clock().advance(Duration::seconds(1));
    assert_eq!(te.get_as(token, "/v3.0/me").await.status(), StatusCode::UNAUTHORIZED, "expired as it said");
}

#[tokio::test]
async fn expiring_tokens_reports_a_shorter_configured_lifetime() {
    let config = EmulatorConfig { token_ttl: Duration::seconds(600), ..config_with("expiring-tokens") };
    let te = start_fixed(config).await;
    let (_, body) = te.redeem(&code_for(&te, "maria").await).await;
    assert_eq!(body["expires_in"], 600);
}

#[tokio::test]
async fn without_expiring_tokens_the_answer_is_clevers() {
    let te = TestEmulator::start().await;
    let (_, body) = te.redeem(&code_for(&te, "skelly").await).await;
    let mut keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["access_token", "token_type"]);
    assert_eq!(body["token_type"], "bearer");
}

#[tokio::test]
async fn long_codes_live_ten_minutes() {
    let te = start_fixed(config_with("long-codes")).await;
    let code = code_for(&te, "skelly").await;
    te.emulator().clock().advance(Duration::seconds(599));
    assert_eq!(te.redeem(&code).await.0, StatusCode::OK, "still good after 9 m 59 s");

    let late = code_for(&te, "skelly").await;
    te.emulator().clock().advance(Duration::seconds(600));
    let (status, body) = te.redeem(&late).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    assert!(body["error_description"].as_str().unwrap().contains("codes live 600 seconds"), "{body}");

    // Strict Clever: 60 seconds.
    let strict = start_fixed(EmulatorConfig::default()).await;
    let code = code_for(&strict, "skelly").await;
    strict.emulator().clock().advance(Duration::seconds(60));
    let (_, body) = strict.redeem(&code).await;
    assert!(body["error_description"].as_str().unwrap().contains("codes live 60 seconds"), "{body}");
}
