//! What the dashboards show: a teacher's sections, one section's roster, a student's classes.
//!
//! The queries are the same on both backends, so this one file is compiled into each of them
//! (`#[path]`); each backend supplies `Pool`, `Conn` and `begin_read`.

use std::collections::HashMap;

use rollcall_core::{SectionId, UserId};
use time::OffsetDateTime;

use super::{Conn, Pool, begin_read};
use crate::rows::{clever_id, count};
use crate::{RosterEntry, SectionRoster, SectionSummary, StoreError, StoreResult, StudentSection};

/// A row of [`SUMMARIES`].
#[derive(sqlx::FromRow)]
pub(super) struct SummaryRow {
    id: i64,
    clever_id: String,
    synced_name: String,
    display_name: Option<String>,
    section_number: Option<String>,
    subject: Option<String>,
    grade: Option<String>,
    archived: bool,
    roster_known: bool,
    last_synced_at: OffsetDateTime,
    active_students: i64,
    removed_students: i64,
}

/// The teacher's (`$1`) sections, or only section `$2` if not NULL, with student counts:
/// active first then archived or flagged, by the name shown.
pub(super) const SUMMARIES: &str = "SELECT s.id, s.clever_id, s.synced_name, s.display_name, s.section_number, s.subject, s.grade, \
            (s.archived_at IS NOT NULL OR st.removed_in_clever_at IS NOT NULL) AS archived, \
            s.roster_unknown_since IS NULL AS roster_known, s.last_synced_at, \
            (SELECT COUNT(*) FROM enrollments e \
              WHERE e.section_id = s.id AND e.removed_in_clever_at IS NULL) AS active_students, \
            (SELECT COUNT(*) FROM enrollments e \
              WHERE e.section_id = s.id AND e.removed_in_clever_at IS NOT NULL) AS removed_students \
     FROM section_teachers st JOIN sections s ON s.id = st.section_id \
     WHERE st.user_id = $1 AND ($2 IS NULL OR s.id = $2) \
     ORDER BY archived, lower(COALESCE(s.display_name, s.synced_name)), s.id";

/// The other teachers actively linked to the same sections as [`SUMMARIES`], as
/// `(section id, first name, last name)`, the primary teacher first.
pub(super) const CO_TEACHERS: &str = "SELECT o.section_id, u.first_name, u.last_name \
     FROM section_teachers mine \
     JOIN section_teachers o ON o.section_id = mine.section_id AND o.user_id <> mine.user_id \
          AND o.removed_in_clever_at IS NULL \
     JOIN users u ON u.id = o.user_id \
     WHERE mine.user_id = $1 AND ($2 IS NULL OR mine.section_id = $2) \
     ORDER BY o.section_id, CASE o.role WHEN 'primary' THEN 0 ELSE 1 END, u.last_name, u.first_name, u.id";

/// The teacher's sections, active first then archived or flagged, by the name shown.
pub(super) async fn teacher_sections(pool: &Pool, teacher: UserId) -> StoreResult<Vec<SectionSummary>> {
    let mut tx = begin_read(pool).await?;
    let summaries = summaries(&mut tx, teacher, None).await?;
    tx.commit().await?;
    Ok(summaries)
}

/// The teacher's sections (or just `only`), with co-teachers and student counts.
async fn summaries(
    conn: &mut Conn,
    teacher: UserId,
    only: Option<SectionId>,
) -> StoreResult<Vec<SectionSummary>> {
    let rows: Vec<SummaryRow> =
        sqlx::query_as(SUMMARIES).bind(teacher.0).bind(only.map(|s| s.0)).fetch_all(&mut *conn).await?;
    let others: Vec<(i64, String, String)> =
        sqlx::query_as(CO_TEACHERS).bind(teacher.0).bind(only.map(|s| s.0)).fetch_all(&mut *conn).await?;
    section_summaries(rows, others)
}

/// The rows of [`SUMMARIES`] and [`CO_TEACHERS`] as the dashboard's sections.
pub(super) fn section_summaries(
    rows: Vec<SummaryRow>,
    others: Vec<(i64, String, String)>,
) -> StoreResult<Vec<SectionSummary>> {
    let mut co_teachers = group_names(others);
    rows.into_iter()
        .map(|r| {
            Ok(SectionSummary {
                id: SectionId(r.id),
                clever_id: clever_id(&r.clever_id)?,
                name: r.display_name.clone().unwrap_or_else(|| r.synced_name.clone()),
                synced_name: r.synced_name,
                display_name: r.display_name,
                section_number: r.section_number,
                subject: r.subject,
                grade: r.grade,
                active_students: count(r.active_students)?,
                removed_students: count(r.removed_students)?,
                co_teachers: co_teachers.remove(&r.id).unwrap_or_default(),
                archived: r.archived,
                roster_known: r.roster_known,
                last_synced_at: r.last_synced_at,
            })
        })
        .collect()
}

