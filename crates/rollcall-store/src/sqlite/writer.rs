//! The writer: the one path every write of a running store takes. Each write is a job that runs
//! on a thread of its own, one job after another in the order they were sent, on the store's
//! one write connection (`write_pool`); the migrations on open are the only writes that do not
//! come through here.
//!
//! One at a time, in order: this process's writers queue here rather than in SQLite's busy
//! handler, which polls with sleeps of up to 100 ms, so under load the lock would sit free while
//! every waiter slept. Each job still begins with `BEGIN IMMEDIATE` (or is one statement), so the
//! busy timeout still covers writers in other processes (`rollcall admin` beside `serve`).
//!
//! On a thread of its own: every statement is a round trip to sqlx's worker thread for the
//! connection. A transaction run in the caller's task would be woken by each answer from outside
//! the application's runtime and queued behind HTTP work, all the while holding SQLite's one
//! write lock; here a single-threaded runtime with nothing else to do resumes it as soon as each
//! answer arrives, and the lock is handed on sooner.
//!
//! A job runs to its end even if its caller goes away (like a spawned task): a transaction either
//! commits or not. The thread stops when the last clone of the store is dropped.
//!
//! The counts ([`crate::WriterStats`]) are how an operator sees the one writer saturate: when a
//! job is running nearly all the time, writes queue and logins slow down whatever the CPUs do.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sqlx::SqlitePool;
use tokio::sync::{mpsc, oneshot};

use crate::{StoreError, StoreResult, WriterStats};

type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The queue to the writer thread, and its counts.
#[derive(Debug)]
pub(super) struct Writer {
    jobs: mpsc::UnboundedSender<Job>,
    pool: SqlitePool,
    counts: Arc<Counts>,
}

/// What the writer has done so far.
#[derive(Debug, Default)]
struct Counts {
    writes: AtomicU64,
    busy_micros: AtomicU64,
    waiting_micros: AtomicU64,
}

impl Writer {
    /// Starts the thread, which writes through `pool` (the store's write connection).
    pub(super) fn start(pool: SqlitePool) -> StoreResult<Self> {
        let thread_error =
            |e: std::io::Error| StoreError::Corrupt(format!("cannot start the writer thread: {e}"));
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(thread_error)?;
        let (jobs, mut queue) = mpsc::unbounded_channel::<Job>();
        std::thread::Builder::new()
            .name("rollcall-sqlite-writer".into())
            .spawn(move || {
                runtime.block_on(async move {
                    while let Some(job) = queue.recv().await {
                        // Spawned so that a job that panics fails alone: its caller sees the
                        // writer gone for that one job, and the next job runs.
                        let _ = tokio::spawn(job).await;
                    }
                });
            })
            .map_err(thread_error)?;
        Ok(Self { jobs, pool, counts: Arc::default() })
    }

    /// Runs `write` (given the write connection's pool) on the writer thread after the jobs sent
    /// before it, and returns its result.
    pub(super) async fn run<T, F, Fut>(&self, write: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(SqlitePool) -> Fut + Send + 'static,
        Fut: Future<Output = StoreResult<T>> + Send,
    {
        let (done, result) = oneshot::channel();
        let (pool, counts, queued) = (self.pool.clone(), Arc::clone(&self.counts), Instant::now());
        self.jobs
            .send(Box::pin(async move {
                let began = Instant::now();
                counts.waiting_micros.fetch_add(micros(began - queued), Ordering::Relaxed);
                let outcome = write(pool).await;
                counts.busy_micros.fetch_add(micros(began.elapsed()), Ordering::Relaxed);
                counts.writes.fetch_add(1, Ordering::Relaxed);
                let _ = done.send(outcome);
            }))
            .map_err(|_| gone())?;
        result.await.map_err(|_| gone())?
    }

    /// The counts so far.
    pub(super) fn stats(&self) -> WriterStats {
        let duration = |c: &AtomicU64| Duration::from_micros(c.load(Ordering::Relaxed));
        WriterStats {
            writes: self.counts.writes.load(Ordering::Relaxed),
            busy: duration(&self.counts.busy_micros),
            waiting: duration(&self.counts.waiting_micros),
        }
    }
}

/// The writer thread stopped (or the job panicked).
fn gone() -> StoreError {
    StoreError::Database(sqlx::Error::WorkerCrashed)
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_one_at_a_time_in_order_and_each_is_counted_when_it_ends() {
        let pool = SqlitePool::connect("sqlite::memory:").await.unwrap();
        let writer = Writer::start(pool).unwrap();
        let (release, held) = oneshot::channel::<()>();
        let (started, first_running) = oneshot::channel::<()>();
        let first = writer.run(move |_| async move {
            let _ = started.send(());
            let _ = held.await;
            Ok("first")
        });
        let second = writer.run(|_| async { Ok("second") });
        let (mut first, mut second) = (Box::pin(first), Box::pin(second));
        assert!(futures::poll!(first.as_mut()).is_pending());
        first_running.await.unwrap();
        assert!(futures::poll!(second.as_mut()).is_pending(), "a job ran beside another");
        assert_eq!(writer.stats().writes, 0, "a job still running is not counted yet");

        release.send(()).unwrap();
        assert_eq!(first.await.unwrap(), "first");
        assert_eq!(second.await.unwrap(), "second");
        assert_eq!(writer.stats().writes, 2);
    }
}
