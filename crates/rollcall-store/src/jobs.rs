//! The background sync queue: one job per teacher, claimed with a lease by any replica's worker.

use async_trait::async_trait;
use rollcall_core::UserId;
use time::OffsetDateTime;

use crate::{StoreResult, SyncJob};

/// Background sync jobs.
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Makes sure the teacher has a background sync job due at `run_after` or earlier: creates it
    /// (stamped `now`), or moves an existing job's time earlier (a later `run_after` changes
    /// nothing). One job per teacher, race-free. A job being run keeps its holder.
    async fn schedule_sync(
        &self,
        teacher: UserId,
        run_after: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<()>;

    /// Atomically claims one job that is due at `now` (`run_after <= now`) and not held (never
    /// claimed, finished, or its lease ended at or before `now`), earliest first: it is held by
    /// `worker` until `now + lease` and its attempts go up by one. Of any number of concurrent
    /// claimers, on any replica, exactly one gets a given job. `None` if nothing is due.
    async fn claim_sync_job(
        &self,
        worker: &str,
        now: OffsetDateTime,
        lease: time::Duration,
    ) -> StoreResult<Option<SyncJob>>;

    /// Releases the teacher's job held by `worker`: with `next_run`, it is due again then (and
    /// `error` is kept as its last error; attempts restart after a run without error); with
    /// `None` the job is removed (the teacher must reconnect Clever first). Returns `false`, and
    /// changes nothing, if `worker` does not hold the job (its lease ran out and another worker
    /// claimed it, or there is no job).
    async fn finish_sync_job(
        &self,
        teacher: UserId,
        worker: &str,
        next_run: Option<OffsetDateTime>,
        error: Option<&str>,
    ) -> StoreResult<bool>;

    /// The teacher's job, if any.
    async fn sync_job(&self, teacher: UserId) -> StoreResult<Option<SyncJob>>;
}
