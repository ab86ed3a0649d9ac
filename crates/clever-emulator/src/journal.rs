//! The request journal: every request outside `/__admin`, newest last, so a test can assert on
//! exactly what an app sent (WireMock's request journal, for Clever).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use parking_lot::Mutex;
use serde::Serialize;

use crate::clock::rfc3339;
use crate::state::Emulator;

/// One recorded request.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JournalEntry {
    /// Sequence number, from 1.
    pub seq: u64,
    /// Emulated time the request arrived (RFC 3339).
    pub at: String,
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// `basic`, `bearer`, or absent: which credentials were sent (never their value).
    pub auth: Option<String>,
    /// Response status.
    pub status: u16,
    /// Time spent answering, in microseconds.
    pub micros: u64,
    /// Other requests (outside `/__admin`) being answered when this one arrived: how a client's
    /// calls overlap, which the arrival times cannot show while the emulated clock stands still.
    pub in_flight: u64,
}

/// A bounded journal (oldest entries dropped first).
#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    inner: Mutex<(u64, VecDeque<JournalEntry>)>,
    /// Requests being answered now.
    in_flight: AtomicU64,
}

impl Journal {
    /// A journal keeping at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self { capacity, inner: Mutex::new((0, VecDeque::new())), in_flight: AtomicU64::new(0) }
    }

    fn push(&self, mut entry: JournalEntry) {
        if self.capacity == 0 {
            return;
        }
        let mut inner = self.inner.lock();
        inner.0 += 1;
        entry.seq = inner.0;
        if inner.1.len() == self.capacity {
            inner.1.pop_front();
        }
        inner.1.push_back(entry);
    }

    /// All entries, oldest first.
    pub fn entries(&self) -> Vec<JournalEntry> {
        self.inner.lock().1.iter().cloned().collect()
    }

    /// Forgets every entry (sequence numbers keep counting).
    pub fn clear(&self) {
        self.inner.lock().1.clear();
    }
}

/// Middleware recording every non-admin request.
pub async fn record(State(emulator): State<Emulator>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if path.starts_with("/__admin") {
        return next.run(request).await;
    }
    let method = request.method().to_string();
    let query = request.uri().query().map(str::to_owned);
    let auth = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split_whitespace().next().unwrap_or_default().to_ascii_lowercase());
    let at = rfc3339(emulator.now());
    let started = Instant::now();
    let journal = emulator.journal();
    let in_flight = journal.in_flight.fetch_add(1, Ordering::SeqCst);
    // Counted down however the request ends, a dropped connection included.
    let _arrived = Arrived(&journal.in_flight);
    let response = next.run(request).await;
    journal.push(JournalEntry {
        seq: 0,
        at,
        method,
        path,
        query,
        auth,
        status: response.status().as_u16(),
        micros: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        in_flight,
    });
    response
}

/// One request being answered, counted in [`Journal`]'s `in_flight` until dropped.
struct Arrived<'a>(&'a AtomicU64);

impl Drop for Arrived<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
