//! `rollcall serve` under a flood of half-sent requests: it says it is busy instead of hanging,
//! and recovers by itself once the header read timeout closes them.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod common;

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use common::Killed;

/// Starts `rollcall serve` on a free port and returns it with its address.
fn start(extra: &[&str]) -> (Killed, String) {
    let db = std::env::temp_dir().join(format!("rollcall-serve-limits-{}.db", std::process::id()));
    let mut args: Vec<String> = ["--dev", "--public-url", "http://127.0.0.1:9"]
        .iter()
        .chain(&["--clever-client-id", "id", "--clever-client-secret", "secret"])
        .chain(&["--background-sync-minutes", "0", "--database-url"])
        .map(|s| (*s).to_owned())
        .collect();
    args.push(format!("sqlite://{}", db.display()));
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let started = common::serve(&args);
    let _ = std::fs::remove_file(&db);
    started
}

async fn read_all(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer))
        .await
        .expect("the server answered and closed")
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

async fn healthz(addr: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n").await.unwrap();
    read_all(&mut stream).await
}

#[tokio::test]
async fn half_sent_requests_fill_the_server_then_it_recovers_by_itself() {
    let (_serve, addr) = start(&["--max-connections", "20", "--header-timeout-secs", "1"]);
    assert!(healthz(&addr).await.starts_with("HTTP/1.1 200"));

    // Twenty clients that start a request and never finish it.
    let mut slow = Vec::new();
    for _ in 0..20 {
        let mut stream = TcpStream::connect(&addr).await.unwrap();
        stream.write_all(b"GET /healthz HTTP/1.1\r\nhost: test\r\nx-never-ends: ").await.unwrap();
        slow.push(stream);
    }
    // The next client is told at once that the server is busy, rather than left hanging. The
    // server accepts connections in the order they arrived, each taking a slot, so the twenty
    // hold every slot when this one is accepted.
    let answer = healthz(&addr).await;
    assert!(answer.starts_with("HTTP/1.1 503") && answer.contains("The server is busy"), "{answer}");

    // The header read timeout closes every half-sent request without answering it...
    for mut stream in slow {
        let answer = read_all(&mut stream).await;
        assert!(!answer.contains(" 200 "), "a request that never finished was answered: {answer}");
    }
    // ...and the server answers again.
    let mut answer = healthz(&addr).await;
    // A slot is given back when its connection's task ends, a moment after the client sees EOF.
    for _ in 0..100 {
        if answer.starts_with("HTTP/1.1 200") {
            break;
        }
        tokio::task::yield_now().await;
        answer = healthz(&addr).await;
    }
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
