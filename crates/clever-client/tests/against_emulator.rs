//! The client against the real emulator over HTTP: the happy path and every failure class.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::time::Duration;

use clever_client::{AccessToken, CleverClient, CleverConfig, ClientError, RetryPolicy};
use clever_emulator::faults::{BodyFault, FaultSpec};
use clever_emulator::{Emulator, EmulatorConfig, RunningEmulator};
use test_support::demo::{CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, section_id, user_id};

struct Setup {
    running: RunningEmulator,
    client: CleverClient,
}

impl Setup {
    async fn start() -> Self {
        Self::with_page_size(100).await
    }

    async fn with_page_size(page: usize) -> Self {
        let config = EmulatorConfig { default_page_limit: page, ..EmulatorConfig::default() };
        let running = test_support::demo::start_demo(config, None).await;
        let mut config = CleverConfig::new(CLIENT_ID, CLIENT_SECRET.to_owned().into(), REDIRECT_URI)
            .with_base_urls(&running.base_url, &running.base_url);
        // Fast retries so failure tests take milliseconds.
        config.retry = RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_rate_limit_wait: Duration::from_millis(5),
            max_in_flight: 4,
        };
        let client = CleverClient::new(config).unwrap();
        Self { running, client }
    }

    fn emulator(&self) -> &Emulator {
        &self.running.emulator
    }

    async fn login(&self, key: &str) -> AccessToken {
        let code = self.emulator().issue_code(CLIENT_ID, REDIRECT_URI, &user_id(key));
        self.client.exchange_code(&code).await.unwrap().token
    }

    fn fault(&self, spec: serde_json::Value) {
        let spec: FaultSpec = serde_json::from_value(spec).unwrap();
        self.emulator().faults().add(spec);
    }
}

#[tokio::test]
async fn authorize_url_round_trip_gives_a_token_that_reads_me_and_the_user() {
    let s = Setup::start().await;
    s.emulator().browser().next_logins.push_back(clever_emulator::state::NextLogin {
        user_id: user_id("skelly"),
        client_id: Some(CLIENT_ID.into()),
    });
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = http.get(s.client.authorize_url(Some("st4te"))).send().await.unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REDIRECT_URI), "{location}");
    let url = reqwest::Url::parse(&location).unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "st4te");

    let grant = s.client.exchange_code(&q["code"]).await.unwrap();
    // The emulator, like Clever, sends no expires_in: Clever's documented 24 hours apply.
    assert_eq!(grant.expires_in, None);
    assert_eq!(grant.lifetime(), clever_client::CLEVER_TOKEN_LIFETIME);
    let token = grant.token;
    let me = s.client.me(&token).await.unwrap();
    assert_eq!(me.data.id, user_id("skelly"));
    assert_eq!(me.data.district, None, "Library users carry no district");
    let teacher = s.client.user(&token, &me.data.id).await.unwrap();
    assert_eq!(teacher.name.unwrap().first.as_deref(), Some("Sam"));
    assert!(teacher.roles.teacher.is_some());
}

#[tokio::test]
async fn a_code_is_exchanged_once_and_a_replay_is_refused_as_invalid_grant() {
    let s = Setup::start().await;
    let code = s.emulator().issue_code(CLIENT_ID, REDIRECT_URI, &user_id("skelly"));
    let token = s.client.exchange_code(&code).await.unwrap().token;
    let replay = s.client.exchange_code(&code).await.unwrap_err();
    assert!(matches!(replay, ClientError::InvalidGrant { .. }), "{replay:?}");
    // Clever revokes the first token on replay; the client reports it as "sign in again".
    let err = s.client.me(&token).await.unwrap_err();
    assert!(err.needs_reauthorization(), "{err:?}");
}

#[tokio::test]
async fn a_wrong_secret_is_a_configuration_error() {
    let s = Setup::start().await;
    let mut config = s.client.config().clone();
    config.client_secret = "wrong".to_owned().into();
    let client = CleverClient::new(config).unwrap();
    let code = s.emulator().issue_code(CLIENT_ID, REDIRECT_URI, &user_id("skelly"));
    assert!(matches!(client.exchange_code(&code).await, Err(ClientError::InvalidClient)));
}

#[tokio::test]
async fn a_throttled_code_exchange_is_busy_not_a_configuration_error() {
    let s = Setup::start().await;
    let mut wrong = s.client.config().clone();
    wrong.client_secret = "wrong".to_owned().into();
    let wrong = CleverClient::new(wrong).unwrap();
    // Enough failed client authentications from this address for the emulator to throttle.
    let mut throttled = None;
    for _ in 0..=clever_emulator::oauth::client_auth::FAILURES_PER_MINUTE {
        let code = s.emulator().issue_code(CLIENT_ID, REDIRECT_URI, &user_id("skelly"));
        match wrong.exchange_code(&code).await {
            Err(ClientError::InvalidClient) => {}
            other => {
                throttled = Some(other);
                break;
            }
        }
    }
    let Some(Err(ClientError::RateLimited { reset_at })) = throttled else {
        panic!("the emulator never throttled: {throttled:?}");
    };
    assert!(reset_at.is_some(), "Retry-After is turned into a reset time");
    // The right secret from the same address is throttled too, and told apart from a wrong one.
    let code = s.emulator().issue_code(CLIENT_ID, REDIRECT_URI, &user_id("skelly"));
    let err = s.client.exchange_code(&code).await.unwrap_err();
    assert!(matches!(err, ClientError::RateLimited { .. }), "{err:?}");
    assert!(!err.needs_reauthorization());
}

