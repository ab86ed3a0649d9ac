#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod accounts;
mod audit;
mod classwork;
mod error;
mod forward;
mod postgres;
mod records;
mod rows;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use rollcall_core::{CleverId, LocalSnapshot, SectionChange, SectionId, SectionUnlink, UserId};
use time::OffsetDateTime;

pub use accounts::{AccountStore, Conflict, FailureCount, LocalCredential, MergeReport, NewLocalAccount};
pub use audit::{AuditAction, AuditEntry, AuditFilter, AuditStore, NewAuditEntry};
pub use classwork::{Assignment, ClassworkStore, Completion, NewAssignment, StudentAssignment};
pub use error::StoreError;
pub use postgres::{DEFAULT_POOL_SIZE as DEFAULT_PG_POOL_SIZE, PgStore};
pub use records::{
    AccountRole, CallbackClaim, CleverProfile, RosterEntry, RunRecord, SealedToken, SectionRoster,
    SectionSummary, Session, StudentSection, SyncJob, SyncRun, SyncTrigger, TeacherDashboard, User,
};
pub use sqlite::SqliteStore;

/// Store results.
pub type StoreResult<T> = Result<T, StoreError>;

/// How long [`Store::claim_callback`] remembers a code. Clever's codes live 60 s, so a claim
/// this old can only belong to a dead code, and its row may be deleted or reused.
pub const CALLBACK_TTL: time::Duration = time::Duration::minutes(10);

/// Opens (and migrates) the store a database URL names: [`SqliteStore`] for `sqlite:` URLs
/// (`sqlite://rollcall.db`, `sqlite::memory:`), [`PgStore`] for `postgres://` and
/// `postgresql://` URLs. Any other scheme is refused with [`StoreError::UnsupportedUrl`].
pub async fn open(url: &str) -> StoreResult<Arc<dyn Store>> {
    open_with_pool(url, postgres::DEFAULT_POOL_SIZE).await
}

/// [`open`], with at most `pg_pool` connections if the URL names PostgreSQL (SQLite keeps its
/// own fixed connections: one writer at a time, whatever the pool).
pub async fn open_with_pool(url: &str, pg_pool: u32) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::open_with_pool(url, pg_pool).await?))
    } else {
        // Only the scheme: the rest of a URL may hold a password.
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        Err(StoreError::UnsupportedUrl(scheme.to_owned()))
    }
}

/// How busy a store's one writer has been since it opened ([`Store::writer_stats`]): on SQLite,
/// every write transaction of this process (all but the migrations on open) runs on the writer,
/// one at a time, holding the database's single write lock.
/// `busy` growing nearly as fast as the clock means the writer is saturated: writes queue
/// (`waiting` grows), and more CPUs will not make logins faster.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Write transactions that have finished (committed or not).
    pub writes: u64,
    /// Time they ran (holding the write lock), in all.
    pub busy: std::time::Duration,
    /// Time they waited for it, in all.
    pub waiting: std::time::Duration,
}

impl WriterStats {
    /// What happened between `earlier` (a reading of the same store) and this reading.
    pub fn since(&self, earlier: &WriterStats) -> WriterStats {
        WriterStats {
            writes: self.writes.saturating_sub(earlier.writes),
            busy: self.busy.saturating_sub(earlier.busy),
            waiting: self.waiting.saturating_sub(earlier.waiting),
        }
    }
}

