//! The store's tests: a conformance suite any [`Store`] must pass, run on SQLite (as a file and
//! in memory) and on PostgreSQL (when `ROLLCALL_TEST_POSTGRES_URL` names a reachable server;
//! otherwise each PostgreSQL test prints why and passes), plus each backend's own checks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// Registers the conformance tests written in the module that invokes it with every backend:
/// `backend_tests!(a, b)` under `conformance::accounts` makes `conformance::accounts::sqlite_file::a`,
/// `…::sqlite_memory::a` and `…::postgres::a`, each on a fresh database of its own (a backend
/// that is not configured skips). Each module lists its tests at its end, beside them; a test
/// left off is dead code, which the lints refuse.
macro_rules! backend_tests {
    ($($test:ident),* $(,)?) => {
        backend_tests!(@on sqlite_file, crate::sqlite_file; $($test),*);
        backend_tests!(@on sqlite_memory, crate::sqlite_memory; $($test),*);
        backend_tests!(@on postgres, crate::postgres; $($test),*);
    };
    (@on $backend:ident, $fresh:path; $($test:ident),*) => {
        mod $backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    if let Some(fresh) = $fresh().await {
                        fresh.run(super::$test).await;
                    }
                }
            )*
        }
    };
}

mod conformance;
mod postgres_only;
mod sqlite_only;
mod tls;

use test_support::pg;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt;
use rollcall_store::{PgStore, SqliteStore, Store, StoreError};

/// A fresh store for one test, and the database to drop after it (PostgreSQL).
pub struct Fresh {
    store: Arc<dyn Store>,
    db: Option<pg::TestDb>,
}

impl Fresh {
    /// Runs `test` on the store, then drops the database, whether the test passed or panicked.
    pub async fn run<F, Fut>(self, test: F)
    where
        F: FnOnce(Arc<dyn Store>) -> Fut,
        Fut: Future<Output = ()>,
    {
        let Fresh { store, db } = self;
        let outcome = AssertUnwindSafe(test(store)).catch_unwind().await;
        if let Some(db) = db {
            db.drop_database().await;
        }
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }
}

/// A fresh database in its own temp file (removed when the store is dropped).
async fn sqlite_file() -> Option<Fresh> {
    Some(Fresh { store: Arc::new(SqliteStore::open_temp().await.unwrap()), db: None })
}

/// A fresh private in-memory database.
async fn sqlite_memory() -> Option<Fresh> {
    Some(Fresh { store: Arc::new(SqliteStore::in_memory().await.unwrap()), db: None })
}

/// A fresh, migrated PostgreSQL database of its own; `None` (the test skips) without a server.
async fn postgres() -> Option<Fresh> {
    let db = pg::TestDb::create().await?;
    let store = PgStore::open(db.url()).await.unwrap();
    Some(Fresh { store: Arc::new(store), db: Some(db) })
}

#[tokio::test]
async fn open_picks_the_backend_by_url() {
    let store = rollcall_store::open("sqlite::memory:").await.unwrap();
    assert_eq!(store.user_by_clever_id(&conformance::cid("t1")).await.unwrap(), None);

    for url in ["mysql://app:hunter2@db/rollcall", "rollcall.db", ""] {
        let err = rollcall_store::open(url).await.err().unwrap();
        assert!(matches!(err, StoreError::UnsupportedUrl(_)), "{url}: {err:?}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
    if let Some(db) = pg::TestDb::create().await {
        let store = rollcall_store::open(db.url()).await.unwrap();
        assert_eq!(store.user_by_clever_id(&conformance::cid("t1")).await.unwrap(), None);
        drop(store);
        db.drop_database().await;
    }
}
