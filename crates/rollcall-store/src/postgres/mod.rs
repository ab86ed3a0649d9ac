//! The PostgreSQL store: a connection pool, migrated on open, shared by any number of app
//! replicas.
//!
//! Nothing here relies on being the only process: every race is settled by the database itself.
//! Racy inserts are `INSERT … ON CONFLICT` upserts (the loser waits on the UNIQUE index, then
//! updates or skips the winner's row); a read-then-write that must be atomic takes a lock first:
//! a transaction-scoped advisory lock on the Clever id before "find or create the account", and
//! the section's row lock before archiving it. Reads that span several queries run in one
//! `REPEATABLE READ` transaction, so they see one snapshot. Writes are `READ COMMITTED`, and a
//! sync is several transactions (see `sync::apply_sync`).

mod accounts;
// Deliberately compiled into both backends: the same queries against each one's connection types.
#[allow(clippy::duplicate_mod)]
#[path = "../shared/audit.rs"]
mod audit;
#[allow(clippy::duplicate_mod)]
#[path = "../shared/classwork.rs"]
mod classwork;
#[allow(clippy::duplicate_mod)]
#[path = "../shared/counters.rs"]
mod counters;
#[allow(clippy::duplicate_mod)]
#[path = "../shared/dashboards.rs"]
mod dashboards;
mod history;
mod jobs;
#[allow(clippy::duplicate_mod)]
#[path = "../shared/linking.rs"]
mod linking;
#[allow(clippy::duplicate_mod)]
#[path = "../shared/local.rs"]
mod local;
#[allow(clippy::duplicate_mod)]
#[path = "../shared/login.rs"]
mod login;
#[allow(clippy::duplicate_mod)]
#[path = "../shared/merge.rs"]
mod merge;
mod sessions;
mod students;
mod sync;
#[allow(clippy::duplicate_mod)]
#[path = "../shared/sync_job.rs"]
mod sync_job;

use std::time::Duration;

use async_trait::async_trait;
use rollcall_core::{CleverId, LocalSnapshot, SectionChange, SectionId, SectionUnlink, UserId};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::{
    AccountStore, CallbackClaim, CleverProfile, DashboardStore, JobStore, LoginStore, RunRecord, SealedToken,
    SectionRoster, SectionSummary, Session, Store, StoreError, StoreResult, StudentSection, SyncJob, SyncRun,
    SyncStore, TeacherDashboard, User,
};

/// The migrations this build knows, embedded at compile time.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections per process (per replica) unless the caller says otherwise
/// ([`PgStore::open_with_pool`]; `rollcall serve --database-pool`).
pub const DEFAULT_POOL_SIZE: u32 = 10;

/// How long a call waits for a free connection (or for the server to answer) before failing.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// The PostgreSQL implementation of [`crate::Store`]. Cheap to clone: clones share one pool.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:5432/rollcall`) and
    /// applies any pending migrations. The database must exist.
    ///
    /// Fails with [`StoreError::NewerSchema`] if the database was migrated by a newer build.
    /// Replicas starting together are safe: sqlx holds an advisory lock while it migrates.
    pub async fn open(url: &str) -> StoreResult<Self> {
        Self::open_with_pool(url, DEFAULT_POOL_SIZE).await
    }

    /// [`PgStore::open`] with a pool of at most `max_connections` connections (at least 1).
    ///
    /// Statements stay prepared per connection, so PostgreSQL may settle on a generic plan
    /// after five runs and keep it until the table's statistics change; on a young database
    /// (a district's first logins, before autovacuum's first ANALYZE) that plan is made for
    /// near-empty tables. The login path's statements are therefore written to reach rows by
    /// key whatever the statistics, and the two whose plan depends on the table's size are not
    /// kept prepared. Every other statement keeps its prepared plan rather than being planned
    /// on every call (`plan_cache_mode = force_custom_plan`), which would spend server CPU on
    /// every login planning statements whose plan does not depend on the statistics.
    pub async fn open_with_pool(url: &str, max_connections: u32) -> StoreResult<Self> {
        let options: PgConnectOptions = url.parse()?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?;
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies pending migrations (open does this already). Fails with
    /// [`StoreError::NewerSchema`] if the database holds a migration this build does not know.
    pub async fn migrate(&self) -> StoreResult<()> {
        if let Some(version) = unknown_migration(&self.pool).await? {
            return Err(StoreError::NewerSchema(version));
        }
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection; later calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The newest applied migration this build does not know, if any.
async fn unknown_migration(pool: &PgPool) -> StoreResult<Option<i64>> {
    let table: bool =
        sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL").fetch_one(pool).await?;
    if !table {
        return Ok(None);
    }
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version DESC")
        .fetch_all(pool)
        .await?;
    Ok(applied.into_iter().find(|v| !MIGRATOR.version_exists(*v)))
}

/// Begins a read-only transaction that sees one snapshot for all its queries.
async fn begin_read(pool: &PgPool) -> StoreResult<Transaction<'static, Postgres>> {
    Ok(pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?)
}

use crate::rows::clever_id;

/// The connection types the shared query files are written against.
type Pool = PgPool;
type Conn = sqlx::PgConnection;

/// Begins a transaction that writes (`READ COMMITTED`: what must not race takes a lock first).
async fn begin_write(pool: &PgPool) -> StoreResult<Transaction<'static, Postgres>> {
    Ok(pool.begin().await?)
}

