//! The SQLite store: one database file in WAL mode, opened with foreign keys on and a busy
//! timeout, migrated on open.
//!
//! Every write transaction of several statements starts with `BEGIN IMMEDIATE`: it takes
//! SQLite's single write lock up front (waiting up to the busy timeout), so a transaction never
//! reads under a shared lock and then fails to upgrade it ("database is locked"), and
//! read-then-write sequences inside it cannot race another writer. A write that is a single
//! statement takes the lock as that statement starts, which amounts to the same.
//!
//! A file database has two pools. `write_pool`, one connection, belongs to the writer
//! ([`writer`]): every write of a running store, whatever trait it belongs to, is a job there.
//! `pool` holds the reads, and the migrations on open (before any other work). An in-memory
//! database has one connection, and both pools are it.

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
mod dashboard;
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
mod one_trip;
mod sessions;
mod store_impl;
mod sync;
#[allow(clippy::duplicate_mod)]
#[path = "../shared/sync_job.rs"]
mod sync_job;
mod temp;
mod writer;

use std::future::Future;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use rollcall_core::{CleverId, LocalSnapshot, SectionChange, SectionId, SectionUnlink, UserId};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use time::OffsetDateTime;

use crate::{
    CallbackClaim, CleverProfile, DashboardStore, JobStore, LoginStore, RunRecord, SealedToken,
    SectionRoster, SectionSummary, Session, Store, StoreError, StoreResult, StudentSection, SyncJob, SyncRun,
    SyncStore, TeacherDashboard, User,
};
use temp::TempFile;

/// The migrations this build knows, embedded at compile time.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a writer waits for SQLite's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The most of the database file that connections map into memory (1 GiB): see `connect`.
const MMAP_SIZE: &str = "1073741824";

/// Connections in a file database's `pool`, the reads' (WAL lets them run beside the one writer).
const MAX_CONNECTIONS: u32 = 8;

/// Connections kept for the writer thread: one, so its page cache stays warm. SQLite drops a
/// connection's cached pages whenever another connection has written since its last
/// transaction, so write connections taking turns would each start every transaction cold.
const WRITE_CONNECTIONS: u32 = 1;

/// The SQLite implementation of [`crate::Store`]. Cheap to clone: clones share one pool.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The writer's connection: its own, so that a write never waits behind readers for a
    /// connection (the same pool for an in-memory database).
    write_pool: SqlitePool,
    /// Runs every write, one at a time, on a thread of its own: see [`writer`].
    writer: Arc<writer::Writer>,
    /// Set by [`SqliteStore::open_temp`]: the file is removed when the last clone is dropped.
    temp: Option<Arc<TempFile>>,
}

impl SqliteStore {
    /// Opens (creating it if missing) the database at `url` (`sqlite://rollcall.db`,
    /// `sqlite:data/rollcall.db?mode=rwc`, …) and applies any pending migrations.
    ///
    /// Fails with [`StoreError::NewerSchema`] if the database was migrated by a newer build.
    /// A `:memory:` URL gives a private in-memory database, as [`SqliteStore::in_memory`].
    pub async fn open(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)?;
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        Self::connect(options, in_memory, None).await
    }

    /// Opens (creating it if missing) the database file at `path` and applies pending migrations.
    pub async fn open_path(path: &Path) -> StoreResult<Self> {
        Self::connect(SqliteConnectOptions::new().filename(path), false, None).await
    }

    /// A private, migrated in-memory database. All clones share it (the pool holds exactly one
    /// connection, kept open for the store's lifetime), so writers are serialised by the pool.
    pub async fn in_memory() -> StoreResult<Self> {
        Self::connect(SqliteConnectOptions::new().in_memory(true), true, None).await
    }

    /// A fresh, migrated database in a new file under [`std::env::temp_dir`], removed (with its
    /// WAL files) when the last clone of the store is dropped. For tests: each gets its own
    /// database with the same locking behaviour as production.
    pub async fn open_temp() -> StoreResult<Self> {
        let file = TempFile::create().map_err(|e| StoreError::Corrupt(format!("temp database: {e}")))?;
        let options = SqliteConnectOptions::new().filename(file.path());
        Self::connect(options, false, Some(Arc::new(file))).await
    }

    /// The file behind a store made by [`SqliteStore::open_temp`].
    pub fn temp_path(&self) -> Option<&Path> {
        self.temp.as_deref().map(TempFile::path)
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
        self.write_pool.close().await;
        self.pool.close().await;
    }

    async fn connect(
        options: SqliteConnectOptions,
        in_memory: bool,
        temp: Option<Arc<TempFile>>,
    ) -> StoreResult<Self> {
        let options = options
            .create_if_missing(true)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            // Pages are read from a mapping of the file, not copied in by a `pread` each: every
            // write empties the other connections' page caches, so reads re-fetch pages often.
            .pragma("mmap_size", MMAP_SIZE)
            // Statement journals in memory: a statement that writes many rows inside a
            // transaction (a sync's enrollments) copies each page it changes into one, so it can
            // be undone alone; past 64 KiB SQLite spills it to a temporary file, which would be
            // file writes made while holding the write lock.
            .pragma("temp_store", "memory")
            .foreign_keys(true);
        let (pool, write_pool) = if in_memory {
            // Each connection to `:memory:` is its own database: keep exactly one, forever.
            let pool = SqlitePoolOptions::new()
                .min_connections(1)
                .max_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options.journal_mode(SqliteJournalMode::Memory))
                .await?;
            (pool.clone(), pool)
        } else {
            let options = options.journal_mode(SqliteJournalMode::Wal);
            let pool = SqlitePoolOptions::new()
                .max_connections(MAX_CONNECTIONS)
                // A connection to a local file does not go stale; the ping is a round trip to
                // its thread on every acquire.
                .test_before_acquire(false)
                .connect_with(options.clone())
                .await?;
            let write_pool = SqlitePoolOptions::new()
                .max_connections(WRITE_CONNECTIONS)
                .test_before_acquire(false)
                .connect_lazy_with(options);
            (pool, write_pool)
        };
        let writer = Arc::new(writer::Writer::start(write_pool.clone())?);
        let store = Self { pool, write_pool, writer, temp };
        store.migrate().await?;
        Ok(store)
    }
}

