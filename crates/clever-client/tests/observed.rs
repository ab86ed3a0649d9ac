//! Every HTTP request the client makes is observed: handed to the `CallObserver` with a
//! low-cardinality endpoint template and its status (the debug log is checked in tests/log.rs).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use clever_client::{
    AccessToken, CallObserver, CleverCall, CleverClient, CleverConfig, ClientError, RetryPolicy, UnixClock,
};
use clever_emulator::{EmulatorConfig, RunningEmulator};
use test_support::demo::{CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, section_id, user_id};

/// Keeps every call it is told about.
#[derive(Default)]
struct Recorder(Mutex<Vec<CleverCall>>);

impl CallObserver for Recorder {
    fn on_call(&self, call: &CleverCall) {
        self.0.lock().unwrap().push(call.clone());
    }
}

impl Recorder {
    /// The calls so far as (method, endpoint, status), forgetting them.
    fn take(&self) -> Vec<(&'static str, String, Option<u16>)> {
        self.0.lock().unwrap().drain(..).map(|c| (c.method, c.endpoint, c.status)).collect()
    }
}

fn call(method: &'static str, endpoint: &str, status: Option<u16>) -> (&'static str, String, Option<u16>) {
    (method, endpoint.to_owned(), status)
}

fn fast_retries(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        max_rate_limit_wait: Duration::from_millis(5),
        max_in_flight: 4,
    }
}

/// The emulator (two items a page) and an observed client pointed at it.
struct Setup {
    running: RunningEmulator,
    client: CleverClient,
    recorder: Arc<Recorder>,
}

impl Setup {
    async fn start() -> Self {
        let config = EmulatorConfig { default_page_limit: 2, ..EmulatorConfig::default() };
        let running = test_support::demo::start_demo(config, None).await;
        let mut config = CleverConfig::new(CLIENT_ID, CLIENT_SECRET.to_owned().into(), REDIRECT_URI)
            .with_base_urls(&running.base_url, &running.base_url);
        config.retry = fast_retries(4);
        let recorder = Arc::new(Recorder::default());
        let client = CleverClient::new(config).unwrap().with_observer(recorder.clone());
        Self { running, client, recorder }
    }

    fn code(&self) -> String {
        self.running.emulator.issue_code(CLIENT_ID, REDIRECT_URI, &user_id("skelly"))
    }

    fn fault(&self, spec: serde_json::Value) {
        self.running.emulator.faults().add(serde_json::from_value(spec).unwrap());
    }
}

#[tokio::test]
async fn a_login_and_paged_lists_are_observed_as_endpoint_templates_with_their_statuses() {
    let s = Setup::start().await;
    let began = Instant::now();
    let token = s.client.exchange_code(&s.code()).await.unwrap().token;
    let me = s.client.me(&token).await.unwrap();
    s.client.user(&token, &me.data.id).await.unwrap();
    s.client.userinfo(&token).await.unwrap();
    assert_eq!(
        s.recorder.take(),
        [
            call("POST", "/oauth/tokens", Some(200)),
            call("GET", "/v3.0/me", Some(200)),
            call("GET", "/v3.0/users/{id}", Some(200)),
            call("GET", "/userinfo", Some(200)),
        ]
    );

    // Three sections over two pages, five students over three: one call a page, and the `next`
    // links' cursors (query strings) leave the template alone.
    assert_eq!(s.client.sections_for_user(&token, &me.data.id).collect_all().await.unwrap().len(), 3);
    assert_eq!(
        s.client.students_for_section(&token, &section_id("math4")).collect_all().await.unwrap().len(),
        5
    );
    let sections = call("GET", "/v3.0/users/{id}/sections", Some(200));
    let students = call("GET", "/v3.0/sections/{id}/users", Some(200));
    assert_eq!(s.recorder.take(), [sections.clone(), sections, students.clone(), students.clone(), students]);

    // Elapsed is each call's own time: never more than the whole test so far.
    s.client.me(&token).await.unwrap();
    let calls = s.recorder.0.lock().unwrap().clone();
    assert!(calls.iter().all(|c| c.elapsed <= began.elapsed()), "{calls:?}");
}