#[tokio::test]
async fn an_expired_token_asks_for_a_new_sign_in() {
    let s = Setup::start().await;
    let token = s.login("skelly").await;
    s.emulator().clock().advance(time::Duration::hours(25));
    let err = s.client.me(&token).await.unwrap_err();
    assert!(matches!(err, ClientError::Unauthorized { .. }), "{err:?}");
}

#[tokio::test]
async fn another_teachers_section_is_not_shared() {
    let s = Setup::start().await;
    let token = s.login("skelly").await;
    let err = s.client.section(&token, &section_id("science7")).await.unwrap_err();
    assert!(matches!(err, ClientError::NotShared { .. }), "{err:?}");
}

#[tokio::test]
async fn lists_follow_next_links_across_pages_without_gaps() {
    let s = Setup::with_page_size(2).await;
    let token = s.login("skelly").await;
    let sections = s.client.sections_for_user(&token, &user_id("skelly")).collect_all().await.unwrap();
    let mut ids: Vec<_> = sections.iter().map(|s| s.id.clone()).collect();
    let mut expected = vec![section_id("math4"), section_id("reading4"), section_id("homeroom4")];
    expected.sort();
    assert_eq!(ids, expected, "sorted by id, all three sections over two pages");
    ids.dedup();
    assert_eq!(ids.len(), 3);

    let students = s.client.students_for_section(&token, &section_id("math4")).collect_all().await.unwrap();
    assert_eq!(students.len(), 5, "five students over three pages");
    assert!(
        students.iter().all(|u| u
            .name
            .as_ref()
            .and_then(|n| n.last.as_ref())
            .is_some_and(|l| l.chars().count() == 1))
    );
}

#[tokio::test]
async fn server_errors_are_retried_until_they_pass() {
    let s = Setup::start().await;
    let token = s.login("skelly").await;
    s.fault(serde_json::json!({"path": "/v3.0/me", "status": 503, "times": 2}));
    assert_eq!(s.client.me(&token).await.unwrap().data.id, user_id("skelly"));
}

#[tokio::test]
async fn persistent_server_errors_fail_with_the_attempt_count() {
    let s = Setup::start().await;
    let token = s.login("skelly").await;
    s.fault(serde_json::json!({"path": "/v3.0/me", "status": 500}));
    let err = s.client.me(&token).await.unwrap_err();
    assert!(matches!(err, ClientError::CleverFailed { status: Some(500), attempts: 4, .. }), "{err:?}");
}

#[tokio::test]
async fn a_rate_limit_storm_is_waited_out() {
    let s = Setup::start().await;
    let token = s.login("skelly").await;
    s.fault(serde_json::json!({"path": "/v3.0/users/*/sections", "rate_limit": true, "times": 3}));
    let sections = s.client.sections_for_user(&token, &user_id("skelly")).collect_all().await.unwrap();
    assert_eq!(sections.len(), 3);
}

#[tokio::test]
async fn a_rate_limit_that_never_lifts_is_reported_as_such() {
    let s = Setup::start().await;
    let token = s.login("skelly").await;
    s.fault(serde_json::json!({"path": "/v3.0/me", "rate_limit": true}));
    let err = s.client.me(&token).await.unwrap_err();
    assert!(matches!(err, ClientError::RateLimited { reset_at: Some(_) }), "{err:?}");
}

#[tokio::test]
async fn a_truncated_body_is_malformed_not_empty() {
    let s = Setup::start().await;
    let token = s.login("skelly").await;
    let spec = FaultSpec {
        path: "/v3.0/sections/*/users".into(),
        method: None,
        status: None,
        rate_limit: false,
        latency_ms: None,
        body: Some(BodyFault::Truncated),
        after: 0,
        times: None,
    };
    s.emulator().faults().add(spec);
    let err = s.client.students_for_section(&token, &section_id("math4")).collect_all().await.unwrap_err();
    assert!(matches!(err, ClientError::Malformed { .. }), "{err:?}");
}

#[tokio::test]
async fn an_error_on_a_later_page_fails_the_whole_list() {
    let s = Setup::with_page_size(2).await;
    let token = s.login("skelly").await;
    s.fault(serde_json::json!({"path": "/v3.0/sections/*/users", "status": 401, "after": 1}));
    let err = s.client.students_for_section(&token, &section_id("math4")).collect_all().await.unwrap_err();
    assert!(err.needs_reauthorization(), "{err:?}");
}

#[tokio::test]
async fn the_client_never_logs_or_prints_secrets() {
    let s = Setup::start().await;
    let printed = format!("{:?}", s.client);
    assert!(!printed.contains(CLIENT_SECRET), "{printed}");
    let token = s.login("skelly").await;
    assert!(!format!("{token:?}").contains(token.expose()));
}

#[tokio::test]
async fn a_403_is_not_shared_and_never_not_found() {
    let s = Setup::start().await;
    let token = s.login("skelly").await;
    s.fault(serde_json::json!({"path": "/v3.0/users/*/mystudents", "status": 403}));
    let err = s.client.my_students(&token, &user_id("skelly")).collect_all().await.unwrap_err();
    assert!(matches!(err, ClientError::NotShared { status: 403, .. }), "{err:?}");
    assert!(!err.is_not_found(), "a 403 is \"not shared\", not \"no such endpoint\"");
}
