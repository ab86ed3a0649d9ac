//! Background sync: a worker that re-syncs teachers' classes from the job queue in the database
//! (see `JobStore::claim_sync_job`) while their Clever token is valid.
//!
//! A job is claimed with a lease ([`LEASE`]); only its holder can finish it, and a job whose
//! worker died (a replica killed mid-sync) is claimed again by any worker once the lease ends.
//! An interrupted sync leaves every section either as it was or fully synced (SQLite writes a
//! whole sync in one transaction, PostgreSQL each section in its own), and the next run converges. A teacher whose token is
//! missing or expired has their job removed (the sync run recorded says "reconnect Clever",
//! which the dashboard shows); logging in again schedules it anew.

use std::future::Future;
use std::time::Duration as StdDuration;

use rollcall_core::UserId;
use time::{Duration, OffsetDateTime};

use crate::sync::SyncService;
use rollcall_store::SyncTrigger;

/// How long a claimed job stays with its worker before another may take it over. Longer than
/// any sync should take; a worker that dies holds its job at most this long.
pub const LEASE: Duration = Duration::minutes(5);

/// How often a job is re-run when the config does not say (the worker is off then anyway).
pub const DEFAULT_EVERY: Duration = Duration::hours(6);

/// When a sync failed (Clever down, a store error), how long until it is tried again at most.
pub const RETRY_AFTER: Duration = Duration::minutes(15);

/// What one worker step did with the job it claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobReport {
    /// The teacher whose classes were synced.
    pub teacher: UserId,
    /// When the job runs next; `None` if it was removed (the teacher must reconnect Clever).
    pub next_run: Option<OffsetDateTime>,
    /// Why the run failed, if it did.
    pub error: Option<String>,
    /// Whether this worker still held the job when it finished (false: its lease ran out and
    /// another worker took the job over, so this result was not recorded on the job).
    pub finished: bool,
}

/// How often teachers' classes are re-synced: the configured interval, else [`DEFAULT_EVERY`].
fn every(sync: &SyncService) -> Duration {
    sync.every().unwrap_or(DEFAULT_EVERY)
}

/// Claims one due job as `worker_id` and runs it: syncs the teacher's classes (trigger
/// `background`) and reschedules the job, or removes it if the Clever token is missing or
/// expired. `None` if no job was due (or the store failed; that is logged).
pub async fn work_once(sync: &impl AsRef<SyncService>, worker_id: &str) -> Option<JobReport> {
    let sync = sync.as_ref();
    let store = sync.store();
    let job = match store.claim_sync_job(worker_id, sync.now(), LEASE).await {
        Ok(job) => job?,
        Err(error) => {
            tracing::error!(%error, "could not claim a background sync job");
            return None;
        }
    };
    let teacher = job.user_id;
    let clever_id = match store.user(teacher).await {
        Ok(user) => user.and_then(|u| u.clever_id),
        Err(error) => {
            tracing::error!(%error, teacher = %teacher, "background sync: could not load the teacher");
            // Leave the job held: it is retried when the lease ends.
            return None;
        }
    };
    let (next_run, error) = match clever_id {
        None => (None, Some("the account has no Clever login".to_owned())),
        Some(clever_id) => {
            let outcome = sync.teacher(teacher, clever_id, SyncTrigger::Background).await;
            let now = sync.now();
            if outcome.reconnect {
                (None, Some(rollcall_core::RECONNECT_ADVICE.to_owned()))
            } else if outcome.failed {
                (Some(now + every(sync).min(RETRY_AFTER)), outcome.problems.first().cloned())
            } else {
                (Some(now + every(sync)), None)
            }
        }
    };
    let finished = match store.finish_sync_job(teacher, worker_id, next_run, error.as_deref()).await {
        Ok(finished) => finished,
        Err(error) => {
            tracing::error!(%error, teacher = %teacher, "could not finish a background sync job");
            false
        }
    };
    if !finished {
        tracing::warn!(teacher = %teacher, worker = worker_id, "background sync job was taken over");
    }
    Some(JobReport { teacher, next_run, error, finished })
}

/// Runs background syncs until `shutdown` resolves: works through every due job, then waits
/// `interval` (or until shutdown) before looking again. A sync in progress when shutdown comes
/// runs to its end first.
pub async fn run_worker(
    sync: impl AsRef<SyncService>,
    worker_id: String,
    interval: StdDuration,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    tracing::info!(worker = %worker_id, "background sync worker started");
    loop {
        while work_once(&sync, &worker_id).await.is_some() {
            if futures::FutureExt::now_or_never(&mut shutdown).is_some() {
                return;
            }
        }
        tokio::select! {
            () = &mut shutdown => break,
            () = tokio::time::sleep(interval) => {}
        }
    }
    tracing::info!(worker = %worker_id, "background sync worker stopped");
}