#[tokio::test]
async fn every_retry_is_a_call_and_a_404_is_reported_once() {
    let s = Setup::start().await;
    let token = s.client.exchange_code(&s.code()).await.unwrap().token;
    s.recorder.take();

    s.fault(serde_json::json!({"path": "/v3.0/me", "status": 503, "times": 2}));
    s.client.me(&token).await.unwrap();
    let me = call("GET", "/v3.0/me", Some(503));
    assert_eq!(s.recorder.take(), [me.clone(), me, call("GET", "/v3.0/me", Some(200))]);

    // A server without `mystudents`: a 404, which is not retried.
    s.fault(serde_json::json!({"path": "/v3.0/users/*/mystudents", "status": 404}));
    let err = s.client.my_students(&token, &user_id("skelly")).collect_all().await.unwrap_err();
    assert!(matches!(err, ClientError::NotShared { status: 404, .. }), "{err:?}");
    assert!(err.is_not_found(), "a 404 reads as \"not offered here\"");
    assert_eq!(s.recorder.take(), [call("GET", "/v3.0/users/{id}/mystudents", Some(404))]);
}

/// A "server" that accepts every connection and closes it at once, without answering.
async fn hang_up_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            drop(stream);
        }
    });
    base
}

#[tokio::test]
async fn a_transport_failure_is_reported_without_a_status_for_every_attempt() {
    let base = hang_up_server().await;
    let mut config = CleverConfig::new(CLIENT_ID, CLIENT_SECRET.to_owned().into(), REDIRECT_URI)
        .with_base_urls(&base, &base);
    config.retry = fast_retries(2);
    let recorder = Arc::new(Recorder::default());
    let client = CleverClient::new(config).unwrap().with_observer(recorder.clone());

    let err = client.me(&AccessToken::new("il-token")).await.unwrap_err();
    assert!(matches!(err, ClientError::CleverFailed { status: None, attempts: 2, .. }), "{err:?}");
    assert_eq!(recorder.take(), [call("GET", "/v3.0/me", None), call("GET", "/v3.0/me", None)]);

    // The code exchange fails the same way, and is still tried exactly once.
    let err = client.exchange_code("a-code").await.unwrap_err();
    assert!(matches!(err, ClientError::CleverFailed { status: None, attempts: 1, .. }), "{err:?}");
    assert_eq!(recorder.take(), [call("POST", "/oauth/tokens", None)]);
}

/// A clock fixed at a time far in the future.
struct FarFuture;

const FAR_FUTURE: i64 = 10_000_000_000;

impl UnixClock for FarFuture {
    fn unix_now(&self) -> i64 {
        FAR_FUTURE
    }
}

#[tokio::test]
async fn with_clock_and_with_observer_keep_each_others_setting() {
    // Answers 429 until `X-RateLimit-Reset` (FAR_FUTURE) on every other request, then 200: a
    // client that kept its FarFuture clock waits nothing, one that lost it waits its ten minutes
    // of patience (and the timeout below says so).
    let served = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&served);
    let me = move || {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        async move {
            if n.is_multiple_of(2) {
                let mut headers = HeaderMap::new();
                headers.insert("x-ratelimit-reset", FAR_FUTURE.to_string().parse().unwrap());
                return (StatusCode::TOO_MANY_REQUESTS, headers, r#"{"message":"slow down"}"#.to_owned());
            }
            let body = r#"{"data": {"id": "u1", "type": "user"}, "links": []}"#.to_owned();
            (StatusCode::OK, HeaderMap::new(), body)
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().route("/v3.0/me", get(me));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let mut config = CleverConfig::new(CLIENT_ID, CLIENT_SECRET.to_owned().into(), REDIRECT_URI)
        .with_base_urls(&base, &base);
    config.retry = RetryPolicy { max_rate_limit_wait: Duration::from_secs(600), ..fast_retries(2) };
    let plain = CleverClient::new(config).unwrap();
    let (first, second) = (Arc::new(Recorder::default()), Arc::new(Recorder::default()));
    for (client, recorder) in [
        (plain.clone().with_observer(first.clone()).with_clock(Arc::new(FarFuture)), &first),
        (plain.clone().with_clock(Arc::new(FarFuture)).with_observer(second.clone()), &second),
    ] {
        let me = tokio::time::timeout(Duration::from_secs(10), client.me(&AccessToken::new("t")))
            .await
            .expect("the client waited for the rate limit: with_observer lost the clock")
            .unwrap();
        assert_eq!(me.data.id, "u1");
        assert_eq!(
            recorder.take(),
            [call("GET", "/v3.0/me", Some(429)), call("GET", "/v3.0/me", Some(200))],
            "with_clock lost the observer"
        );
    }
}
