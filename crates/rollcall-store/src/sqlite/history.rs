//! Sync history and the teacher's own section names.

use rollcall_core::UserId;
use sqlx::query::Query;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Row, Sqlite, SqliteConnection, SqlitePool};

use super::one_trip::rows_by_statement;
use super::ts;
use crate::audit::sync_run_entry;
use crate::rows::RunRow;
use crate::{RunRecord, StoreError, StoreResult, SyncRun};

/// The teacher's (`$1`) latest sync runs as [`RunRow`]s, newest (by start time) first, at
/// most `$limit` (a literal: a number or a parameter).
macro_rules! runs_of_teacher {
    ($limit:literal) => {
        concat!(
            "SELECT id, user_id, trigger, started_at, finished_at, added, updated, removed, unchanged, errors, \
                    problems, failed, needs_reconnect, changes \
             FROM sync_runs WHERE user_id = $1 ORDER BY started_at DESC, id DESC LIMIT ",
            $limit
        )
    };
}
pub(super) use runs_of_teacher;

/// The statements that record a run: the run (returning its id), its audit entry, and the
/// lease's return (a NULL holder matches no lease).
const INSERT_RUN: &str = "INSERT INTO sync_runs (user_id, trigger, started_at, finished_at, added, updated, removed, \
         unchanged, errors, problems, failed, needs_reconnect, changes) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $17, $18) RETURNING id; \
     INSERT INTO audit_log (at, actor_id, action, subject_id, detail) VALUES ($12, $13, $14, $1, $15); \
     DELETE FROM sync_leases WHERE user_id = $1 AND holder = $16";

/// Records a finished sync run and its `sync_run` audit entry, and with `run.lease_holder` gives
/// that holder's sync lease on the teacher back; returns the run's id. One query, one round
/// trip, ending with `COMMIT`: the last of the caller's write transaction, or with `begin` the
/// whole of one (see [`super::one_trip`]).
pub(super) async fn insert_run_and_commit(
    conn: &mut SqliteConnection,
    teacher: UserId,
    run: &RunRecord,
    begin: bool,
) -> StoreResult<i64> {
    let sql = if begin {
        format!("BEGIN IMMEDIATE; {INSERT_RUN}; COMMIT")
    } else {
        format!("{INSERT_RUN}; COMMIT")
    };
    let query = bind_run(sqlx::query(sqlx::AssertSqlSafe(sql)), teacher, run)?;
    run_id(&rows_by_statement(conn, query).await?)
}

/// [`INSERT_RUN`] with its parameters numbered from `$first` instead of `$1`, to follow the
/// `first - 1` parameters of statements before it in one query.
pub(super) fn insert_run_from(first: usize) -> String {
    let mut shifted = String::with_capacity(INSERT_RUN.len() + 16);
    let mut rest = INSERT_RUN;
    while let Some(dollar) = rest.find('$') {
        shifted.push_str(&rest[..=dollar]);
        rest = &rest[dollar + 1..];
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        match rest[..digits].parse::<usize>() {
            Ok(n) => shifted.push_str(&(n + first - 1).to_string()),
            Err(_) => shifted.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    shifted.push_str(rest);
    shifted
}

/// Binds [`INSERT_RUN`]'s parameters, after any bound already.
pub(super) fn bind_run<'q>(
    query: Query<'q, Sqlite, SqliteArguments>,
    teacher: UserId,
    run: &'q RunRecord,
) -> StoreResult<Query<'q, Sqlite, SqliteArguments>> {
    let problems = serde_json::to_string(&run.problems).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let c = run.counts;
    let changes = crate::rows::changes_json(&c)?;
    let entry = sync_run_entry(teacher, run);
    Ok(query
        .bind(teacher.0)
        .bind(run.trigger.as_str())
        .bind(ts(run.started_at))
        .bind(ts(run.finished_at))
        .bind(i64::from(c.added))
        .bind(i64::from(c.updated))
        .bind(i64::from(c.removed))
        .bind(i64::from(c.unchanged))
        .bind(i64::from(c.errors))
        .bind(problems)
        .bind(run.failed)
        .bind(ts(entry.at))
        .bind(entry.actor.map(|a| a.0))
        .bind(entry.action.as_str())
        .bind(entry.detail)
        // No holder (NULL) matches no lease.
        .bind(run.lease_holder.as_deref())
        .bind(run.needs_reconnect)
        .bind(changes))
}

/// The run's id: the one row [`INSERT_RUN`] returns, whatever statements came with it.
pub(super) fn run_id(statements: &[Vec<SqliteRow>]) -> StoreResult<i64> {
    let row = statements.iter().flatten().next();
    let row = row.ok_or_else(|| StoreError::Corrupt("a sync run was recorded without an id".into()))?;
    Ok(row.try_get(0)?)
}

/// The teacher's most recent runs, newest (by start time) first.
pub(super) async fn sync_runs(pool: &SqlitePool, teacher: UserId, limit: u32) -> StoreResult<Vec<SyncRun>> {
    let rows: Vec<RunRow> =
        sqlx::query_as(runs_of_teacher!("$2")).bind(teacher.0).bind(i64::from(limit)).fetch_all(pool).await?;
    rows.into_iter().map(RunRow::into_run).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_statements_can_follow_other_parameters() {
        assert_eq!(insert_run_from(1), INSERT_RUN);
        let shifted = insert_run_from(6);
        assert!(
            shifted.contains(
                "VALUES ($6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $22, $23) RETURNING id"
            )
        );
        assert!(shifted.contains("VALUES ($17, $18, $19, $6, $20)"), "{shifted}");
        assert!(shifted.ends_with("WHERE user_id = $6 AND holder = $21"), "{shifted}");
    }
}
