//! Roster sync: the snapshot the planner reads, and applying its changes.

use std::collections::HashMap;

use rollcall_core::{
    CleverId, LocalSnapshot, SectionChange, SectionUnlink, SourceStudent, StudentChange, UserId,
};
use sqlx::{SqliteConnection, SqlitePool};
use time::OffsetDateTime;

use super::one_trip::OneTrip;
use super::{history, ts};
use crate::rows::{EnrollmentRow, SectionRow, local_snapshot};
use crate::{RunRecord, StoreError, StoreResult};

/// The teacher's linked sections plus the sections with these Clever ids, with enrollments.
/// Two queries (sections, then all their enrollments) in one read transaction.
///
/// Both are written so that their cost follows the teacher's roster, not the database: the
/// sections are picked by a `UNION` of two index searches (an `OR` in the `WHERE` made SQLite
/// scan every section), and the enrollments are joined outward from the wanted sections
/// (`CROSS JOIN` fixes SQLite's join order; left to itself it walked every Clever identity).
pub(super) async fn snapshot(
    pool: &SqlitePool,
    teacher: UserId,
    clever_ids: &[CleverId],
) -> StoreResult<LocalSnapshot> {
    let wanted = json_array(clever_ids.iter().map(CleverId::as_str))?;
    let mut tx = pool.begin().await?;
    let sections: Vec<SectionRow> = sqlx::query_as(
        "SELECT s.id, s.clever_id, s.synced_name, s.section_number, s.subject, s.grade, \
                s.archived_at IS NOT NULL AS archived, st.user_id IS NOT NULL AS linked, \
                st.removed_in_clever_at IS NOT NULL AS link_flagged \
         FROM sections s \
         LEFT JOIN section_teachers st ON st.section_id = s.id AND st.user_id = $1 \
         WHERE s.id IN (SELECT section_id FROM section_teachers WHERE user_id = $1 \
                        UNION SELECT id FROM sections WHERE clever_id IN (SELECT value FROM json_each($2))) \
         ORDER BY s.id",
    )
    .bind(teacher.0)
    .bind(wanted)
    .fetch_all(&mut *tx)
    .await?;
    let ids = json_array(sections.iter().map(|s| s.id))?;
    let enrollments: Vec<EnrollmentRow> = sqlx::query_as(
        "SELECT e.section_id, i.external_id AS clever_id, u.first_name, u.last_name, u.grade, \
                e.removed_in_clever_at IS NOT NULL AS flagged \
         FROM enrollments e \
         CROSS JOIN users u ON u.id = e.user_id \
         CROSS JOIN identities i ON i.user_id = u.id AND i.provider = 'clever' \
         WHERE e.section_id IN (SELECT value FROM json_each($1)) \
         ORDER BY e.section_id, u.last_name, u.first_name, u.id",
    )
    .bind(ids)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;

    local_snapshot(sections, enrollments)
}

