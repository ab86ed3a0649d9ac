//! The debug log line of every Clever call names it (method, path, status, milliseconds) and
//! never holds a token, a code, the client secret or a query string.
//!
//! The only test in its binary, with the global subscriber: tracing caches per call site whether
//! anyone listens, and tests on other threads hitting the same call sites with no subscriber
//! could make a thread-local one miss events.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clever_client::{CleverClient, CleverConfig, RetryPolicy};
use clever_emulator::EmulatorConfig;
use test_support::demo::{CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, user_id};

/// A `MakeWriter` that appends every log line to one shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[tokio::test]
async fn the_debug_log_names_each_call_and_never_a_token_code_or_secret() {
    let log = Captured::default();
    // The client's events and its HTTP stack's, at every level; not the emulator's (it is the
    // server, and this test is about what the client writes).
    let filter: tracing_subscriber::filter::Targets =
        "clever_client=trace,reqwest=trace,hyper=trace,hyper_util=trace".parse().unwrap();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(log.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .finish();
    tracing::subscriber::set_global_default(tracing_subscriber::layer::SubscriberExt::with(
        subscriber, filter,
    ))
    .unwrap();

    // The emulator, two items a page, and a client pointed at it.
    let config = EmulatorConfig { default_page_limit: 2, ..EmulatorConfig::default() };
    let running = test_support::demo::start_demo(config, None).await;
    let mut config = CleverConfig::new(CLIENT_ID, CLIENT_SECRET.to_owned().into(), REDIRECT_URI)
        .with_base_urls(&running.base_url, &running.base_url);
    config.retry = RetryPolicy { base_delay: Duration::from_millis(1), ..RetryPolicy::default() };
    let client = CleverClient::new(config).unwrap();

    let code = running.emulator.issue_code(CLIENT_ID, REDIRECT_URI, &user_id("skelly"));
    let token = client.exchange_code(&code).await.unwrap().token;
    client.me(&token).await.unwrap();
    let fault = serde_json::json!({"path": "/v3.0/users/*/sections", "status": 503, "times": 1});
    running.emulator.faults().add(serde_json::from_value(fault).unwrap());
    client.sections_for_user(&token, &user_id("skelly")).collect_all().await.unwrap();
    client.userinfo(&token).await.unwrap();

    let text = log.text();
    for secret in [token.expose(), code.as_str(), CLIENT_SECRET] {
        assert!(!text.contains(secret), "the log holds a secret:\n{text}");
    }
    let calls: Vec<&str> = text.lines().filter(|l| l.contains("Clever call")).collect();
    assert!(calls.iter().all(|l| !l.contains('?')), "a call's path holds its query:\n{text}");
    let sections = format!("path=/v3.0/users/{}/sections", user_id("skelly"));
    for (line, expected) in calls.iter().zip([
        ["method=\"POST\"", "path=/oauth/tokens", "status=200"],
        ["method=\"GET\"", "path=/v3.0/me", "status=200"],
        ["method=\"GET\"", &sections, "status=503"],
        ["method=\"GET\"", &sections, "status=200"],
        ["method=\"GET\"", &sections, "status=200"],
        ["method=\"GET\"", "path=/userinfo", "status=200"],
    ]) {
        for field in expected.iter().chain(&["elapsed_ms="]) {
            assert!(line.contains(field), "{field} missing from {line}");
        }
    }
    assert_eq!(calls.len(), 6, "one line per call:\n{text}");
}