impl SqliteStore {
    /// Runs `write` (given `write_pool`) on the writer thread, after the writes queued before it
    /// (see [`writer`]).
    async fn write<T, F, Fut>(&self, write: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(SqlitePool) -> Fut + Send + 'static,
        Fut: Future<Output = StoreResult<T>> + Send,
    {
        self.writer.run(write).await
    }
}

/// The newest applied migration this build does not know, if any.
async fn unknown_migration(pool: &SqlitePool) -> StoreResult<Option<i64>> {
    let table: Option<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_optional(pool)
    .await?;
    if table.is_none() {
        return Ok(None);
    }
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version DESC")
        .fetch_all(pool)
        .await?;
    Ok(applied.into_iter().find(|v| !MIGRATOR.version_exists(*v)))
}

/// Begins a transaction holding the write lock from its first statement.
async fn begin_write(pool: &SqlitePool) -> StoreResult<Transaction<'static, Sqlite>> {
    Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
}

/// A timestamp as stored: UTC, fixed width, microseconds (`2025-09-01T08:30:00.000000Z`), so
/// that text comparison is time comparison. Sub-microsecond precision is dropped.
fn ts(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

use crate::rows::clever_id;

/// The connection types the shared query files are written against.
type Pool = SqlitePool;
type Conn = sqlx::SqliteConnection;

/// The row-lock clause of the shared files' `SELECT`s: none, as every writer holds SQLite's one
/// write lock (`BEGIN IMMEDIATE`) for its whole transaction.
const FOR_UPDATE: &str = "";

/// The distinct schools set on accounts (SQLite reads the partial index `users_by_school`).
const KNOWN_SCHOOLS: &str =
    "SELECT school FROM users WHERE school IS NOT NULL GROUP BY school ORDER BY lower(school), school";

crate::forward::forward_new_traits!(SqliteStore);

/// Begins a transaction for reads that span several queries (SQLite's reads see one snapshot
/// for the whole transaction).
async fn begin_read(pool: &SqlitePool) -> StoreResult<Transaction<'static, Sqlite>> {
    Ok(pool.begin().await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every connection, the writer's and the readers', runs with the settings `connect` chose:
    /// a setting that only some connections have would show up only under load.
    #[tokio::test]
    async fn every_connection_has_the_stores_settings() {
        let store = SqliteStore::open_temp().await.unwrap();
        for pool in [&store.pool, &store.write_pool] {
            let mut conn = pool.acquire().await.unwrap();
            let settings: (String, i64, i64, i64, i64) = sqlx::query_as(
                "SELECT (SELECT journal_mode FROM pragma_journal_mode), \
                        (SELECT synchronous FROM pragma_synchronous), \
                        (SELECT temp_store FROM pragma_temp_store), \
                        (SELECT foreign_keys FROM pragma_foreign_keys), \
                        (SELECT timeout FROM pragma_busy_timeout)",
            )
            .fetch_one(&mut *conn)
            .await
            .unwrap();
            // WAL, synchronous NORMAL (1), temp_store MEMORY (2), foreign keys on, 5 s.
            assert_eq!(settings, ("wal".to_owned(), 1, 2, 1, 5000));
        }
    }
}
