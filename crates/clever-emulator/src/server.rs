//! Router assembly and serving. Every server takes an already-bound listener and a shutdown
//! future, so tests bind port 0 and never race for a port.

use std::any::Any;
use std::future::Future;
use std::io;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::Response;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower_http::catch_panic::CatchPanicLayer;

use crate::state::Emulator;
use crate::{admin, api, faults, journal, oauth, portal, surface};

/// The emulator's whole HTTP surface: OAuth, portal, Data API and admin API on one router.
/// Framework refusals answer in each surface's shape ([`surface`]); a panicking handler answers
/// 500 and marks the emulator broken (health says so until a reset); every answer says
/// `Cache-Control: no-store`.
pub fn router(emulator: Emulator) -> Router {
    let small = DefaultBodyLimit::max(surface::BODY_LIMIT);
    let on_panic = {
        let emulator = emulator.clone();
        move |panic: Box<dyn Any + Send + 'static>| {
            emulator.mark_broken();
            tracing::error!("a request handler panicked; the emulator is broken until POST /__admin/reset");
            surface::panic_response(panic.as_ref())
        }
    };
    Router::new()
        .merge(oauth::routes().layer(small))
        .merge(portal::routes().layer(small))
        .merge(api::routes().layer(small))
        .merge(admin::routes().layer(DefaultBodyLimit::max(surface::ADMIN_BODY_LIMIT)))
        .layer(from_fn(surface::shape_refusals))
        .layer(from_fn_with_state(emulator.clone(), faults::inject))
        .layer(from_fn_with_state(emulator.clone(), journal::record))
        .layer(from_fn(security_headers))
        .layer(CatchPanicLayer::custom(on_panic))
        .with_state(emulator)
}

/// Serves the emulator on `listener` until `shutdown` resolves, with a header read timeout and
/// a connection cap (`http_serve::Limits::default()`), so half-sent requests cannot take it down.
pub async fn serve(
    listener: TcpListener,
    emulator: Emulator,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let served = http_serve::Served::default();
    http_serve::serve(listener, router(emulator), http_serve::Limits::default(), served, shutdown).await
}

/// An emulator serving in the background; dropping it shuts the server down.
pub struct RunningEmulator {
    /// `http://127.0.0.1:<port>`: both the OAuth host and the API host.
    pub base_url: String,
    /// The bound address.
    pub addr: SocketAddr,
    /// The state, for direct access from tests.
    pub emulator: Emulator,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl RunningEmulator {
    /// Binds `addr` (use port 0 for any free port) and starts serving. Returns once the socket is
    /// listening, so requests can be sent at once.
    pub async fn start(emulator: Emulator, addr: SocketAddr) -> io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, emulator.clone(), async move {
            let _ = rx.await;
        }));
        Ok(Self { base_url: format!("http://{addr}"), addr, emulator, shutdown: Some(tx), task: Some(task) })
    }

    /// Stops accepting connections and waits for in-flight requests to finish.
    pub async fn stop(mut self) -> io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(task) => task.await.map_err(io::Error::other)?,
            None => Ok(()),
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Headers on every response: no framing (clickjacking on the consent page), no referrer (codes
/// must not leak), no sniffing, a CSP that allows only inline styles, and no caching (tokens,
/// codes, roster data and CSRF-bearing pages must never sit in a shared cache).
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let fixed: [(HeaderName, &'static str); 5] = [
        (header::CACHE_CONTROL, "no-store"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
        ),
    ];
    for (name, value) in fixed {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    }
    response
}
