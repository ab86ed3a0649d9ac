//! Merging two accounts of one person into one, in one transaction: two student accounts, or
//! two teacher accounts (a teacher who made a new account at their first Clever login instead of
//! linking their older one).
//!
//! The same queries on both backends, so this file is compiled into each of them (`#[path]`);
//! each backend supplies `Pool`, `Conn`, `begin_write` and what [`lock_accounts`] needs. Every
//! statement binds the survivor as `$1` and the absorbed account as `$2`.

use rollcall_core::UserId;
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;

use super::audit::insert as audit;
use super::linking::lock_accounts;
use super::{Conn, Pool, begin_write};
use crate::audit::merge_entry;
use crate::rows::count;
use crate::{Conflict, MergeReport, StoreError, StoreResult};

/// Moves everything of `absorbed` to `survivor`, deletes `absorbed` and records
/// `accounts_merged`, or changes nothing.
pub(super) async fn merge_accounts(
    pool: &Pool,
    survivor: UserId,
    absorbed: UserId,
    actor: UserId,
    now: OffsetDateTime,
) -> StoreResult<MergeReport> {
    if survivor == absorbed {
        return Err(Conflict::SameAccount.into());
    }
    let mut tx = begin_write(pool).await?;
    let (s, a) = (survivor.0, absorbed.0);
    let accounts = lock_accounts(&mut tx, s, a, None).await?;
    if let Some(missing) = [s, a].into_iter().find(|id| !accounts.iter().any(|(found, _)| found == id)) {
        return Err(StoreError::NotFound(format!("account {missing}")));
    }
    let same_kind = accounts.iter().all(|(_, role)| role == &accounts[0].1);
    if !same_kind || !matches!(accounts[0].1.as_str(), "student" | "teacher") {
        return Err(Conflict::NotTheSameKind.into());
    }
    let linked: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM identities WHERE provider = 'clever' AND user_id IN ($1, $2)",
    )
    .bind(s)
    .bind(a)
    .fetch_one(&mut *tx)
    .await?;
    if linked == 2 {
        return Err(Conflict::BothLinkedToClever.into());
    }

    let [enrollments_moved, enrollments_shared, enrollments_gained] =
        merge_rows(&mut tx, &ENROLLMENTS, s, a).await?;
    let [submissions_moved, submissions_shared, submissions_gained] =
        merge_rows(&mut tx, &COMPLETIONS, s, a).await?;
    let [classes_taught_moved, classes_taught_shared, classes_taught_gained] =
        merge_rows(&mut tx, &TEACHING, s, a).await?;
    let identities_moved: Vec<String> = sqlx::query_scalar(
        "UPDATE identities SET user_id = $1 WHERE user_id = $2 \
         AND provider NOT IN (SELECT provider FROM identities WHERE user_id = $1) RETURNING provider",
    )
    .bind(s)
    .bind(a)
    .fetch_all(&mut *tx)
    .await?;
    let sessions_moved = run(&mut tx, "UPDATE sessions SET user_id = $1 WHERE user_id = $2", s, a).await?;
    for statement in MOVE {
        run(&mut tx, statement, s, a).await?;
    }
    for table in DROP {
        sqlx::query(AssertSqlSafe(format!("DELETE FROM {table} WHERE user_id = $1")))
            .bind(a)
            .execute(&mut *tx)
            .await?;
    }
    // Fails on a foreign key, rolling everything back, should any row still name the account;
    // and finding no row means another merge took it (it cannot, under the locks): roll back.
    let deleted = sqlx::query("DELETE FROM users WHERE id = $1").bind(a).execute(&mut *tx).await?;
    if deleted.rows_affected() != 1 {
        return Err(StoreError::NotFound(format!("account {a}")));
    }

    let report = MergeReport {
        survivor,
        absorbed,
        enrollments_moved,
        enrollments_shared,
        enrollments_gained,
        submissions_moved,
        submissions_shared,
        submissions_gained,
        classes_taught_moved,
        classes_taught_shared,
        classes_taught_gained,
        identities_moved,
        sessions_moved,
    };
    audit(&mut tx, &merge_entry(&report, actor, now)).await?;
    tx.commit().await?;
    Ok(report)
}

/// Rows keyed on (something, user) that both accounts may have: how to count the shared ones,
/// keep the better of each shared pair on the survivor, drop the absorbed one's copy, and move
/// the rest.
struct Keyed {
    shared: &'static str,
    survivor_only: &'static str,
    keep_better: &'static str,
    drop_shared: &'static str,
    move_rest: &'static str,
}

/// Enrollments: in a section both are in, an active enrollment wins over a flagged one.
const ENROLLMENTS: Keyed = Keyed {
    shared: "SELECT COUNT(*) FROM enrollments a \
             JOIN enrollments s ON s.section_id = a.section_id AND s.user_id = $1 WHERE a.user_id = $2",
    survivor_only: "SELECT COUNT(*) FROM enrollments s WHERE s.user_id = $1 AND NOT EXISTS ( \
                        SELECT 1 FROM enrollments a WHERE a.user_id = $2 AND a.section_id = s.section_id)",
    keep_better: "UPDATE enrollments SET removed_in_clever_at = NULL \
                  WHERE user_id = $1 AND removed_in_clever_at IS NOT NULL AND section_id IN ( \
                      SELECT section_id FROM enrollments WHERE user_id = $2 AND removed_in_clever_at IS NULL)",
    drop_shared: "DELETE FROM enrollments WHERE user_id = $2 \
                  AND section_id IN (SELECT section_id FROM enrollments WHERE user_id = $1)",
    move_rest: "UPDATE enrollments SET user_id = $1 WHERE user_id = $2",
};

