//! The writer thread: where the `Store` methods' write transactions run (all but `set_admin`'s;
//! the other traits' writes run in the caller's task, see the module docs of `sqlite`).
//!
//! Every statement of a transaction is a round trip to sqlx's worker thread for the connection.
//! When the transaction runs in the caller's task, each answer wakes that task from outside the
//! application's runtime, so under load it is queued behind the HTTP work (tokio looks at such
//! wake-ups only every few dozen polls), all the while holding SQLite's one write lock. Here the
//! transaction runs on a thread of its own, with a single-threaded runtime that has nothing else
//! to do, so it resumes as soon as each answer arrives and hands the lock on sooner.
//!
//! Jobs run one after another in the order they were sent (as the write turn hands the lock on),
//! each still taking the store's write turn and beginning with `BEGIN IMMEDIATE` (or being one
//! statement), so the transactions are the same as in the caller's task; only who waits for
//! their statements differs. A job runs to its end even if its caller goes away (like a spawned
//! task): a transaction either commits or not. The thread stops when the last clone of the
//! store is dropped.

use std::future::Future;
use std::pin::Pin;

use tokio::sync::{mpsc, oneshot};

use crate::{StoreError, StoreResult};

type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The queue to the writer thread.
#[derive(Debug)]
pub(super) struct Writer {
    jobs: mpsc::UnboundedSender<Job>,
}

impl Writer {
    /// Starts the thread.
    pub(super) fn start() -> StoreResult<Self> {
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
        Ok(Self { jobs })
    }

    /// Runs `job` on the writer thread after the jobs sent before it, and returns its result.
    pub(super) async fn run<T, F>(&self, job: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: Future<Output = StoreResult<T>> + Send + 'static,
    {
        let (done, result) = oneshot::channel();
        self.jobs
            .send(Box::pin(async move {
                let _ = done.send(job.await);
            }))
            .map_err(|_| gone())?;
        result.await.map_err(|_| gone())?
    }
}

/// The writer thread stopped (or the job panicked).
fn gone() -> StoreError {
    StoreError::Database(sqlx::Error::WorkerCrashed)
}
