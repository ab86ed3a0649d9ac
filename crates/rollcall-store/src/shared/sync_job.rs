//! A teacher's background sync job and sync lease, read back: the same queries on both backends,
//! so this one file is compiled into each of them (`#[path]`); each backend supplies `Pool` and
//! `ts`.

use rollcall_core::UserId;

use super::{Pool, ts};
use crate::rows::{JOB_COLUMNS as COLUMNS, JobRow, job};
use crate::{StoreResult, SyncJob};
use time::OffsetDateTime;

/// The teacher's job.
pub(super) async fn sync_job(pool: &Pool, teacher: UserId) -> StoreResult<Option<SyncJob>> {
    let row: Option<JobRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM sync_jobs WHERE user_id = $1")))
            .bind(teacher.0)
            .fetch_optional(pool)
            .await?;
    row.map(job).transpose()
}

/// Whether a live lease on the teacher's sync exists at `now`.
pub(super) async fn sync_in_progress(pool: &Pool, teacher: UserId, now: OffsetDateTime) -> StoreResult<bool> {
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM sync_leases WHERE user_id = $1 AND until > $2)")
        .bind(teacher.0)
        .bind(ts(now))
        .fetch_one(pool)
        .await?)
}
