//! Classwork: assignments and their completion, with who may do what in the same statement.
//!
//! The same queries on both backends, so this file is compiled into each of them (`#[path]`);
//! each backend supplies `Pool`, `Conn`, `begin_read`, `begin_write` and `ts`. A teacher posts
//! only to a section they are actively linked to, and reads the work of any section they are
//! linked to in any state; a student reads and completes only the work of sections they are
//! actively enrolled in. Counts are over the actively enrolled students.

use rollcall_core::{AssignmentId, SectionId, UserId};
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;

use super::{Conn, Pool, begin_read, begin_write, ts};
use crate::rows::{AssignmentRow, CompletionRow, StudentAssignmentRow};
use crate::{Assignment, Completion, NewAssignment, StoreError, StoreResult, StudentAssignment};

/// Posts an assignment if the teacher is actively linked to its section.
pub(super) async fn create_assignment(
    pool: &Pool,
    teacher: UserId,
    new: &NewAssignment,
    now: OffsetDateTime,
) -> StoreResult<AssignmentId> {
    let mut tx = begin_write(pool).await?;
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO assignments (section_id, author_id, title, instructions, due_on, created_at) \
         SELECT section_id, user_id, $3, $4, $5, $6 FROM section_teachers \
         WHERE section_id = $1 AND user_id = $2 AND removed_in_clever_at IS NULL \
         RETURNING id",
    )
    .bind(new.section.0)
    .bind(teacher.0)
    .bind(&new.title)
    .bind(&new.instructions)
    .bind(new.due_on)
    .bind(ts(now))
    .fetch_optional(&mut *tx)
    .await?;
    let id =
        id.ok_or_else(|| StoreError::NotFound(format!("section {} for teacher {teacher}", new.section)))?;
    tx.commit().await?;
    Ok(AssignmentId(id))
}

/// The assignment columns, with the author's name and the counts over actively enrolled
/// students, for `FROM assignments a JOIN users u ON u.id = a.author_id`.
const ASSIGNMENT: &str = "SELECT a.id, a.section_id, a.title, a.instructions, a.due_on, \
        u.first_name || ' ' || u.last_name AS posted_by, a.created_at, \
        (SELECT COUNT(*) FROM assignment_completions c JOIN enrollments e \
           ON e.section_id = a.section_id AND e.user_id = c.user_id AND e.removed_in_clever_at IS NULL \
         WHERE c.assignment_id = a.id) AS done, \
        (SELECT COUNT(*) FROM enrollments e \
         WHERE e.section_id = a.section_id AND e.removed_in_clever_at IS NULL) AS students \
    FROM assignments a JOIN users u ON u.id = a.author_id ";

/// The section's assignments, newest first, if the teacher is linked to it.
pub(super) async fn section_assignments(
    pool: &Pool,
    teacher: UserId,
    section: SectionId,
) -> StoreResult<Vec<Assignment>> {
    let rows: Vec<AssignmentRow> = sqlx::query_as(AssertSqlSafe(format!(
        "{ASSIGNMENT} WHERE a.section_id = $1 \
           AND EXISTS (SELECT 1 FROM section_teachers WHERE section_id = $1 AND user_id = $2) \
         ORDER BY a.created_at DESC, a.id DESC"
    )))
    .bind(section.0)
    .bind(teacher.0)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(AssignmentRow::into_assignment).collect()
}

/// One assignment and its students, if the teacher is linked to its section.
pub(super) async fn assignment_progress(
    pool: &Pool,
    teacher: UserId,
    assignment: AssignmentId,
) -> StoreResult<Option<(Assignment, Vec<Completion>)>> {
    let mut tx = begin_read(pool).await?;
    let row: Option<AssignmentRow> = sqlx::query_as(AssertSqlSafe(format!(
        "{ASSIGNMENT} WHERE a.id = $1 \
           AND EXISTS (SELECT 1 FROM section_teachers WHERE section_id = a.section_id AND user_id = $2)"
    )))
    .bind(assignment.0)
    .bind(teacher.0)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let assignment = row.into_assignment()?;
    let students: Vec<CompletionRow> = sqlx::query_as(
        "SELECT u.id AS user_id, u.first_name, u.last_name, c.done_at, \
                e.removed_in_clever_at IS NOT NULL AS flagged \
         FROM enrollments e \
         JOIN users u ON u.id = e.user_id \
         LEFT JOIN assignment_completions c ON c.assignment_id = $1 AND c.user_id = e.user_id \
         WHERE e.section_id = $2 AND (e.removed_in_clever_at IS NULL OR c.done_at IS NOT NULL) \
         ORDER BY flagged, lower(u.last_name), lower(u.first_name), u.id",
    )
    .bind(assignment.id.0)
    .bind(assignment.section_id.0)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut students: Vec<_> = students.into_iter().map(CompletionRow::into_completion).collect();
    students.sort_by_cached_key(|c| {
        (c.removed_in_clever, crate::rows::name_key(&c.last_name, &c.first_name), c.student)
    });
    Ok(Some((assignment, students)))
}

/// The work of every section the student is actively enrolled in: not done first (earliest due
/// date first, undated last), then done; newest posted first within each.
pub(super) async fn student_assignments(pool: &Pool, student: UserId) -> StoreResult<Vec<StudentAssignment>> {
    let rows: Vec<StudentAssignmentRow> = sqlx::query_as(
        "SELECT a.id, a.section_id, s.synced_name AS section_name, a.title, a.instructions, a.due_on, \
                c.done_at \
         FROM enrollments e \
         JOIN sections s ON s.id = e.section_id \
         JOIN assignments a ON a.section_id = e.section_id \
         LEFT JOIN assignment_completions c ON c.assignment_id = a.id AND c.user_id = e.user_id \
         WHERE e.user_id = $1 AND e.removed_in_clever_at IS NULL AND s.archived_at IS NULL \
         ORDER BY c.done_at IS NOT NULL, \
                  CASE WHEN c.done_at IS NULL THEN a.due_on IS NULL END, \
                  CASE WHEN c.done_at IS NULL THEN a.due_on END, \
                  a.created_at DESC, a.id DESC",
    )
    .bind(student.0)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(StudentAssignmentRow::into_assignment).collect())
}

/// Marks an assignment done (keeping the first time) or not done, for a student actively
/// enrolled in its section.
pub(super) async fn set_done(
    pool: &Pool,
    student: UserId,
    assignment: AssignmentId,
    done: bool,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let mut tx = begin_write(pool).await?;
    if !may_complete(&mut tx, student, assignment).await? {
        return Err(StoreError::NotFound(format!("assignment {assignment} for student {student}")));
    }
    if done {
        sqlx::query(
            "INSERT INTO assignment_completions (assignment_id, user_id, done_at) VALUES ($1, $2, $3) \
             ON CONFLICT (assignment_id, user_id) DO NOTHING",
        )
        .bind(assignment.0)
        .bind(student.0)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query("DELETE FROM assignment_completions WHERE assignment_id = $1 AND user_id = $2")
            .bind(assignment.0)
            .bind(student.0)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Whether the student is actively enrolled in the assignment's section.
async fn may_complete(conn: &mut Conn, student: UserId, assignment: AssignmentId) -> StoreResult<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM assignments a JOIN enrollments e ON e.section_id = a.section_id \
         JOIN sections s ON s.id = a.section_id \
         WHERE a.id = $1 AND e.user_id = $2 AND e.removed_in_clever_at IS NULL AND s.archived_at IS NULL)",
    )
    .bind(assignment.0)
    .bind(student.0)
    .fetch_one(conn)
    .await?)
}
