//! A handler that panics answers 500, and health says "broken" (503) until a reset, so a
//! compose health check or a test's sanity check sees the truth.

use clever_emulator::EmulatorConfig;
use reqwest::StatusCode;
use serde_json::json;
use time::Duration;

use crate::common::{CLIENT_ID, TestEmulator, test_seed, user_id};
use crate::support::{admin_get, admin_post};

#[tokio::test]
async fn a_panicking_request_answers_500_and_health_says_broken_until_reset() {
    // A token lifetime that `EmulatorConfig::check` refuses (the CLI calls it); a library user
    // who skips the check gets an expiry time past the calendar's end, which panics.
    let config = EmulatorConfig { token_ttl: Duration::MAX, ..EmulatorConfig::default() };
    assert!(config.check().unwrap_err().to_string().contains("token lifetime"));
    let emu = TestEmulator::start_with(test_seed(), config).await;
    assert_eq!(admin_get(&emu, "/__admin/health").await.status, StatusCode::OK);

    let mint = json!({"user_id": user_id("skelly"), "client_id": CLIENT_ID});
    let reply = admin_post(&emu, "/__admin/tokens", mint).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.header("content-type"), "application/json");
    assert!(reply.error().contains("POST /__admin/reset"), "{}", reply.error());

    let health = admin_get(&emu, "/__admin/health").await;
    assert_eq!(health.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(health.json["status"], "broken");
    // Other requests still answer while broken.
    assert_eq!(admin_get(&emu, "/__admin/clock").await.status, StatusCode::OK);

    let reset = admin_post(&emu, "/__admin/reset", json!({})).await;
    assert_eq!(reset.status, StatusCode::OK);
    let health = admin_get(&emu, "/__admin/health").await;
    assert_eq!((health.status, health.json["status"].as_str()), (StatusCode::OK, Some("ok")));
}
