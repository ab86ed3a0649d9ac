#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod accounts;
mod audit;
mod classwork;
mod dashboards;
mod error;
mod forward;
mod jobs;
mod login;
mod postgres;
mod records;
mod rows;
mod sqlite;
mod sync;

use std::sync::Arc;

pub use accounts::{AccountStore, Conflict, FailureCount, LocalCredential, MergeReport, NewLocalAccount};
pub use audit::{AuditAction, AuditEntry, AuditFilter, AuditStore, NewAuditEntry};
pub use classwork::{Assignment, ClassworkStore, Completion, NewAssignment, StudentAssignment};
pub use dashboards::DashboardStore;
pub use error::StoreError;
pub use jobs::JobStore;
pub use login::LoginStore;
pub use postgres::{DEFAULT_POOL_SIZE as DEFAULT_PG_POOL_SIZE, PgStore};
pub use records::{
    AccountRole, CallbackClaim, CleverProfile, RosterEntry, RunRecord, SealedToken, SectionRoster,
    SectionSummary, Session, StudentSection, SyncJob, SyncRun, SyncTrigger, TeacherDashboard, User,
};
pub use sqlite::SqliteStore;
pub use sync::SyncStore;

/// Every role trait at once, for code that uses most of the store (tests, the app's wiring):
/// `use rollcall_store::prelude::*;`. Code with one job imports the one trait it needs.
pub mod prelude {
    pub use crate::{
        AccountStore, AuditStore, ClassworkStore, DashboardStore, JobStore, LoginStore, Store, SyncStore,
    };
}

/// Store results.
pub type StoreResult<T> = Result<T, StoreError>;

/// How long [`LoginStore::claim_callback`] remembers a code. Clever's codes live 60 s, so a claim
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

/// Everything Rollcall keeps. SQL lives only behind these traits, implemented for SQLite
/// ([`SqliteStore`], the default) and PostgreSQL ([`PgStore`]), so callers never change.
///
/// The methods are grouped by role: [`LoginStore`] (accounts by id, the Clever login, sessions,
/// the callback's claim), [`SyncStore`] (snapshot, writing a sync, runs, leases), [`JobStore`]
/// (background sync jobs), [`DashboardStore`] (what the pages read), [`AccountStore`] (local
/// accounts, linking, merging, admins, failure counters), [`ClassworkStore`] and [`AuditStore`].
/// Every store implements all of them, so an `Arc<dyn Store>` offers every method; a caller
/// brings the role traits it uses into scope.
///
/// Invariants every implementation keeps:
/// - every synced record is keyed on its Clever id under a UNIQUE constraint (identities,
///   sections), and every write that can race (two co-teachers, two first logins) is an upsert;
/// - each section's change is written atomically ([`SyncStore::apply_sync`]);
/// - nothing is deleted by a sync: enrollments and teacher links are flagged, sections archived.
pub trait Store:
    LoginStore
    + SyncStore
    + JobStore
    + DashboardStore
    + AccountStore
    + ClassworkStore
    + AuditStore
    + Send
    + Sync
    + 'static
{
    /// How busy the single writer has been, for stores that have one (SQLite); `None` for
    /// stores whose writers run side by side (PostgreSQL).
    fn writer_stats(&self) -> Option<WriterStats> {
        None
    }
}
