//! What only the SQLite backend has: files, migrations, its own constraints.

use std::path::Path;

use rollcall_store::prelude::*;
use rollcall_store::{AccountStore, SqliteStore, Store, StoreError};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use crate::conformance::{at, cid, teacher};

/// A raw connection to the store's file, for what the trait cannot do.
async fn raw(path: &Path) -> SqlitePool {
    let options = SqliteConnectOptions::new().filename(path).foreign_keys(true);
    SqlitePoolOptions::new().max_connections(1).connect_with(options).await.unwrap()
}

#[tokio::test]
async fn migrations_apply_on_a_fresh_file_and_reopen_cleanly() {
    let store = SqliteStore::open_temp().await.unwrap();
    let path = store.temp_path().unwrap().to_owned();
    let t = teacher(&store, "t1", "Tara", "Ng").await;
    store.close().await;

    let url = format!("sqlite://{}", path.display());
    let reopened = SqliteStore::open(&url).await.unwrap();
    assert_eq!(reopened.user(t.id).await.unwrap().unwrap().clever_id, Some(cid("t1")));
    reopened.migrate().await.unwrap();
    reopened.close().await;

    let pool = raw(&path).await;
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(versions, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&pool).await.unwrap();
    assert_eq!(mode, "wal");
    pool.close().await;
    drop(store);
    assert!(!path.exists(), "the temp file is removed with the store");
}

#[tokio::test]
async fn a_database_from_a_newer_build_is_refused() {
    let store = SqliteStore::open_temp().await.unwrap();
    let path = store.temp_path().unwrap().to_owned();
    store.close().await;
    let pool = raw(&path).await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', 1, x'00', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let err = SqliteStore::open_path(&path).await.unwrap_err();
    assert!(matches!(err, StoreError::NewerSchema(9999)), "{err:?}");
}

#[tokio::test]
async fn a_clever_id_cannot_be_taken_by_a_second_account() {
    let store = SqliteStore::open_temp().await.unwrap();
    teacher(&store, "t1", "Tara", "Ng").await;
    let pool = raw(store.temp_path().unwrap()).await;
    let other: i64 = sqlx::query_scalar(
        "INSERT INTO users (role, first_name, last_name, created_at, updated_at) \
         VALUES ('teacher', 'Eve', 'X', 'x', 'x') RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let taken = sqlx::query(
        "INSERT INTO identities (provider, external_id, user_id, created_at) VALUES ('clever', 't1', $1, 'x')",
    )
    .bind(other)
    .execute(&pool)
    .await
    .unwrap_err();
    assert!(taken.as_database_error().unwrap().is_unique_violation(), "{taken}");
    pool.close().await;
}

#[tokio::test]
async fn a_memory_url_is_one_shared_database() {
    let store = SqliteStore::open("sqlite::memory:").await.unwrap();
    let t = teacher(&store, "t1", "Tara", "Ng").await;
    let clone = store.clone();
    assert_eq!(clone.user_by_clever_id(&cid("t1")).await.unwrap().map(|u| u.id), Some(t.id));
}

#[tokio::test]
async fn a_known_student_as_listed_is_not_rewritten() {
    let store = SqliteStore::open_temp().await.unwrap();
    let pool = raw(store.temp_path().unwrap()).await;
    let updated_at = async |clever: &str| -> time::OffsetDateTime {
        sqlx::query_scalar(crate::conformance::sync::UPDATED_AT).bind(clever).fetch_one(&pool).await.unwrap()
    };
    crate::conformance::sync::a_known_student_as_listed_is_not_rewritten(&store, updated_at).await;
}

#[tokio::test]
async fn the_writer_counts_each_write_transaction_once_and_no_reads() {
    for store in [SqliteStore::open_temp().await.unwrap(), SqliteStore::in_memory().await.unwrap()] {
        let t = teacher(&store, "t1", "Tara", "Ng").await;
        let before = store.writer_stats().unwrap();
        store.user(t.id).await.unwrap();
        store.teacher_sections(t.id).await.unwrap();
        assert_eq!(store.writer_stats().unwrap(), before, "reads went through the writer");

        // Every write goes through the writer, whichever trait it belongs to; one that fails
        // counts too.
        store.delete_session(&[7; 32]).await.unwrap();
        store.clear_failures("login:nobody@example.org").await.unwrap();
        store.set_school(t.id, Some("Lincoln Elementary"), at(1)).await.unwrap();
        store.set_admin("nobody@example.org", true, at(1)).await.unwrap_err();
        store.set_display_name(t.id, rollcall_core::SectionId(999), Some("x")).await.unwrap_err();
        let after = store.writer_stats().unwrap();
        assert_eq!(after.writes, before.writes + 5, "{before:?} -> {after:?}");
        assert!(after.busy >= before.busy && after.waiting >= before.waiting);
    }
}
