//! A closed-loop load generator: N workers, each sending one request at a time over keep-alive
//! connections until the deadline. It runs on the same cores as the server under test, as the
//! reference measurements in the design notes do.

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
    let pick = |q: f64| {
        let idx = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies.get(idx).copied().unwrap_or_default()
    };
    LoadResult { ok, failed, elapsed, p50: pick(0.50), p99: pick(0.99) }
}
