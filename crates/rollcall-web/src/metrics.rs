//! Operator metrics in the Prometheus text format, and a request log. Counters are plain atomics:
//! a handful of numbers does not need a metrics framework.
//!
//! `/metrics` is off unless a bearer token is configured (`--metrics-token`), and then requires
//! it: sync and login counts are not for the public internet.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use rollcall_store::WriterStats;

use crate::clever_calls::CleverCalls;

/// The app's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    requests_2xx: AtomicU64,
    requests_3xx: AtomicU64,
    requests_4xx: AtomicU64,
    requests_5xx: AtomicU64,
    request_micros: AtomicU64,
    logins: [AtomicU64; 2],
    login_failures: AtomicU64,
    syncs_ok: AtomicU64,
    syncs_partial: AtomicU64,
    syncs_failed: AtomicU64,
    sync_micros: AtomicU64,
    clever_calls: Arc<CleverCalls>,
    connections: http_serve::Served,
}

/// Which kind of account signed in.
#[derive(Debug, Clone, Copy)]
pub enum LoginKind {
    /// A teacher.
    Teacher = 0,
    /// A student.
    Student = 1,
}

impl Metrics {
    /// The calls to Clever, to hand the client as its observer.
    pub fn clever_calls(&self) -> Arc<CleverCalls> {
        self.clever_calls.clone()
    }

    /// The server's live connection counts, to hand the serving loop.
    pub fn connections(&self) -> http_serve::Served {
        self.connections.clone()
    }

