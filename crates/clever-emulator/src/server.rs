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
    let routes = Router::new()
        .merge(oauth::routes().layer(small))
        .merge(portal::routes().layer(small))
        .merge(api::routes().layer(small))
        .merge(admin::routes().layer(DefaultBodyLimit::max(surface::ADMIN_BODY_LIMIT)));
    with_layers(routes, emulator)
}

/// The layers every route sits under, innermost first: refusals shaped per surface, fault
/// injection, the journal, security headers, and the panic guard outermost.
fn with_layers(routes: Router<Emulator>, emulator: Emulator) -> Router {
    let on_panic = {
        let emulator = emulator.clone();
        move |panic: Box<dyn Any + Send + 'static>| {
            emulator.mark_broken();
            tracing::error!("a request handler panicked; the emulator is broken until POST /__admin/reset");
            surface::panic_response(panic.as_ref())
        }
    };
    routes
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use axum::body::Body;
    use axum::http::{Method, StatusCode};
    use axum::routing::get;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;
    use crate::{Clock, EmulatorConfig, Seed};

    async fn send(app: &Router, method: Method, path: &str) -> (StatusCode, serde_json::Value) {
        let body = if method == Method::POST { Body::from("{}") } else { Body::empty() };
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body)
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null))
    }

    /// No route of the emulator panics on purpose (settings are checked when it is built), so
    /// the guard is tested on a route that does, under the same layers.
    #[tokio::test]
    async fn a_panicking_handler_answers_500_and_health_says_broken_until_reset() {
        let emulator = Emulator::new(Seed::demo(), EmulatorConfig::default(), Clock::system()).unwrap();
        async fn boom() -> StatusCode {
            panic!("boom")
        }
        let routes = admin::routes().route("/boom", get(boom));
        let app = with_layers(routes, emulator);
        assert_eq!(send(&app, Method::GET, "/__admin/health").await.0, StatusCode::OK);

        let (status, body) = send(&app, Method::GET, "/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(body["error"].as_str().unwrap().contains("POST /__admin/reset"), "{body}");

        let (status, body) = send(&app, Method::GET, "/__admin/health").await;
        assert_eq!((status, body["status"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("broken")));
        assert_eq!(send(&app, Method::GET, "/__admin/clock").await.0, StatusCode::OK, "others still answer");

        assert_eq!(send(&app, Method::POST, "/__admin/reset").await.0, StatusCode::OK);
        let (status, body) = send(&app, Method::GET, "/__admin/health").await;
        assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("ok")));
    }
}
