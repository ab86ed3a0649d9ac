//! The store's tests: a conformance suite any [`Store`] must pass (run here on SQLite, as a file
//! and in memory; the PostgreSQL backend adds one line below), plus SQLite-only checks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod conformance;
mod sqlite_only;

use std::sync::Arc;

use rollcall_store::{SqliteStore, Store};

/// A fresh database in its own temp file (removed when the store is dropped).
async fn sqlite_file() -> Arc<dyn Store> {
    Arc::new(SqliteStore::open_temp().await.unwrap())
}

/// A fresh private in-memory database.
async fn sqlite_memory() -> Arc<dyn Store> {
    Arc::new(SqliteStore::in_memory().await.unwrap())
}

/// Runs every conformance test against the backend `$fresh` makes (a fresh database per test).
macro_rules! conformance_suite {
    ($backend:ident, $fresh:path) => {
        mod $backend {
            conformance_suite!(@tests $fresh;
                accounts::first_login_creates_then_updates,
                accounts::concurrent_first_logins_make_one_account,
                accounts::each_clever_id_has_its_own_account,
                accounts::tokens_are_replaced,
                accounts::roster_student_who_logs_in_keeps_the_account,
                sync::created_section_shows_in_the_snapshot,
                sync::co_teacher_joins_the_same_row,
                sync::concurrent_co_teachers_make_one_row,
                sync::removed_students_are_flagged_and_restored,
                sync::roster_updates_grades_and_names_only_when_told,
                sync::display_name_survives_sync,
                sync::unlink_archives_only_when_no_teacher_remains,
                sync::unlink_needs_a_link,
                dashboards::teacher_sections_active_first_by_name,
                dashboards::section_roster_is_for_linked_teachers_only,
                dashboards::student_sections_list_active_classes,
                dashboards::sync_runs_round_trip_newest_first,
                sessions::sessions_expire,
                sessions::callbacks_are_claimed_once,
            );
        }
    };
    (@tests $fresh:path; $($module:ident::$test:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                crate::conformance::$module::$test($fresh().await).await;
            }
        )*
    };
}

conformance_suite!(sqlite_file, crate::sqlite_file);
conformance_suite!(sqlite_memory, crate::sqlite_memory);
