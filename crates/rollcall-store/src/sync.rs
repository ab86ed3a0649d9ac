//! Roster sync: the planner's snapshot, writing a sync's plan, the runs on record, and the lease
//! that keeps one sync of a teacher at a time across replicas.

use async_trait::async_trait;
use rollcall_core::{CleverId, LocalSnapshot, SectionChange, SectionUnlink, UserId};
use time::OffsetDateTime;

use crate::{RunRecord, StoreError, StoreResult, SyncRun};

/// Roster sync and its leases.
#[async_trait]
pub trait SyncStore: Send + Sync {
    /// What the planner needs: the teacher's linked sections (any state) plus the local sections
    /// with these Clever ids, each with its enrollments.
    async fn snapshot(&self, teacher: UserId, clever_ids: &[CleverId]) -> StoreResult<LocalSnapshot>;

    /// Writes a sync: every section change, then every unlink, then (with `run`) the run's record
    /// and its `sync_run` audit entry, giving back `run.lease_holder`'s sync lease. Returns the
    /// run's id when one was recorded.
    ///
    /// A section change upserts the section by Clever id (with `roster_unknown_since` set when
    /// the plan's section says Clever did not list its students, kept from an earlier sync that
    /// said so, and cleared when it did list them), links the teacher (`primary` or `co` as the
    /// plan says; a flagged link is restored), un-archives it, and applies the enrollment
    /// changes (students are upserted by Clever id, creating accounts for students who never
    /// logged in; a grade the plan leaves `None` keeps the stored one); it stamps
    /// `last_synced_at`. An unlink flags
    /// the teacher's link to a section Clever no longer lists for them and archives the section
    /// if no teacher remains actively linked; it fails with `NotFound` if the teacher was never
    /// linked. Nothing is deleted.
    ///
    /// Each section's change is atomic, and the run is recorded only once every change is
    /// written. SQLite writes the whole sync (every section change and unlink, the run, its
    /// audit entry and the lease's return) in one transaction, so a failure writes nothing: it
    /// has one writer, and one commit writes the index pages the sections share once instead of
    /// once per section. PostgreSQL gives each section change and each unlink its own
    /// transaction, so co-teachers syncing overlapping rosters at once never hold locks across
    /// sections (no deadlocks), then records the run in one more; a failure there leaves the
    /// changes already written committed and records no run.
    async fn apply_sync(
        &self,
        teacher: UserId,
        changes: &[SectionChange],
        unlinks: &[SectionUnlink],
        now: OffsetDateTime,
        run: Option<&RunRecord>,
    ) -> StoreResult<Option<i64>>;

    /// Records a finished sync run that wrote nothing (it failed or stopped before writing) and
    /// returns its id: [`SyncStore::apply_sync`] with no changes. The audit entry's actor is the
    /// teacher for a login or the button, none for background and CLI runs; its detail is the
    /// trigger and counts in words. With `run.lease_holder`, the transaction also gives back that
    /// holder's sync lease ([`SyncStore::release_sync_lease`]): how a sync ends, so the lease is free
    /// exactly when the run is on record and a replica waiting for the lease finds the run.
    async fn record_sync_run(&self, teacher: UserId, run: &RunRecord) -> StoreResult<i64> {
        self.apply_sync(teacher, &[], &[], run.finished_at, Some(run))
            .await?
            .ok_or_else(|| StoreError::Corrupt("a sync run was recorded without an id".into()))
    }

    /// The teacher's most recent sync runs, newest first.
    async fn sync_runs(&self, teacher: UserId, limit: u32) -> StoreResult<Vec<SyncRun>>;

    /// Every teacher with a linked Clever id and a Clever token still valid at `now`, by id:
    /// the accounts a sync of "all teachers" can reach.
    async fn teachers_to_sync(&self, now: OffsetDateTime) -> StoreResult<Vec<(UserId, CleverId)>>;

    /// Takes the teacher's sync lease for `holder` until `now + lease`, if nobody else holds a
    /// live one (a lease that ran out is taken over; `holder`'s own is extended, which is how a
    /// long sync keeps it). Returns whether `holder` now holds it.
    async fn take_sync_lease(
        &self,
        teacher: UserId,
        holder: &str,
        now: OffsetDateTime,
        lease: time::Duration,
    ) -> StoreResult<bool>;

    /// Gives the lease back, if `holder` still holds it.
    async fn release_sync_lease(&self, teacher: UserId, holder: &str) -> StoreResult<()>;

    /// Whether anyone holds a live lease on the teacher's sync at `now`: a sync of their classes
    /// is running in some Rollcall process (a replica, `rollcall sync`).
    async fn sync_in_progress(&self, teacher: UserId, now: OffsetDateTime) -> StoreResult<bool>;
}