    /// Counts a completed Clever login.
    pub fn login(&self, kind: LoginKind) {
        self.logins[kind as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a Clever login that ended on an error page.
    pub fn login_failed(&self) {
        self.login_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a finished sync and its duration.
    pub fn sync(&self, failed: bool, errors: u32, took: std::time::Duration) {
        let counter = match (failed, errors) {
            (true, _) => &self.syncs_failed,
            (false, 0) => &self.syncs_ok,
            (false, _) => &self.syncs_partial,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        self.sync_micros.fetch_add(micros(took), Ordering::Relaxed);
    }

    fn request(&self, status: StatusCode, took: std::time::Duration) {
        let counter = match status.as_u16() {
            200..=299 => &self.requests_2xx,
            300..=399 => &self.requests_3xx,
            400..=499 => &self.requests_4xx,
            _ => &self.requests_5xx,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        self.request_micros.fetch_add(micros(took), Ordering::Relaxed);
    }

    /// The Prometheus text exposition, with the store's single writer's counts if it has one.
    pub fn render(&self, writer: Option<WriterStats>) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let secs = |c: &AtomicU64| c.load(Ordering::Relaxed) as f64 / 1e6;
        let mut out = String::new();
        let _ = writeln!(out, "# HELP rollcall_http_requests_total HTTP requests answered, by status class.");
        let _ = writeln!(out, "# TYPE rollcall_http_requests_total counter");
        for (class, c) in [
            ("2xx", &self.requests_2xx),
            ("3xx", &self.requests_3xx),
            ("4xx", &self.requests_4xx),
            ("5xx", &self.requests_5xx),
        ] {
            let _ = writeln!(out, "rollcall_http_requests_total{{status=\"{class}\"}} {}", get(c));
        }
        let _ = writeln!(out, "# HELP rollcall_http_request_seconds_total Time spent answering requests.");
        let _ = writeln!(out, "# TYPE rollcall_http_request_seconds_total counter");
        let _ = writeln!(out, "rollcall_http_request_seconds_total {}", secs(&self.request_micros));
        let _ = writeln!(out, "# HELP rollcall_http_connections Connections being served now.");
        let _ = writeln!(out, "# TYPE rollcall_http_connections gauge");
        let _ = writeln!(out, "rollcall_http_connections {}", self.connections.open_connections());
        let _ = writeln!(
            out,
            "# HELP rollcall_http_connections_refused_total Connections answered 503 because the connection cap (--max-connections) was reached."
        );
        let _ = writeln!(out, "# TYPE rollcall_http_connections_refused_total counter");
        let _ = writeln!(
            out,
            "rollcall_http_connections_refused_total {}",
            self.connections.refused_connections()
        );
        let _ = writeln!(out, "# HELP rollcall_logins_total Completed Clever logins, by role.");
        let _ = writeln!(out, "# TYPE rollcall_logins_total counter");
        let _ = writeln!(out, "rollcall_logins_total{{role=\"teacher\"}} {}", get(&self.logins[0]));
        let _ = writeln!(out, "rollcall_logins_total{{role=\"student\"}} {}", get(&self.logins[1]));
        let _ =
            writeln!(out, "# HELP rollcall_login_failures_total Clever logins that ended on an error page.");
        let _ = writeln!(out, "# TYPE rollcall_login_failures_total counter");
        let _ = writeln!(out, "rollcall_login_failures_total {}", get(&self.login_failures));
        let _ = writeln!(
            out,
            "# HELP rollcall_syncs_total Finished syncs: ok, partial (some sections skipped), failed."
        );
        let _ = writeln!(out, "# TYPE rollcall_syncs_total counter");
        for (outcome, c) in
            [("ok", &self.syncs_ok), ("partial", &self.syncs_partial), ("failed", &self.syncs_failed)]
        {
            let _ = writeln!(out, "rollcall_syncs_total{{outcome=\"{outcome}\"}} {}", get(c));
        }
        let _ = writeln!(out, "# HELP rollcall_sync_seconds_total Time spent syncing.");
        let _ = writeln!(out, "# TYPE rollcall_sync_seconds_total counter");
        let _ = writeln!(out, "rollcall_sync_seconds_total {}", secs(&self.sync_micros));
        self.clever_calls.render(&mut out);
        if let Some(writer) = writer {
            render_writer(&mut out, writer);
        }
        out
    }
}

/// SQLite's single writer: `rate(rollcall_sqlite_write_busy_seconds_total)` near 1 means it is
/// saturated (writes queue behind it, and more CPUs will not help).
fn render_writer(out: &mut String, writer: WriterStats) {
    let _ =
        writeln!(out, "# HELP rollcall_sqlite_writes_total Write transactions on SQLite's one write lock.");
    let _ = writeln!(out, "# TYPE rollcall_sqlite_writes_total counter");
    let _ = writeln!(out, "rollcall_sqlite_writes_total {}", writer.writes);
    let _ = writeln!(
        out,
        "# HELP rollcall_sqlite_write_busy_seconds_total Time SQLite's write lock was held by this process."
    );
    let _ = writeln!(out, "# TYPE rollcall_sqlite_write_busy_seconds_total counter");
    let _ = writeln!(out, "rollcall_sqlite_write_busy_seconds_total {}", writer.busy.as_secs_f64());
    let _ = writeln!(
        out,
        "# HELP rollcall_sqlite_write_wait_seconds_total Time writes waited for the write lock."
    );
    let _ = writeln!(out, "# TYPE rollcall_sqlite_write_wait_seconds_total counter");
    let _ = writeln!(out, "rollcall_sqlite_write_wait_seconds_total {}", writer.waiting.as_secs_f64());
}

fn micros(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// Counts every request and logs it at debug (method, path, status, time; INFO carries one line
/// per login, sync and failure instead, so a busy server's log stays readable). The query string is never
/// logged: the OAuth callback's carries a sign-in code.
pub async fn observe(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let took = started.elapsed();
    metrics.request(response.status(), took);
    tracing::debug!(%method, %path, status = response.status().as_u16(), micros = micros(took), "request");
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_counts_what_happened() {
        let m = Metrics::default();
        m.login(LoginKind::Teacher);
        m.sync(false, 1, std::time::Duration::from_millis(1500));
        m.request(StatusCode::SEE_OTHER, std::time::Duration::from_millis(2));
        let text = m.render(None);
        assert!(text.contains("rollcall_logins_total{role=\"teacher\"} 1"), "{text}");
        assert!(text.contains("rollcall_syncs_total{outcome=\"partial\"} 1"));
        assert!(text.contains("rollcall_sync_seconds_total 1.5"));
        assert!(text.contains("rollcall_http_requests_total{status=\"3xx\"} 1"));
        assert!(!text.contains("rollcall_sqlite"), "a store without a single writer shows none");

        let writer = WriterStats {
            writes: 3,
            busy: std::time::Duration::from_millis(250),
            waiting: std::time::Duration::from_millis(40),
        };
        let text = m.render(Some(writer));
        assert!(text.contains("rollcall_sqlite_writes_total 3\n"), "{text}");
        assert!(text.contains("rollcall_sqlite_write_busy_seconds_total 0.25\n"), "{text}");
        assert!(text.contains("rollcall_sqlite_write_wait_seconds_total 0.04\n"), "{text}");
    }
}