/// A timestamp as bound: `TIMESTAMPTZ` takes the time itself (SQLite's `ts` formats it as text).
fn ts(t: OffsetDateTime) -> OffsetDateTime {
    t
}

/// The row-lock clause of the shared files' `SELECT`s that lock accounts: the rows are locked
/// until the transaction ends, so a concurrent merge, link or login waits for it.
const FOR_UPDATE: &str = " FOR UPDATE";

/// The distinct schools set on accounts, read from the partial index `users_by_school` one name
/// at a time (each step the least name after the last: a LIMIT 1 index probe), so the cost
/// follows the number of schools, not of accounts. The plain `WHERE school IS NOT NULL GROUP BY
/// school` is planned as a scan of every account whenever the statistics do not yet say that
/// almost no account has a school (a young database), and it runs on the dashboard of every
/// teacher without a school.
const KNOWN_SCHOOLS: &str = "WITH RECURSIVE s (school) AS ( \
         SELECT min(school) FROM users WHERE school IS NOT NULL \
         UNION ALL \
         SELECT (SELECT min(u.school) FROM users u WHERE u.school > s.school) FROM s WHERE s.school IS NOT NULL) \
     SELECT school FROM s WHERE school IS NOT NULL ORDER BY lower(school), school";

impl PgStore {
    /// Runs `write` on the pool. PostgreSQL's writers run side by side (each transaction holds
    /// only the row locks it takes), so there is no queue to wait in, unlike SQLite's writer.
    async fn write<T, F, Fut>(&self, write: F) -> StoreResult<T>
    where
        F: FnOnce(PgPool) -> Fut,
        Fut: std::future::Future<Output = StoreResult<T>>,
    {
        write(self.pool.clone()).await
    }
}

crate::forward::forward_new_traits!(PgStore);

#[async_trait]
impl LoginStore for PgStore {
    async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        login::user(&self.pool, id).await
    }

    async fn user_by_clever_id(&self, clever_id: &CleverId) -> StoreResult<Option<User>> {
        login::user_by_clever_id(&self.pool, clever_id).await
    }

    async fn upsert_clever_login(
        &self,
        profile: &CleverProfile,
        token: &SealedToken,
        now: OffsetDateTime,
    ) -> StoreResult<(User, bool)> {
        accounts::upsert_clever_user(&self.pool, profile, Some(token), now).await
    }

    async fn clever_token(&self, user: UserId) -> StoreResult<Option<SealedToken>> {
        login::clever_token(&self.pool, user).await
    }

    async fn create_session(&self, session: &Session) -> StoreResult<()> {
        sessions::create_session(&self.pool, session).await
    }

    async fn session(&self, id_hash: &[u8; 32], now: OffsetDateTime) -> StoreResult<Option<(Session, User)>> {
        sessions::session(&self.pool, id_hash, now).await
    }

    async fn delete_session(&self, id_hash: &[u8; 32]) -> StoreResult<()> {
        login::delete_session(&self.pool, id_hash).await
    }

    async fn claim_callback(&self, code_hash: &[u8; 32], now: OffsetDateTime) -> StoreResult<CallbackClaim> {
        sessions::claim_callback(&self.pool, code_hash, now).await
    }

    async fn finish_callback(&self, code_hash: &[u8; 32], user: Option<UserId>) -> StoreResult<()> {
        login::finish_callback(&self.pool, code_hash, user).await
    }

    async fn finish_callback_with_session(&self, code_hash: &[u8; 32], session: &Session) -> StoreResult<()> {
        sessions::finish_callback_with_session(&self.pool, code_hash, session).await
    }
}

