//! Bearer tokens and the per-token rate limit.

use clever_emulator::EmulatorConfig;
use reqwest::StatusCode;
use time::Duration;

use crate::common::TestEmulator;
use crate::support::{district_token, get, start_fixed};

#[tokio::test]
async fn a_request_without_a_token_is_401_with_a_bearer_challenge() {
    let te = TestEmulator::start().await;
    let reply = get(&te, None, "/v3.0/me").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.header("www-authenticate"), Some(r#"Bearer realm="Clever""#));
    assert!(reply.message().contains("Missing bearer token"), "{}", reply.body);
    assert!(reply.header("x-ratelimit-limit").is_none(), "unauthenticated calls are not counted");
}

#[tokio::test]
async fn an_unknown_token_is_401_invalid_token() {
    let te = TestEmulator::start().await;
    let reply = get(&te, Some("il0000not-a-token"), "/v3.0/users/abc").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.header("www-authenticate").unwrap_or_default().contains(r#"error="invalid_token""#));
}

#[tokio::test]
async fn a_token_stops_working_after_24_hours() {
    let te = TestEmulator::start().await;
    let token = te.token_for("skelly");
    assert_eq!(get(&te, Some(&token), "/v3.0/me").await.status, StatusCode::OK);
    te.emulator().clock().advance(Duration::hours(24) + Duration::seconds(1));
    let reply = get(&te, Some(&token), "/v3.0/me").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.message().contains("expired"), "{}", reply.body);
}

#[tokio::test]
async fn a_token_in_the_query_string_is_ignored() {
    let te = TestEmulator::start().await;
    let token = te.token_for("skelly");
    let reply = get(&te, None, &format!("/v3.0/me?access_token={token}")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.message().contains("Missing bearer token"), "{}", reply.body);
}

#[tokio::test]
async fn a_non_bearer_authorization_header_is_treated_as_missing() {
    let te = TestEmulator::start().await;
    let token = te.token_for("skelly");
    let response = te
        .http
        .get(te.url("/v3.0/me"))
        .header("authorization", format!("Basic {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn successful_and_failed_calls_carry_rate_limit_headers() {
    let te = TestEmulator::start().await;
    let token = te.token_for("skelly");
    let first = get(&te, Some(&token), "/v3.0/me").await;
    assert_eq!(first.header("x-ratelimit-limit"), Some("1200"));
    assert_eq!(first.header("x-ratelimit-remaining"), Some("1199"));
    let reset: i64 = first.header("x-ratelimit-reset").unwrap().parse().unwrap();
    assert!(reset > te.emulator().now().unix_timestamp());
    let missing = get(&te, Some(&token), "/v3.0/users/000000000000000000000000").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.header("x-ratelimit-remaining").is_some());
}

#[tokio::test]
async fn the_limit_is_per_token_per_fixed_minute() {
    let config = EmulatorConfig { rate_limit_per_minute: 5, ..Default::default() };
    let te = start_fixed(config).await;
    let token = te.token_for("skelly");
    for left in (0..5).rev() {
        let reply = get(&te, Some(&token), "/v3.0/me").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header("x-ratelimit-remaining"), Some(left.to_string().as_str()));
    }
    let limited = get(&te, Some(&token), "/v3.0/me").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.header("x-ratelimit-limit"), Some("5"));
    assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
    let reset: i64 = limited.header("x-ratelimit-reset").unwrap().parse().unwrap();
    let now = te.emulator().now().unix_timestamp();
    assert!(reset > now && reset <= now + 60, "reset {reset} is within the next minute of {now}");
    assert!(limited.header("retry-after").is_none(), "Clever sends only X-RateLimit-Reset");

    // Another token has its own budget.
    let other = district_token(&te);
    assert_eq!(get(&te, Some(&other), "/v3.0/me").await.status, StatusCode::OK);

    te.emulator().clock().advance(Duration::seconds(60));
    let fresh = get(&te, Some(&token), "/v3.0/me").await;
    assert_eq!(fresh.status, StatusCode::OK);
    assert_eq!(fresh.header("x-ratelimit-remaining"), Some("4"));
    let new_reset: i64 = fresh.header("x-ratelimit-reset").unwrap().parse().unwrap();
    assert_eq!(new_reset, reset + 60);
}
