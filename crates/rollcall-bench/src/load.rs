//! Load generators: closed loop ([`run`]: N workers, each sending one request at a time over
//! keep-alive connections until the deadline) and open loop ([`run_open`]: requests at a fixed
//! rate, answered or not). They run on the same cores as the server under test, as the reference
//! measurements in the design notes do.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Outcome of one load run.
#[derive(Debug, Clone)]
pub struct LoadResult {
    /// Successful requests.
    pub ok: u64,
    /// Requests that failed (wrong status or transport error).
    pub failed: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Median latency.
    pub p50: Duration,
    /// 99th-percentile latency.
    pub p99: Duration,
}

impl LoadResult {
    /// Successful requests per second.
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }
}

/// Runs `request(worker, i)` from `workers` concurrent tasks for `duration`. `request` returns
/// `Some(true)` on success, `Some(false)` on failure, and `None` when the worker has no more work.
pub async fn run<F, Fut>(workers: usize, duration: Duration, request: F) -> LoadResult
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Option<bool>> + Send,
{
    let request = Arc::new(request);
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::with_capacity(workers);
    for worker in 0..workers {
        let request = Arc::clone(&request);
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut failed, mut latencies) = (0u64, 0u64, Vec::new());
            let mut i = 0;
            while Instant::now() < deadline {
                let t0 = Instant::now();
                match request(worker, i).await {
                    Some(true) => ok += 1,
                    Some(false) => failed += 1,
                    None => break,
                }
                latencies.push(t0.elapsed());
                i += 1;
            }
            (ok, failed, latencies)
        }));
    }
    let (mut ok, mut failed, mut latencies) = (0, 0, Vec::new());
    for task in tasks {
        if let Ok((o, f, l)) = task.await {
            ok += o;
            failed += f;
            latencies.extend(l);
        }
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    LoadResult { ok, failed, elapsed, p50: percentile(&latencies, 0.50), p99: percentile(&latencies, 0.99) }
}

/// The `q` quantile (0.99 for p99) of latencies sorted in ascending order; zero if there are none.
pub fn percentile(sorted: &[Duration], q: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted.get(idx).copied().unwrap_or_default()
}

/// What an open-loop run sent.
#[derive(Debug, Clone, Copy)]
pub struct OpenLoop {
    /// Requests started.
    pub sent: u64,
    /// Requests due while `max_in_flight` were still unanswered, not sent.
    pub not_sent: u64,
}

/// An open-loop load: request `i` is due at `rate × i` seconds from the start, whether or not the
/// earlier ones were answered (as users arrive), for `duration`; then it waits for the requests
/// still in flight. `request(i, due)` gets the time its request was due, so that its latency can
/// count from then: a request the generator started late was late for its user too. With
/// `max_in_flight` requests unanswered, a due request is not sent but counted (a server that has
/// fallen that far behind would otherwise pile up tasks without end), and `not_sent(i)` is told.
pub async fn run_open<F, Fut, S>(
    rate: f64,
    duration: Duration,
    max_in_flight: usize,
    request: F,
    not_sent: S,
) -> OpenLoop
where
    F: Fn(u64, Instant) -> Fut,
    S: Fn(u64),
    Fut: Future<Output = ()> + Send + 'static,
{
    let started = tokio::time::Instant::now();
    let gap = Duration::from_secs_f64(1.0 / rate);
    let in_flight = Arc::new(tokio::sync::Semaphore::new(max_in_flight));
    let mut tasks = tokio::task::JoinSet::new();
    let (mut sent, mut skipped) = (0u64, 0u64);
    for i in 0.. {
        let due = started + gap.mul_f64(i as f64);
        if due.duration_since(started) >= duration {
            break;
        }
        tokio::time::sleep_until(due).await;
        // Reap the answered ones as we go, so the set holds only what is in flight.
        while tasks.try_join_next().is_some() {}
        let Ok(turn) = Arc::clone(&in_flight).try_acquire_owned() else {
            skipped += 1;
            not_sent(i);
            continue;
        };
        let work = request(i, due.into_std());
        tasks.spawn(async move {
            work.await;
            drop(turn);
        });
        sent += 1;
    }
    while tasks.join_next().await.is_some() {}
    OpenLoop { sent, not_sent: skipped }
}