/// Completions: of an assignment both marked done, the earlier time is kept.
const COMPLETIONS: Keyed = Keyed {
    shared: "SELECT COUNT(*) FROM assignment_completions a \
             JOIN assignment_completions s ON s.assignment_id = a.assignment_id AND s.user_id = $1 \
             WHERE a.user_id = $2",
    survivor_only: "SELECT COUNT(*) FROM assignment_completions s WHERE s.user_id = $1 AND NOT EXISTS ( \
                        SELECT 1 FROM assignment_completions a \
                        WHERE a.user_id = $2 AND a.assignment_id = s.assignment_id)",
    keep_better: "UPDATE assignment_completions SET done_at = ( \
                      SELECT a.done_at FROM assignment_completions a \
                      WHERE a.user_id = $2 AND a.assignment_id = assignment_completions.assignment_id) \
                  WHERE user_id = $1 AND EXISTS ( \
                      SELECT 1 FROM assignment_completions a \
                      WHERE a.user_id = $2 AND a.assignment_id = assignment_completions.assignment_id \
                        AND a.done_at < assignment_completions.done_at)",
    drop_shared: "DELETE FROM assignment_completions WHERE user_id = $2 \
                  AND assignment_id IN (SELECT assignment_id FROM assignment_completions WHERE user_id = $1)",
    move_rest: "UPDATE assignment_completions SET user_id = $1 WHERE user_id = $2",
};

/// Classes taught: of a class both teach, a link Clever still lists wins over one it dropped.
const TEACHING: Keyed = Keyed {
    shared: "SELECT COUNT(*) FROM section_teachers a \
             JOIN section_teachers s ON s.section_id = a.section_id AND s.user_id = $1 WHERE a.user_id = $2",
    survivor_only: "SELECT COUNT(*) FROM section_teachers s WHERE s.user_id = $1 AND NOT EXISTS ( \
                        SELECT 1 FROM section_teachers a WHERE a.user_id = $2 AND a.section_id = s.section_id)",
    keep_better: "UPDATE section_teachers SET removed_in_clever_at = NULL \
                  WHERE user_id = $1 AND removed_in_clever_at IS NOT NULL AND section_id IN ( \
                      SELECT section_id FROM section_teachers WHERE user_id = $2 AND removed_in_clever_at IS NULL)",
    drop_shared: "DELETE FROM section_teachers WHERE user_id = $2 \
                  AND section_id IN (SELECT section_id FROM section_teachers WHERE user_id = $1)",
    move_rest: "UPDATE section_teachers SET user_id = $1 WHERE user_id = $2",
};

/// Merges one kind of keyed rows; returns [moved, shared, the survivor's own that the absorbed
/// account lacked].
async fn merge_rows(conn: &mut Conn, rows: &Keyed, s: i64, a: i64) -> StoreResult<[u32; 3]> {
    let shared: i64 = sqlx::query_scalar(rows.shared).bind(s).bind(a).fetch_one(&mut *conn).await?;
    let gained: i64 = sqlx::query_scalar(rows.survivor_only).bind(s).bind(a).fetch_one(&mut *conn).await?;
    run(conn, rows.keep_better, s, a).await?;
    run(conn, rows.drop_shared, s, a).await?;
    let moved = run(conn, rows.move_rest, s, a).await?;
    Ok([moved, count(shared)?, count(gained)?])
}

/// Everything else that names the absorbed account, re-pointed to the survivor: its credential
/// and Clever token unless the survivor has its own (then they are dropped below), its school if
/// the survivor names none, history, callbacks, authored work and audit entries.
const MOVE: [&str; 8] = [
    "UPDATE local_credentials SET user_id = $1 WHERE user_id = $2 \
     AND NOT EXISTS (SELECT 1 FROM local_credentials WHERE user_id = $1)",
    "UPDATE clever_tokens SET user_id = $1 WHERE user_id = $2 \
     AND NOT EXISTS (SELECT 1 FROM clever_tokens WHERE user_id = $1)",
    "UPDATE users SET school = (SELECT school FROM users WHERE id = $2) WHERE id = $1 AND school IS NULL",
    "UPDATE sync_runs SET user_id = $1 WHERE user_id = $2",
    "UPDATE oauth_callbacks SET user_id = $1 WHERE user_id = $2",
    "UPDATE assignments SET author_id = $1 WHERE author_id = $2",
    "UPDATE audit_log SET subject_id = $1 WHERE subject_id = $2",
    "UPDATE audit_log SET actor_id = $1 WHERE actor_id = $2",
];

/// Rows of the absorbed account that are dropped: what the survivor had of its own, and the
/// background sync's state (a student has none; a teacher's is rebuilt at their next login).
const DROP: [&str; 4] = ["local_credentials", "clever_tokens", "sync_jobs", "sync_leases"];

/// Runs a statement with the survivor as `$1` and the absorbed account as `$2`; returns the
/// rows it changed.
async fn run(conn: &mut Conn, statement: &'static str, s: i64, a: i64) -> StoreResult<u32> {
    let done = sqlx::query(statement).bind(s).bind(a).execute(conn).await?.rows_affected();
    u32::try_from(done).map_err(|_| StoreError::Corrupt(format!("{done} rows changed")))
}
