//! A teacher's background sync job, read back: the same query on both backends, so this one file
//! is compiled into each of them (`#[path]`); each backend supplies `Pool`.

use rollcall_core::UserId;

use super::Pool;
use crate::rows::{JOB_COLUMNS as COLUMNS, JobRow, job};
use crate::{StoreResult, SyncJob};

/// The teacher's job.
pub(super) async fn sync_job(pool: &Pool, teacher: UserId) -> StoreResult<Option<SyncJob>> {
    let row: Option<JobRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM sync_jobs WHERE user_id = $1")))
            .bind(teacher.0)
            .fetch_optional(pool)
            .await?;
    row.map(job).transpose()
}