/// Everything Rollcall keeps. SQL lives only behind this trait, implemented for SQLite
/// ([`SqliteStore`], the default) and PostgreSQL ([`PgStore`]), so callers never change.
///
/// Invariants every implementation keeps:
/// - every synced record is keyed on its Clever id under a UNIQUE constraint (identities,
///   sections), and every write that can race (two co-teachers, two first logins) is an upsert;
/// - each section's change is written atomically (`apply_sync`);
/// - nothing is deleted by a sync: enrollments and teacher links are flagged, sections archived.
///
/// Local accounts, linking and merging live in [`AccountStore`], classwork in
/// [`ClassworkStore`], the audit log in [`AuditStore`]; every store implements all of them, so
/// an `Arc<dyn Store>` offers every method (bring the trait into scope to call it).
#[async_trait]
pub trait Store: AccountStore + ClassworkStore + AuditStore + Send + Sync + 'static {
    /// How busy the single writer has been, for stores that have one (SQLite); `None` for
    /// stores whose writers run side by side (PostgreSQL).
    fn writer_stats(&self) -> Option<WriterStats> {
        None
    }

    // ---- accounts ----

    /// One account.
    async fn user(&self, id: UserId) -> StoreResult<Option<User>>;

    /// The account linked to a Clever id.
    async fn user_by_clever_id(&self, clever_id: &CleverId) -> StoreResult<Option<User>>;

    /// The account for a Clever login: created on first login (race-free: concurrent first
    /// logins of one person yield one account), else updated with the profile's name, email,
    /// grade and role. Also the account a roster sync created for a student who now logs in.
    /// Returns the account and whether it was created. Records `account_created` (actor: the
    /// account) when it creates one, and `role_changed` (actor: none, detail `"student → teacher"`)
    /// when Clever now reports a different role, in the same transaction.
    async fn upsert_clever_user(
        &self,
        profile: &CleverProfile,
        now: OffsetDateTime,
    ) -> StoreResult<(User, bool)>;

    /// [`Store::upsert_clever_user`] and [`Store::save_clever_token`] for the account, in one
    /// transaction: what a Clever login writes (one write transaction instead of two on the
    /// login path). Returns what `upsert_clever_user` returns.
    async fn upsert_clever_login(
        &self,
        profile: &CleverProfile,
        token: &SealedToken,
        now: OffsetDateTime,
    ) -> StoreResult<(User, bool)>;

    // ---- Clever tokens ----

    /// Stores (replaces) the user's sealed Clever token.
    async fn save_clever_token(&self, user: UserId, token: &SealedToken) -> StoreResult<()>;

    /// The user's sealed Clever token, if any.
    async fn clever_token(&self, user: UserId) -> StoreResult<Option<SealedToken>>;

    // ---- sync ----

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
    /// returns its id: [`Store::apply_sync`] with no changes. The audit entry's actor is the
    /// teacher for a login or the button, none for background and CLI runs; its detail is the
    /// trigger and counts in words. With `run.lease_holder`, the transaction also gives back that
    /// holder's sync lease ([`Store::release_sync_lease`]): how a sync ends, so the lease is free
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

    /// Sets (or clears, with `None`) the teacher's own name for a section. Sync never touches it.
    /// Fails with `NotFound` if the teacher does not teach the section.
    async fn set_display_name(
        &self,
        teacher: UserId,
        section: SectionId,
        name: Option<&str>,
    ) -> StoreResult<()>;

    // ---- dashboards ----

    /// The teacher's sections, active first then archived, by name.
    async fn teacher_sections(&self, teacher: UserId) -> StoreResult<Vec<SectionSummary>>;

    /// Everything the teacher's dashboard shows: [`Store::teacher_sections`], the latest sync
    /// run, when the Clever token expires, and (if `with_schools`) the known school names. The
    /// same as those calls one after another; SQLite reads it all in one round trip.
    async fn teacher_dashboard(&self, teacher: UserId, with_schools: bool) -> StoreResult<TeacherDashboard> {
        Ok(TeacherDashboard {
            sections: self.teacher_sections(teacher).await?,
            last_sync: self.sync_runs(teacher, 1).await?.into_iter().next(),
            token_expires_at: self.clever_token(teacher).await?.map(|t| t.expires_at),
            schools: if with_schools { self.known_schools().await? } else { Vec::new() },
        })
    }

    /// One of the teacher's sections with its students; `None` if the teacher is not linked to it.
    async fn section_roster(&self, teacher: UserId, section: SectionId)
    -> StoreResult<Option<SectionRoster>>;

    /// Grants (`admin` true) or withdraws the admin pages for the account that logs in with
    /// `login_email` (already normalised), and returns it; `NotFound` if no account logs in with
    /// it. An operator's action on the server (`rollcall admin grant`): nothing a visitor can
    /// reach calls it.
    async fn set_admin(&self, login_email: &str, admin: bool, now: OffsetDateTime) -> StoreResult<User>;

    /// The accounts that may read the admin pages.
    async fn admins(&self) -> StoreResult<Vec<User>>;

    /// The classes a student is actively enrolled in.
    async fn student_sections(&self, student: UserId) -> StoreResult<Vec<StudentSection>>;

    /// Whether some class that is not archived has a roster Clever did not give, so a student's
    /// classes may be missing from [`Store::student_sections`].
    async fn any_roster_unknown(&self) -> StoreResult<bool>;

    // ---- sessions ----

    /// Creates a session.
    async fn create_session(&self, session: &Session) -> StoreResult<()>;

    /// A live (unexpired at `now`) session by the hash of its cookie, with its account: one query
    /// on every request of a logged-in user.
    async fn session(&self, id_hash: &[u8; 32], now: OffsetDateTime) -> StoreResult<Option<(Session, User)>>;

    /// Ends a session.
    async fn delete_session(&self, id_hash: &[u8; 32]) -> StoreResult<()>;

    // ---- OAuth callback, exactly once ----

    /// Claims an authorization code (by its SHA-256) for exchange. The first caller gets
    /// `First`; later callers learn whether it is in progress, done or failed. Claims older than
    /// `now - CALLBACK_TTL` may be reused (a code lives 60 s at Clever anyway).
    async fn claim_callback(&self, code_hash: &[u8; 32], now: OffsetDateTime) -> StoreResult<CallbackClaim>;

    /// Records the outcome of a claimed code: the account it logged in, or `None` on failure.
    /// Fails with `NotFound` if the code was never claimed (or its claim has expired).
    async fn finish_callback(&self, code_hash: &[u8; 32], user: Option<UserId>) -> StoreResult<()>;

    /// A successful login's end, in one transaction: [`Store::finish_callback`] with the
    /// session's account, and [`Store::create_session`]. Fails with `NotFound` (creating no
    /// session) if the code was never claimed (or its claim has expired).
    async fn finish_callback_with_session(&self, code_hash: &[u8; 32], session: &Session) -> StoreResult<()>;

    // ---- sync leases: one sync of a teacher at a time, across replicas ----

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

    // ---- background sync jobs ----

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
