//! Background sync jobs, shared by every replica. A claim is one statement: the subquery picks
//! the earliest due, unheld job with `FOR UPDATE SKIP LOCKED` (a row another claimer has locked
//! is skipped, not waited for; a row changed since the statement's snapshot is re-checked
//! against the condition once locked), and the `UPDATE` marks it held, so two claimers never get
//! the same job and never block each other.

use rollcall_core::UserId;
use sqlx::PgPool;
use time::OffsetDateTime;

use crate::rows::{JOB_COLUMNS as COLUMNS, JobRow, job};
use crate::{StoreResult, SyncJob};

/// Creates the job or moves it earlier.
pub(super) async fn schedule_sync(
    pool: &PgPool,
    teacher: UserId,
    run_after: OffsetDateTime,
    now: OffsetDateTime,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO sync_jobs (user_id, run_after, attempts, created_at) VALUES ($1, $2, 0, $3) \
         ON CONFLICT (user_id) DO UPDATE SET run_after = LEAST(sync_jobs.run_after, excluded.run_after)",
    )
    .bind(teacher.0)
    .bind(run_after)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// Claims the earliest due, unheld job.
pub(super) async fn claim_sync_job(
    pool: &PgPool,
    worker: &str,
    now: OffsetDateTime,
    lease: time::Duration,
) -> StoreResult<Option<SyncJob>> {
    let row: Option<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE sync_jobs SET claimed_by = $1, claimed_until = $2, attempts = attempts + 1 \
         WHERE user_id = (SELECT user_id FROM sync_jobs \
                          WHERE run_after <= $3 AND (claimed_until IS NULL OR claimed_until <= $3) \
                          ORDER BY run_after, user_id LIMIT 1 FOR UPDATE SKIP LOCKED) \
         RETURNING {COLUMNS}"
    )))
    .bind(worker)
    .bind(now + lease)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    row.map(job).transpose()
}

/// Releases (or removes) a job `worker` holds; `false` if it holds none.
pub(super) async fn finish_sync_job(
    pool: &PgPool,
    teacher: UserId,
    worker: &str,
    next_run: Option<OffsetDateTime>,
    error: Option<&str>,
) -> StoreResult<bool> {
    let done = match next_run {
        None => {
            sqlx::query("DELETE FROM sync_jobs WHERE user_id = $1 AND claimed_by = $2")
                .bind(teacher.0)
                .bind(worker)
                .execute(pool)
                .await?
        }
        Some(next) => {
            sqlx::query(
                "UPDATE sync_jobs SET run_after = $3, claimed_by = NULL, claimed_until = NULL, \
                 last_error = $4, attempts = CASE WHEN $4::text IS NULL THEN 0 ELSE attempts END \
                 WHERE user_id = $1 AND claimed_by = $2",
            )
            .bind(teacher.0)
            .bind(worker)
            .bind(next)
            .bind(error)
            .execute(pool)
            .await?
        }
    };
    Ok(done.rows_affected() == 1)
}