#[async_trait]
impl SyncStore for PgStore {
    async fn snapshot(&self, teacher: UserId, clever_ids: &[CleverId]) -> StoreResult<LocalSnapshot> {
        sync::snapshot(&self.pool, teacher, clever_ids).await
    }

    async fn apply_sync(
        &self,
        teacher: UserId,
        changes: &[SectionChange],
        unlinks: &[SectionUnlink],
        now: OffsetDateTime,
        run: Option<&RunRecord>,
    ) -> StoreResult<Option<i64>> {
        sync::apply_sync(&self.pool, teacher, changes, unlinks, now, run).await
    }

    async fn sync_runs(&self, teacher: UserId, limit: u32) -> StoreResult<Vec<SyncRun>> {
        history::sync_runs(&self.pool, teacher, limit).await
    }

    async fn teachers_to_sync(&self, now: OffsetDateTime) -> StoreResult<Vec<(UserId, CleverId)>> {
        accounts::teachers_to_sync(&self.pool, now).await
    }

    async fn take_sync_lease(
        &self,
        teacher: UserId,
        holder: &str,
        now: OffsetDateTime,
        lease: time::Duration,
    ) -> StoreResult<bool> {
        // One statement: insert, or take over a lease that ran out; a live one is left alone
        // unless it is the holder's own (renewing it).
        let taken: Option<i64> = sqlx::query_scalar(
            "INSERT INTO sync_leases (user_id, holder, until) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET holder = excluded.holder, until = excluded.until \
             WHERE sync_leases.until <= $4 OR sync_leases.holder = $2 RETURNING user_id",
        )
        .bind(teacher.0)
        .bind(holder)
        .bind(now + lease)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(taken.is_some())
    }

    async fn release_sync_lease(&self, teacher: UserId, holder: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sync_leases WHERE user_id = $1 AND holder = $2")
            .bind(teacher.0)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn sync_in_progress(&self, teacher: UserId, now: OffsetDateTime) -> StoreResult<bool> {
        sync_job::sync_in_progress(&self.pool, teacher, now).await
    }
}

#[async_trait]
impl JobStore for PgStore {
    async fn schedule_sync(
        &self,
        teacher: UserId,
        run_after: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        jobs::schedule_sync(&self.pool, teacher, run_after, now).await
    }

    async fn claim_sync_job(
        &self,
        worker: &str,
        now: OffsetDateTime,
        lease: time::Duration,
    ) -> StoreResult<Option<SyncJob>> {
        jobs::claim_sync_job(&self.pool, worker, now, lease).await
    }

    async fn finish_sync_job(
        &self,
        teacher: UserId,
        worker: &str,
        next_run: Option<OffsetDateTime>,
        error: Option<&str>,
    ) -> StoreResult<bool> {
        jobs::finish_sync_job(&self.pool, teacher, worker, next_run, error).await
    }

    async fn sync_job(&self, teacher: UserId) -> StoreResult<Option<SyncJob>> {
        sync_job::sync_job(&self.pool, teacher).await
    }
}

#[async_trait]
impl DashboardStore for PgStore {
    async fn teacher_dashboard(&self, teacher: UserId, with_schools: bool) -> StoreResult<TeacherDashboard> {
        Ok(TeacherDashboard {
            sections: self.teacher_sections(teacher).await?,
            last_sync: self.sync_runs(teacher, 1).await?.into_iter().next(),
            token_expires_at: self.clever_token(teacher).await?.map(|t| t.expires_at),
            schools: if with_schools { self.known_schools().await? } else { Vec::new() },
        })
    }

    async fn set_display_name(
        &self,
        teacher: UserId,
        section: SectionId,
        name: Option<&str>,
    ) -> StoreResult<()> {
        dashboards::set_display_name(&self.pool, teacher, section, name).await
    }

    async fn teacher_sections(&self, teacher: UserId) -> StoreResult<Vec<SectionSummary>> {
        dashboards::teacher_sections(&self.pool, teacher).await
    }

    async fn section_roster(
        &self,
        teacher: UserId,
        section: SectionId,
    ) -> StoreResult<Option<SectionRoster>> {
        dashboards::section_roster(&self.pool, teacher, section).await
    }

    async fn student_sections(&self, student: UserId) -> StoreResult<Vec<StudentSection>> {
        dashboards::student_sections(&self.pool, student).await
    }

    async fn any_roster_unknown(&self) -> StoreResult<bool> {
        dashboards::any_roster_unknown(&self.pool).await
    }
}

impl Store for PgStore {}
