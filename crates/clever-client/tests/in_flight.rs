//! The bound on requests in flight is per bearer token, as Clever's rate limit is: against a
//! Data API that holds every request until the test lets it go, one teacher's full bound never
//! holds up another teacher's requests.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use clever_client::{AccessToken, CleverClient, CleverConfig, RetryPolicy};
use tokio::sync::{Semaphore, watch};

/// What the stand-in saw: each token's requests in flight now, and the most at once.
#[derive(Default)]
struct Seen {
    in_flight: HashMap<String, usize>,
    peak: HashMap<String, usize>,
}

#[derive(Clone)]
struct Held {
    seen: Arc<Mutex<Seen>>,
    arrived: watch::Sender<usize>,
    release: Arc<Semaphore>,
}

async fn me(State(held): State<Held>, headers: HeaderMap) -> axum::Json<serde_json::Value> {
    let token = headers["authorization"].to_str().unwrap().to_owned();
    {
        let mut seen = held.seen.lock().unwrap();
        let now = *seen.in_flight.entry(token.clone()).and_modify(|n| *n += 1).or_insert(1);
        let peak = seen.peak.entry(token.clone()).or_insert(0);
        *peak = (*peak).max(now);
    }
    held.arrived.send_modify(|n| *n += 1);
    held.release.acquire().await.unwrap().forget();
    *held.seen.lock().unwrap().in_flight.get_mut(&token).unwrap() -= 1;
    axum::Json(serde_json::json!({"type": "user", "data": {"id": "u1", "type": "user"}, "links": []}))
}

#[tokio::test]
async fn a_tokens_full_bound_never_holds_up_another_tokens_requests() {
    let (arrived, mut arrivals) = watch::channel(0);
    let held = Held { seen: Arc::default(), arrived, release: Arc::new(Semaphore::new(0)) };
    let app = Router::new().route("/v3.0/me", get(me)).with_state(held.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let mut config = CleverConfig::new("id", "secret".to_owned().into(), "https://app.example/callback")
        .with_base_urls(&base, &base);
    config.retry = RetryPolicy { max_in_flight: 2, ..RetryPolicy::default() };
    let client = CleverClient::new(config).unwrap();

    // Three requests of teacher A's token and two of teacher B's, all at once.
    let calls: Vec<_> = ["a", "a", "a", "b", "b"]
        .into_iter()
        .map(|t| {
            let (client, token) = (client.clone(), AccessToken::new(format!("token-{t}")));
            tokio::spawn(async move { client.me(&token).await })
        })
        .collect();

    // Both of B's arrive while A holds its whole bound (a bound for the whole client would stop
    // at two). The timeout only turns that failure into a message instead of a hang.
    tokio::time::timeout(Duration::from_secs(10), arrivals.wait_for(|n| *n >= 4))
        .await
        .expect("only two requests reached Clever: the tokens share one bound")
        .unwrap();

    held.release.add_permits(5);
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap().data.id, "u1");
    }
    let seen = held.seen.lock().unwrap();
    assert_eq!(seen.peak["Bearer token-a"], 2, "A had more than its bound in flight");
    assert_eq!(seen.peak["Bearer token-b"], 2);
    assert_eq!(*arrivals.borrow(), 5);
}
