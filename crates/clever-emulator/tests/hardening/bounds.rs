//! Every number the admin API takes has a range; a number outside it is a 400 that says the
//! range, and the emulator goes on working.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{CLIENT_ID, TestEmulator, user_id};
use crate::support::{admin, admin_get, admin_post, get_as};

#[tokio::test]
async fn a_clock_advance_past_36500_days_is_refused_and_everything_still_answers() {
    let emu = TestEmulator::start().await;
    // 2^44 + 1 seconds: once, this overflowed the calendar and every later request panicked.
    let reply = admin_post(&emu, "/__admin/clock", json!({"seconds": 17_592_186_044_417_i64})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.error().contains("0 to 3153600000 seconds (36500 days)"), "{}", reply.error());
    let reply = admin_post(&emu, "/__admin/clock", json!({"advance": "9999999999999d"})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.error().contains("36500 days"), "{}", reply.error());

    // The limit is on the total: 20000 days, then 20000 more, is refused the second time.
    assert_eq!(admin_post(&emu, "/__admin/clock", json!({"advance": "20000d"})).await.status, StatusCode::OK);
    let reply = admin_post(&emu, "/__admin/clock", json!({"advance": "20000d"})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.error().contains("already 1728000000 seconds ahead"), "{}", reply.error());

    // Nothing is broken: the clock, the health check, a token and a reset all answer.
    assert_eq!(admin_get(&emu, "/__admin/clock").await.json["offset_seconds"], 1_728_000_000.0);
    assert_eq!(admin_get(&emu, "/__admin/health").await.json["status"], "ok");
    let minted =
        admin_post(&emu, "/__admin/tokens", json!({"user_id": user_id("skelly"), "client_id": CLIENT_ID}))
            .await;
    let token = minted.json["access_token"].as_str().unwrap().to_owned();
    assert_eq!(get_as(&emu, &token, "/v3.0/me").await.status, StatusCode::OK);
    assert_eq!(admin_post(&emu, "/__admin/reset", json!({})).await.status, StatusCode::OK);
    assert_eq!(admin_get(&emu, "/__admin/clock").await.json["offset_seconds"], 0.0);
}

#[tokio::test]
async fn a_clock_body_that_is_not_an_object_is_refused_and_changes_nothing() {
    let emu = TestEmulator::start().await;
    // Found by fuzzing the admin API: a bare array of a huge number.
    for body in [json!([9_999_999_999_999_996_u64]), json!("1d"), json!({"seconds": -1})] {
        let reply = admin_post(&emu, "/__admin/clock", body.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}: {}", reply.text);
        assert!(!reply.error().is_empty());
    }
    assert_eq!(admin_get(&emu, "/__admin/clock").await.json["offset_seconds"], 0.0);
    assert_eq!(admin_get(&emu, "/__admin/health").await.json["status"], "ok");
}

#[tokio::test]
async fn generate_counts_past_a_million_are_refused_with_their_range() {
    let emu = TestEmulator::start().await;
    // students + teachers once wrapped around usize and slipped past the size check.
    let huge = json!({"students": u64::MAX, "teachers": 2, "sections": 1, "students_per_section": 1});
    let reply = admin_post(&emu, "/__admin/generate", huge).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error(), "students must be between 0 and 1000000");
    let sum =
        json!({"students": 600_000, "teachers": 600_000, "sections": 1000, "students_per_section": 600});
    let reply = admin_post(&emu, "/__admin/generate", sum).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.error().contains("between 0 and 1000000 people"), "{}", reply.error());
    let health = admin_get(&emu, "/__admin/health").await;
    assert_eq!((health.status, health.json["status"].as_str()), (StatusCode::OK, Some("ok")));
    assert_eq!(health.json["apps"], 3, "the demo world is still loaded");
}

#[tokio::test]
async fn fault_counts_latencies_and_rule_numbers_have_ranges() {
    let emu = TestEmulator::start().await;
    let reply =
        admin_post(&emu, "/__admin/faults", json!({"path": "/v3.0/me", "status": 500, "times": 0})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.error().contains("between 1 and 1000000"), "{}", reply.error());
    let reply =
        admin_post(&emu, "/__admin/faults", json!({"path": "/v3.0/me", "status": 500, "times": 4_000_000}))
            .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply =
        admin_post(&emu, "/__admin/faults", json!({"path": "/v3.0/me", "latency_ms": 10_000_000})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.error().contains("between 0 and 120000"), "{}", reply.error());
    for _ in 0..1000 {
        let ok = admin_post(&emu, "/__admin/faults", json!({"path": "/nowhere", "status": 500})).await;
        assert_eq!(ok.status, StatusCode::CREATED);
    }
    let reply = admin_post(&emu, "/__admin/faults", json!({"path": "/nowhere", "status": 500})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.error().contains("0 to 1000 fault rules"), "{}", reply.error());
    assert_eq!(admin(&emu, Method::DELETE, "/__admin/faults", None).await.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn the_next_login_queue_holds_a_thousand() {
    let emu = TestEmulator::start().await;
    let login = json!({"user_id": user_id("skelly")});
    for _ in 0..1000 {
        assert_eq!(admin_post(&emu, "/__admin/next-login", login.clone()).await.status, StatusCode::CREATED);
    }
    let reply = admin_post(&emu, "/__admin/next-login", login).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.error().contains("0 to 1000 logins"), "{}", reply.error());
}