/// "First Last" per section, in query order.
fn group_names(rows: Vec<(i64, String, String)>) -> HashMap<i64, Vec<String>> {
    let mut by_section: HashMap<i64, Vec<String>> = HashMap::new();
    for (section, first, last) in rows {
        by_section.entry(section).or_default().push(format!("{first} {last}"));
    }
    by_section
}

#[derive(sqlx::FromRow)]
struct RosterRow {
    user_id: i64,
    clever_id: String,
    first_name: String,
    last_name: String,
    grade: Option<String>,
    flagged: bool,
}

/// One of the teacher's sections (linked in any state) with its students: active first, then
/// flagged, each by last then first name.
pub(super) async fn section_roster(
    pool: &Pool,
    teacher: UserId,
    section: SectionId,
) -> StoreResult<Option<SectionRoster>> {
    let mut tx = begin_read(pool).await?;
    let Some(summary) = summaries(&mut tx, teacher, Some(section)).await?.pop() else {
        return Ok(None);
    };
    let rows: Vec<RosterRow> = sqlx::query_as(
        "SELECT u.id AS user_id, i.external_id AS clever_id, u.first_name, u.last_name, u.grade, \
                e.removed_in_clever_at IS NOT NULL AS flagged \
         FROM enrollments e \
         JOIN users u ON u.id = e.user_id \
         JOIN identities i ON i.user_id = u.id AND i.provider = 'clever' \
         WHERE e.section_id = $1 \
         ORDER BY flagged, lower(u.last_name), lower(u.first_name), u.id",
    )
    .bind(section.0)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut rows = rows;
    rows.sort_by_cached_key(|r| (r.flagged, crate::rows::name_key(&r.last_name, &r.first_name), r.user_id));
    let students = rows
        .into_iter()
        .map(|r| {
            Ok(RosterEntry {
                user_id: UserId(r.user_id),
                clever_id: clever_id(&r.clever_id)?,
                first_name: r.first_name,
                last_name: r.last_name,
                grade: r.grade,
                removed_in_clever: r.flagged,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Some(SectionRoster { section: summary, students }))
}

/// Whether some class that is not archived has a roster Clever did not give (see
/// `roster_unknown_since`): then a student's list of classes may be missing some.
pub(super) async fn any_roster_unknown(pool: &Pool) -> StoreResult<bool> {
    let found: Option<i32> = sqlx::query_scalar(
        "SELECT 1 FROM sections WHERE roster_unknown_since IS NOT NULL AND archived_at IS NULL LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    Ok(found.is_some())
}

/// The student's active enrollments in sections that are not archived, by name; each with its
/// actively linked teachers, primary first.
pub(super) async fn student_sections(pool: &Pool, student: UserId) -> StoreResult<Vec<StudentSection>> {
    let mut tx = begin_read(pool).await?;
    let sections: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT s.id, s.synced_name, s.subject \
         FROM enrollments e JOIN sections s ON s.id = e.section_id \
         WHERE e.user_id = $1 AND e.removed_in_clever_at IS NULL AND s.archived_at IS NULL \
         ORDER BY lower(s.synced_name), s.id",
    )
    .bind(student.0)
    .fetch_all(&mut *tx)
    .await?;
    let teachers: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT st.section_id, u.first_name, u.last_name \
         FROM enrollments e \
         JOIN section_teachers st ON st.section_id = e.section_id AND st.removed_in_clever_at IS NULL \
         JOIN users u ON u.id = st.user_id \
         WHERE e.user_id = $1 AND e.removed_in_clever_at IS NULL \
         ORDER BY st.section_id, CASE st.role WHEN 'primary' THEN 0 ELSE 1 END, u.last_name, u.first_name, u.id",
    )
    .bind(student.0)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut teachers = group_names(teachers);
    Ok(sections
        .into_iter()
        .map(|(id, name, subject)| StudentSection {
            id: SectionId(id),
            name,
            subject,
            teachers: teachers.remove(&id).unwrap_or_default(),
        })
        .collect())
}

/// Sets or clears the teacher's own name for a section they are linked to. Surrounding blanks
/// are trimmed, and a blank name clears it.
pub(super) async fn set_display_name(
    pool: &Pool,
    teacher: UserId,
    section: SectionId,
    name: Option<&str>,
) -> StoreResult<()> {
    let name = name.map(str::trim).filter(|n| !n.is_empty());
    let done = sqlx::query(
        "UPDATE sections SET display_name = $1 \
         WHERE id = $2 AND EXISTS (SELECT 1 FROM section_teachers WHERE section_id = $2 AND user_id = $3)",
    )
    .bind(name)
    .bind(section.0)
    .bind(teacher.0)
    .execute(pool)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(StoreError::NotFound(format!("section {section} for teacher {teacher}")));
    }
    Ok(())
}
