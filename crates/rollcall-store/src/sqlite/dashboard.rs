//! The teacher's dashboard in one round trip: every read it needs, sent as one read transaction.
//!
//! Each query through sqlx is a hand-off to the connection's thread and back, so the reads (the
//! sections, their co-teachers, the latest run, the token's expiry, the known schools) and the
//! transaction's `BEGIN` and `COMMIT` go as one query, one hand-off.

use std::sync::LazyLock;

use rollcall_core::UserId;
use sqlx::{Row, SqlitePool};
use time::OffsetDateTime;

use super::KNOWN_SCHOOLS;
use super::dashboards::{CO_TEACHERS, SUMMARIES, SummaryRow, section_summaries};
use super::history::runs_of_teacher;
use super::one_trip::{OneTrip, decode, rows_by_statement};
use crate::rows::RunRow;
use crate::{StoreError, StoreResult, TeacherDashboard};

/// The dashboard's read transaction: `$1` the teacher, `$2` NULL (all of their sections). Its
/// statements, after `BEGIN`: the sections, their co-teachers, the latest run, the token's
/// expiry, and (in the second form) the known schools.
static DASHBOARD: LazyLock<[String; 2]> = LazyLock::new(|| {
    let reads = format!(
        "BEGIN; {SUMMARIES}; {CO_TEACHERS}; {}; SELECT expires_at FROM clever_tokens WHERE user_id = $1",
        runs_of_teacher!("1")
    );
    [format!("{reads}; COMMIT"), format!("{reads}; {KNOWN_SCHOOLS}; COMMIT")]
});

/// See [`crate::DashboardStore::teacher_dashboard`].
pub(super) async fn teacher_dashboard(
    pool: &SqlitePool,
    teacher: UserId,
    with_schools: bool,
) -> StoreResult<TeacherDashboard> {
    let query = DASHBOARD[usize::from(with_schools)].as_str();
    let mut tx = OneTrip::acquire(pool).await?;
    let statements = rows_by_statement(tx.conn(), sqlx::query(query).bind(teacher.0).bind(None::<i64>)).await;
    let statements = tx.settle(statements).await?;
    let unexpected =
        || StoreError::Corrupt(format!("the dashboard read gave {} statements", statements.len()));
    let (summaries, co_teachers, run, token, schools) = match statements.as_slice() {
        [_begin, summaries, co_teachers, run, token, _commit] => (summaries, co_teachers, run, token, None),
        [_begin, summaries, co_teachers, run, token, schools, _commit] => {
            (summaries, co_teachers, run, token, Some(schools))
        }
        _ => return Err(unexpected()),
    };
    let summaries = decode::<SummaryRow>(summaries)?;
    let co_teachers = decode::<(i64, String, String)>(co_teachers)?;
    Ok(TeacherDashboard {
        sections: section_summaries(summaries, co_teachers)?,
        last_sync: decode::<RunRow>(run)?.into_iter().next().map(RunRow::into_run).transpose()?,
        token_expires_at: token.first().map(|row| row.try_get::<OffsetDateTime, _>(0)).transpose()?,
        schools: match schools {
            Some(rows) => rows.iter().map(|row| row.try_get::<String, _>(0)).collect::<Result<_, _>>()?,
            None => Vec::new(),
        },
    })
}