/// A JSON array, to pass a list as one parameter (`json_each` on SQLite).
fn json_array<T: serde::Serialize>(items: impl Iterator<Item = T>) -> StoreResult<String> {
    serde_json::to_string(&items.collect::<Vec<T>>()).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Writes a whole sync in one write transaction: each section change, each unlink, then the
/// run's record (see [`crate::Store::apply_sync`]). One commit for the lot: on the one SQLite
/// writer, a first login's six sections once took six commits, each rewriting the same pages
/// of the accounts and enrollments indexes into the WAL. Sent as few queries as it can be
/// ([`super::one_trip`]): a run with nothing to change (an unchanged repeat login) is one round
/// trip; otherwise `BEGIN IMMEDIATE`, two per section, one per unlink, and the run with `COMMIT`.
pub(super) async fn apply_sync(
    pool: &SqlitePool,
    teacher: UserId,
    changes: &[SectionChange],
    unlinks: &[SectionUnlink],
    now: OffsetDateTime,
    run: Option<&RunRecord>,
) -> StoreResult<Option<i64>> {
    let mut tx = OneTrip::acquire(pool).await?;
    if let (true, true, Some(run)) = (changes.is_empty(), unlinks.is_empty(), run) {
        let id = history::insert_run_and_commit(tx.conn(), teacher, run, true).await;
        return Ok(Some(tx.settle(id).await?));
    }
    let begun = sqlx::query("BEGIN IMMEDIATE").execute(tx.conn()).await;
    tx.step(begun).await?;
    for change in changes {
        let applied = apply_section(tx.conn(), teacher, change, now).await;
        tx.step(applied).await?;
    }
    for unlink in unlinks {
        let applied = apply_unlink(tx.conn(), teacher, unlink, now).await;
        tx.step(applied).await?;
    }
    match run {
        Some(run) => {
            let id = history::insert_run_and_commit(tx.conn(), teacher, run, false).await;
            Ok(Some(tx.settle(id).await?))
        }
        None => {
            let committed = sqlx::query("COMMIT").execute(tx.conn()).await;
            tx.settle(committed).await?;
            Ok(None)
        }
    }
}

/// Applies one section's change inside the caller's write transaction, as two queries:
///
/// 1. the section upsert, the teacher's link (returning the section's id), the accounts of the
///    roster's Clever ids, and the largest account id;
/// 2. the missing accounts created, the existing ones updated, removed students flagged,
///    everyone else enrolled.
///
/// New accounts get their ids here, above the largest in use: that is the id SQLite would pick
/// (`users.id` is a rowid without `AUTOINCREMENT`), and no other writer can take it first, as
/// the transaction holds SQLite's write lock from before the lookup. For the same reason a
/// Clever id the lookup did not find cannot be linked meanwhile; the identity insert has no
/// `ON CONFLICT`, so if it somehow were, the transaction fails instead of splitting a student in
/// two. Same rows as one student at a time (a first sync of 30 students once took ~110
/// statements, each a round trip).
async fn apply_section(
    conn: &mut SqliteConnection,
    teacher: UserId,
    change: &SectionChange,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let s = &change.section;
    // An account that exists already keeps its names unless the plan says otherwise: they are
    // either the student's own (from their login, so fuller) or the same roster data.
    let mut upserts: Vec<(&SourceStudent, bool)> = Vec::new();
    let mut removed = Vec::new();
    for change in &change.students {
        match change {
            StudentChange::Added { student } => upserts.push((student, false)),
            StudentChange::Updated { student, update_name, .. } => upserts.push((student, *update_name)),
            StudentChange::RemovedInClever { student_clever_id } => removed.push(student_clever_id.as_str()),
        }
    }
    let wanted = json_array(upserts.iter().map(|(s, _)| s.clever_id.as_str()))?;
    let removed = json_array(removed.into_iter())?;

    // One row per Clever id whoever gets here first; display_name is the teacher's, never synced.
    // The teacher is `primary` when first in Clever's teacher list. Every statement's rows have
    // one shape: (what, Clever id, id).
    let found: Vec<(String, Option<String>, i64)> = sqlx::query_as(
        "INSERT INTO sections (clever_id, synced_name, section_number, subject, grade, last_synced_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) \
         ON CONFLICT (clever_id) DO UPDATE SET synced_name = excluded.synced_name, \
             section_number = excluded.section_number, subject = excluded.subject, grade = excluded.grade, \
             archived_at = NULL, last_synced_at = excluded.last_synced_at; \
         INSERT INTO section_teachers (section_id, user_id, role, joined_at) \
         SELECT s.id, $7, CASE WHEN i.external_id = $8 THEN 'primary' ELSE 'co' END, $6 \
         FROM sections s LEFT JOIN identities i ON i.provider = 'clever' AND i.user_id = $7 \
         WHERE s.clever_id = $1 \
         ON CONFLICT (section_id, user_id) DO UPDATE SET role = excluded.role, removed_in_clever_at = NULL \
         RETURNING 'section', NULL, section_id; \
         SELECT 'student', external_id, user_id FROM identities \
         WHERE provider = 'clever' AND external_id IN (SELECT value FROM json_each($9)); \
         SELECT 'max', NULL, coalesce(max(id), 0) FROM users",
    )
    .bind(s.clever_id.as_str())
    .bind(&s.name)
    .bind(s.section_number.as_deref())
    .bind(s.subject.as_deref())
    .bind(s.grade.as_deref())
    .bind(ts(now))
    .bind(teacher.0)
    .bind(s.teacher_ids.first().map(CleverId::as_str))
    .bind(wanted)
    .fetch_all(&mut *conn)
    .await?;
    let (section_id, created, updates, enrolled) = prepare_students(&s.clever_id, found, upserts)?;
    // `WHERE true` tells SQLite's parser that ON CONFLICT belongs to the INSERT, not a join.
    sqlx::query(
        "UPDATE enrollments SET removed_in_clever_at = $1 \
         WHERE section_id = $4 AND removed_in_clever_at IS NULL AND user_id IN ( \
             SELECT user_id FROM identities \
             WHERE provider = 'clever' AND external_id IN (SELECT value FROM json_each($6))); \
         INSERT INTO users (id, role, first_name, middle_name, last_name, email, grade, created_at, updated_at) \
         SELECT json_extract(value, '$.id'), 'student', json_extract(value, '$.first'), NULL, \
                json_extract(value, '$.last'), NULL, json_extract(value, '$.grade'), $1, $1 \
         FROM json_each($2); \
         INSERT INTO identities (provider, external_id, user_id, created_at) \
         SELECT 'clever', json_extract(value, '$.clever_id'), json_extract(value, '$.id'), $1 FROM json_each($2); \
         UPDATE users SET grade = json_extract(j.value, '$.grade'), updated_at = $1, \
             first_name = CASE WHEN json_extract(j.value, '$.update_name') \
                               THEN json_extract(j.value, '$.first') ELSE users.first_name END, \
             last_name = CASE WHEN json_extract(j.value, '$.update_name') \
                              THEN json_extract(j.value, '$.last') ELSE users.last_name END \
         FROM json_each($3) AS j WHERE users.id = json_extract(j.value, '$.id'); \
         INSERT INTO enrollments (section_id, user_id, enrolled_at) \
         SELECT $4, value, $1 FROM json_each($5) WHERE true \
         ON CONFLICT (section_id, user_id) DO UPDATE SET removed_in_clever_at = NULL",
    )
    .bind(ts(now))
    .bind(created)
    .bind(updates)
    .bind(section_id)
    .bind(enrolled)
    .bind(removed)
    .execute(conn)
    .await?;
    Ok(())
}

/// The rows the first query of [`apply_section`] returned, and the roster: the section's id, the
/// accounts to create and to update, and the ids to enroll (JSON arrays, as the second query
/// takes them).
fn prepare_students(
    section: &CleverId,
    found: Vec<(String, Option<String>, i64)>,
    upserts: Vec<(&SourceStudent, bool)>,
) -> StoreResult<(i64, String, String, String)> {
    let (mut section_id, mut largest_id) = (None, None);
    let mut existing: HashMap<String, i64> = HashMap::new();
    for (what, clever_id, id) in found {
        match (what.as_str(), clever_id) {
            ("section", _) => section_id = Some(id),
            ("student", Some(clever_id)) => {
                existing.insert(clever_id, id);
            }
            ("max", _) => largest_id = Some(id),
            (what, clever_id) => {
                return Err(StoreError::Corrupt(format!("unexpected row {what} {clever_id:?}")));
            }
        }
    }
    let (Some(section_id), Some(mut next_id)) = (section_id, largest_id) else {
        return Err(StoreError::Corrupt(format!("section {section} was not upserted")));
    };

    let mut created = Vec::new();
    let mut updates = Vec::new();
    let mut enrolled = Vec::with_capacity(upserts.len());
    for (student, update_name) in upserts {
        let user_id = match existing.get(student.clever_id.as_str()) {
            Some(id) => {
                updates.push(serde_json::json!({
                    "id": id,
                    "grade": student.grade,
                    "update_name": update_name,
                    "first": student.first_name,
                    "last": student.last_name,
                }));
                *id
            }
            None => {
                next_id += 1;
                existing.insert(student.clever_id.as_str().to_owned(), next_id);
                created.push(serde_json::json!({
                    "id": next_id,
                    "clever_id": student.clever_id.as_str(),
                    "first": student.first_name,
                    "last": student.last_name,
                    "grade": student.grade,
                }));
                next_id
            }
        };
        enrolled.push(user_id);
    }
    let json =
        |v: &[serde_json::Value]| serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()));
    Ok((section_id, json(&created)?, json(&updates)?, json_array(enrolled.into_iter())?))
}

/// Flags the teacher's link; archives the section once no teacher is actively linked. Inside
/// the caller's write transaction.
async fn apply_unlink(
    tx: &mut SqliteConnection,
    teacher: UserId,
    unlink: &SectionUnlink,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let linked: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM section_teachers WHERE section_id = $1 AND user_id = $2")
            .bind(unlink.section_id.0)
            .bind(teacher.0)
            .fetch_optional(&mut *tx)
            .await?;
    if linked.is_none() {
        return Err(StoreError::NotFound(format!("section {} for teacher {teacher}", unlink.section_id)));
    }
    sqlx::query(
        "UPDATE section_teachers SET removed_in_clever_at = $1 \
         WHERE section_id = $2 AND user_id = $3 AND removed_in_clever_at IS NULL",
    )
    .bind(ts(now))
    .bind(unlink.section_id.0)
    .bind(teacher.0)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE sections SET archived_at = $1 \
         WHERE id = $2 AND archived_at IS NULL AND NOT EXISTS ( \
             SELECT 1 FROM section_teachers WHERE section_id = $2 AND removed_in_clever_at IS NULL)",
    )
    .bind(ts(now))
    .bind(unlink.section_id.0)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
