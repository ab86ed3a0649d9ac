//! The store's tests: a conformance suite any [`Store`] must pass, run on SQLite (as a file and
//! in memory) and on PostgreSQL (when `ROLLCALL_TEST_POSTGRES_URL` names a reachable server;
//! otherwise each PostgreSQL test prints why and passes), plus each backend's own checks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod conformance;
mod pg;
mod postgres_only;
mod sqlite_only;
mod tls;

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

/// Runs every conformance test against the backend `$fresh` makes (a fresh database per test;
/// `None` skips the test).
macro_rules! conformance_suite {
    ($backend:ident, $fresh:path) => {
        mod $backend {
            conformance_suite!(@tests $fresh;
                accounts::first_login_creates_then_updates,
                accounts::concurrent_first_logins_make_one_account,
                accounts::each_clever_id_has_its_own_account,
                accounts::tokens_are_replaced,
                accounts::only_teachers_with_a_live_token_are_synced,
                accounts::roster_student_who_logs_in_keeps_the_account,
                accounts::a_login_stores_the_account_and_its_token_together,
                accounts::racing_rosters_create_each_student_once,
                sync::created_section_shows_in_the_snapshot,
                sync::co_teacher_joins_the_same_row,
                sync::concurrent_co_teachers_make_one_row,
                sync::removed_students_are_flagged_and_restored,
                sync::roster_updates_grades_and_names_only_when_told,
                sync::an_unknown_roster_keeps_its_enrollments_and_is_marked,
                sync::a_grade_clever_did_not_send_is_kept,
                sync::display_name_survives_sync,
                sync::unlink_archives_only_when_no_teacher_remains,
                sync::one_sync_lease_per_teacher_until_it_is_released_or_runs_out,
                sync::unlink_needs_a_link,
                sync::recording_a_run_gives_its_lease_back,
                sync::a_whole_sync_is_written_with_its_run,
                sync::a_sync_that_fails_to_write_records_no_run,
                dashboards::teacher_sections_active_first_by_name,
                dashboards::teacher_dashboard_reads_everything_at_once,
                dashboards::section_roster_is_for_linked_teachers_only,
                dashboards::rosters_sort_names_as_people_read_them,
                dashboards::student_sections_list_active_classes,
                dashboards::sync_runs_round_trip_newest_first,
                sessions::sessions_expire,
                sessions::callbacks_are_claimed_once,
                sessions::a_login_finishes_with_its_session,
                jobs::twenty_concurrent_claimers_get_one_job_once,
                jobs::an_expired_lease_is_reclaimed_and_the_stale_holder_cannot_finish,
                jobs::finishing_without_a_next_run_removes_the_job,
                jobs::scheduling_keeps_one_job_at_the_earliest_time,
                local_accounts::admin_rights_are_granted_by_login_email_only,
                local_accounts::sign_up_then_find_the_credential_by_email,
                local_accounts::a_taken_email_is_refused_and_nothing_is_created,
                local_accounts::a_clever_account_adds_a_password_once,
                local_accounts::the_school_is_set_cleared_and_listed,
                local_accounts::failures_are_counted_in_windows,
                linking::a_local_teacher_links_clever_and_logs_in_with_it,
                linking::link_refuses_what_would_share_a_clever_id,
                linking::racing_links_and_a_first_login_give_the_clever_id_one_account,
                linking::unlink_keeps_the_classes_and_needs_a_password,
                merge::a_merge_keeps_everything_of_both_students,
                merge::refused_merges_change_nothing,
                merge::racing_merges_leave_one_whole_account,
                classwork::teachers_post_only_to_sections_they_actively_teach,
                classwork::students_complete_work_of_their_active_classes,
                classwork::a_students_list_puts_what_is_due_first,
                classwork::an_archived_class_leaves_the_students_list,
                audit::logins_and_syncs_are_recorded_with_them,
                audit::filters_narrow_the_list_newest_first,
            );
        }
    };
    (@tests $fresh:path; $($module:ident::$test:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                if let Some(fresh) = $fresh().await {
                    fresh.run(crate::conformance::$module::$test).await;
                }
            }
        )*
    };
}

conformance_suite!(sqlite_file, crate::sqlite_file);
conformance_suite!(sqlite_memory, crate::sqlite_memory);
conformance_suite!(postgres, crate::postgres);

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
