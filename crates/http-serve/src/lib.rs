#![doc = include_str!("../README.md")]

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// What a server allows each client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long a connection may take to send a whole request head (and how long a keep-alive
    /// connection may sit idle) before it is closed.
    pub header_read_timeout: Duration,
    /// Connections served at once; one more is answered 503 and closed.
    pub max_connections: usize,
}

impl Limits {
    /// The default header read timeout: generous for a slow school network, short enough that
    /// half-sent requests cannot pile up.
    pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
    /// The default connection cap, below common open-file limits.
    pub const MAX_CONNECTIONS: usize = 2048;
}

impl Default for Limits {
    fn default() -> Self {
        Self { header_read_timeout: Self::HEADER_READ_TIMEOUT, max_connections: Self::MAX_CONNECTIONS }
    }
}

/// Live counts of one server's connections (cheap to clone; shared with the serving loop).
#[derive(Debug, Clone, Default)]
pub struct Served {
    inner: Arc<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    open: AtomicU64,
    refused: AtomicU64,
}

impl Served {
    /// Connections being served now.
    pub fn open_connections(&self) -> u64 {
        self.inner.open.load(Ordering::Relaxed)
    }

    /// Connections answered 503 because the cap was reached, since the server started.
    pub fn refused_connections(&self) -> u64 {
        self.inner.refused.load(Ordering::Relaxed)
    }
}

/// How many over-the-cap connections may be being told "503" at once; beyond that they are
/// closed without an answer, so refusing can never itself use up file descriptors.
const MAX_REFUSING: usize = 64;

/// How long writing the 503 to an over-the-cap connection may take.
const REFUSE_WRITE_TIMEOUT: Duration = Duration::from_secs(2);

/// What a connection over the cap reads.
const BUSY_BODY: &str = "The server is busy. Please try again in a moment.\n";

/// How long to wait before accepting again after `accept` failed (e.g. out of file descriptors),
/// so the loop does not spin.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(50);

/// Serves `router` on `listener` within `limits` until `shutdown` resolves, then lets the
/// requests in flight finish. `served` receives the live connection counts.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    served: Served,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let refusing = Arc::new(Semaphore::new(MAX_REFUSING));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            served.inner.refused.fetch_add(1, Ordering::Relaxed);
            if let Ok(turn) = refusing.clone().try_acquire_owned() {
                tokio::spawn(async move {
                    refuse(stream).await;
                    drop(turn);
                });
            }
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = TowerToHyperService::new(tower::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(remote));
            router.clone().oneshot(request.map(axum::body::Body::new))
        }));
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        let counts = served.inner.clone();
        counts.open.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::trace!(error = %e, %remote, "connection ended with an error");
            }
            counts.open.fetch_sub(1, Ordering::Relaxed);
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Tells an over-the-cap client the server is busy, then closes the connection.
async fn refuse(mut stream: TcpStream) {
    let _ = tokio::time::timeout(REFUSE_WRITE_TIMEOUT, async {
        let response = format!(
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n\
             retry-after: 1\r\ncache-control: no-store\r\nconnection: close\r\n\
             content-length: {}\r\n\r\n{BUSY_BODY}",
            BUSY_BODY.len()
        );
        stream.write_all(response.as_bytes()).await?;
        stream.shutdown().await
    })
    .await;
}

/// The address a request came from, when it came through [`serve`] (tests that call a router
/// directly have none).
pub fn client_addr(request: &Request) -> Option<SocketAddr> {
    request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0)
}
