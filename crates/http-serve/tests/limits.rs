//! The limits, seen from a client's side of real TCP connections.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::routing::get;
use http_serve::{Limits, Served, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, oneshot};

/// A bound for every wait, so a broken limit fails the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(30);

struct Server {
    addr: SocketAddr,
    served: Served,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(router: Router, limits: Limits) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = Served::default();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, router, limits, served.clone(), async move {
        let _ = stopped.await;
    }));
    Server { addr, served, stop: Some(stop), task }
}

/// Sends `request` raw and reads until the server closes the connection.
async fn exchange(stream: &mut TcpStream, request: &str) -> String {
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut answer))
        .await
        .expect("the server closed the connection")
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

const GET: &str = "GET / HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n";

#[tokio::test]
async fn a_half_sent_request_is_cut_off_while_a_whole_one_is_answered() {
    let limits = Limits { header_read_timeout: Duration::from_millis(300), ..Limits::default() };
    let server = start(Router::new().route("/", get(|| async { "hello" })), limits).await;

    let mut whole = TcpStream::connect(server.addr).await.unwrap();
    let answer = exchange(&mut whole, GET).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("hello"));

    // Headers that never end: without the timeout this read would wait forever.
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    let answer = exchange(&mut slow, "GET / HTTP/1.1\r\nhost: test\r\nx-slow: ").await;
    assert!(!answer.contains("200"), "a request that never finished was answered: {answer}");
}

#[tokio::test]
async fn over_the_cap_a_connection_is_told_the_server_is_busy() {
    let entered = Arc::new(Semaphore::new(0));
    let release = Arc::new(Notify::new());
    let router = Router::new().route(
        "/",
        get({
            let (entered, release) = (entered.clone(), release.clone());
            move || async move {
                let released = release.notified();
                entered.add_permits(1);
                released.await;
                "done"
            }
        }),
    );
    let server = start(router, Limits { max_connections: 2, ..Limits::default() }).await;

    // Two requests hold both slots, inside the handler.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream.write_all(GET.as_bytes()).await.unwrap();
        held.push(stream);
    }
    let _both = tokio::time::timeout(PATIENCE, entered.acquire_many(2)).await.unwrap().unwrap();
    assert_eq!(server.served.open_connections(), 2);

    let mut third = TcpStream::connect(server.addr).await.unwrap();
    let answer = exchange(&mut third, GET).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("retry-after: 1"));
    assert!(answer.ends_with("The server is busy. Please try again in a moment.\n"));
    assert_eq!(server.served.refused_connections(), 1);

    // The held requests are still answered once their handlers finish.
    release.notify_waiters();
    for mut stream in held {
        let mut answer = Vec::new();
        tokio::time::timeout(PATIENCE, stream.read_to_end(&mut answer)).await.unwrap().unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 200") && answer.ends_with("done"), "{answer}");
    }
}

#[tokio::test]
async fn shutdown_lets_the_request_in_flight_finish_and_then_returns() {
    let entered = Arc::new(Semaphore::new(0));
    let release = Arc::new(Notify::new());
    let router = Router::new().route(
        "/",
        get({
            let (entered, release) = (entered.clone(), release.clone());
            move |ConnectInfo(client): ConnectInfo<SocketAddr>| async move {
                let released = release.notified();
                entered.add_permits(1);
                released.await;
                client.to_string()
            }
        }),
    );
    let mut server = start(router, Limits::default()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let me = stream.local_addr().unwrap();
    stream.write_all(GET.as_bytes()).await.unwrap();
    let _in = tokio::time::timeout(PATIENCE, entered.acquire()).await.unwrap().unwrap();

    server.stop.take().unwrap().send(()).unwrap();
    // New connections are refused once the listener is closed, but the one in flight goes on.
    release.notify_waiters();
    let mut answer = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut answer)).await.unwrap().unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with(&me.to_string()), "the handler saw the client's address: {answer}");
    tokio::time::timeout(PATIENCE, server.task).await.unwrap().unwrap().unwrap();
}
