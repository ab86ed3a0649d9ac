//! Sync history and the teacher's own section names.

use rollcall_core::UserId;
use sqlx::PgPool;

use super::audit;
use crate::audit::sync_run_entry;
use crate::rows::RunRow;
use crate::{RunRecord, StoreError, StoreResult, SyncRun};

/// Records a finished sync run and its `sync_run` audit entry, in one transaction; returns its id.
/// With `run.lease_holder`, also gives that holder's sync lease on the teacher back.
pub(super) async fn record_sync_run(pool: &PgPool, teacher: UserId, run: &RunRecord) -> StoreResult<i64> {
    let problems = serde_json::to_string(&run.problems).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let c = run.counts;
    let changes = crate::rows::changes_json(&c)?;
    let mut tx = pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sync_runs (user_id, trigger, started_at, finished_at, added, updated, removed, unchanged, \
             errors, problems, failed, needs_reconnect, changes) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13::jsonb) RETURNING id",
    )
    .bind(teacher.0)
    .bind(run.trigger.as_str())
    .bind(run.started_at)
    .bind(run.finished_at)
    .bind(i64::from(c.added))
    .bind(i64::from(c.updated))
    .bind(i64::from(c.removed))
    .bind(i64::from(c.unchanged))
    .bind(i64::from(c.errors))
    .bind(problems)
    .bind(run.failed)
    .bind(run.needs_reconnect)
    .bind(changes)
    .fetch_one(&mut *tx)
    .await?;
    audit::insert(&mut tx, &sync_run_entry(teacher, run)).await?;
    if let Some(holder) = &run.lease_holder {
        sqlx::query("DELETE FROM sync_leases WHERE user_id = $1 AND holder = $2")
            .bind(teacher.0)
            .bind(holder)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// The teacher's most recent runs, newest (by start time) first.
pub(super) async fn sync_runs(pool: &PgPool, teacher: UserId, limit: u32) -> StoreResult<Vec<SyncRun>> {
    let rows: Vec<RunRow> = sqlx::query_as(
        "SELECT id, user_id, trigger, started_at, finished_at, added, updated, removed, unchanged, errors, \
                problems::text AS problems, failed, needs_reconnect, changes::text AS changes \
         FROM sync_runs WHERE user_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2",
    )
    .bind(teacher.0)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(RunRow::into_run).collect()
}
