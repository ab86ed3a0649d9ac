//! Failure counters for rate limits: one row per key, counting in fixed windows.
//!
//! The same queries on both backends, so this file is compiled into each of them (`#[path]`);
//! each backend supplies `Pool`, `begin_write` and `ts`. Counting is one upsert, so concurrent failures on any
//! replica are all counted.

use time::OffsetDateTime;

use super::{Pool, begin_write, ts};
use crate::rows::{FailureRow, failure_count};
use crate::{FailureCount, StoreResult};

/// Counts a failure: the first (or the first after a window ended) starts a window of `window`.
pub(super) async fn count_failure(
    pool: &Pool,
    key: &str,
    now: OffsetDateTime,
    window: time::Duration,
) -> StoreResult<FailureCount> {
    let mut tx = begin_write(pool).await?;
    let row: FailureRow = sqlx::query_as(
        "INSERT INTO failure_counters (key, failures, window_ends) VALUES ($1, 1, $2) \
         ON CONFLICT (key) DO UPDATE SET \
             failures = CASE WHEN failure_counters.window_ends <= $3 THEN 1 \
                             ELSE failure_counters.failures + 1 END, \
             window_ends = CASE WHEN failure_counters.window_ends <= $3 THEN excluded.window_ends \
                                ELSE failure_counters.window_ends END \
         RETURNING failures, window_ends",
    )
    .bind(key)
    .bind(ts(now + window))
    .bind(ts(now))
    .fetch_one(&mut *tx)
    .await?;
    // Counters whose window ended count nothing: drop them here, so keys made up by someone
    // guessing at many emails do not pile up. Failures are rare, so this costs little.
    sqlx::query("DELETE FROM failure_counters WHERE window_ends <= $1")
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    failure_count(row)
}

/// The failures in the window current at `now`, if any.
pub(super) async fn failures(
    pool: &Pool,
    key: &str,
    now: OffsetDateTime,
) -> StoreResult<Option<FailureCount>> {
    let row: Option<FailureRow> = sqlx::query_as(
        "SELECT failures, window_ends FROM failure_counters WHERE key = $1 AND window_ends > $2",
    )
    .bind(key)
    .bind(ts(now))
    .fetch_optional(pool)
    .await?;
    row.map(failure_count).transpose()
}

/// Forgets the key's failures.
pub(super) async fn clear_failures(pool: &Pool, key: &str) -> StoreResult<()> {
    let mut tx = begin_write(pool).await?;
    sqlx::query("DELETE FROM failure_counters WHERE key = $1").bind(key).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}
