//! Roster sync: the snapshot the planner reads, and applying its changes.

use std::collections::HashMap;
use std::sync::LazyLock;

use rollcall_core::{CleverId, LocalSnapshot, SectionChange, SectionUnlink, StudentChange, UserId};
use sqlx::query::Query;
use sqlx::sqlite::SqliteArguments;
use sqlx::{Row, Sqlite, SqliteConnection, SqlitePool};
use time::OffsetDateTime;

use super::one_trip::{OneTrip, decode, rows_by_statement};
use super::{history, ts};
use crate::rows::{EnrollmentRow, SectionRow, local_snapshot};
use crate::{RunRecord, StoreError, StoreResult};

/// The sync snapshot as one read transaction sent whole: the sections (ten columns; the
/// teacher's linked ones and those with the wanted Clever ids), then one row holding all their
/// enrollments as a JSON array of `[section id, Clever id, first, last, grade, flagged]`. Both
/// pick the sections by a `UNION` of two index searches (with an `OR` in the `WHERE`, SQLite
/// scans every section); the enrollments are joined outward from those sections (`CROSS JOIN`
/// fixes SQLite's join order, which left to itself can start from the Clever identities and walk
/// them all). The enrollments come as one value because sqlx hands each row from the
/// connection's thread to the caller's task separately: one value is one hand-off, however many
/// students the sections have.
const SNAPSHOT: &str = "BEGIN; \
    SELECT s.id, s.clever_id, s.synced_name, s.section_number, s.subject, s.grade, \
           s.archived_at IS NOT NULL AS archived, s.roster_unknown_since IS NULL AS roster_known, \
           st.user_id IS NOT NULL AS linked, st.removed_in_clever_at IS NOT NULL AS link_flagged \
    FROM sections s \
    LEFT JOIN section_teachers st ON st.section_id = s.id AND st.user_id = $1 \
    WHERE s.id IN (SELECT section_id FROM section_teachers WHERE user_id = $1 \
                   UNION SELECT id FROM sections WHERE clever_id IN (SELECT value FROM json_each($2))) \
    ORDER BY s.id; \
    SELECT json_group_array(json_array(e.section_id, i.external_id, u.first_name, u.last_name, u.grade, \
                                       json(iif(e.removed_in_clever_at IS NULL, 'false', 'true'))) \
                            ORDER BY e.section_id, u.last_name, u.first_name, u.id) \
    FROM enrollments e \
    CROSS JOIN users u ON u.id = e.user_id \
    CROSS JOIN identities i ON i.user_id = u.id AND i.provider = 'clever' \
    WHERE e.section_id IN (SELECT section_id FROM section_teachers WHERE user_id = $1 \
                   UNION SELECT id FROM sections WHERE clever_id IN (SELECT value FROM json_each($2))); \
    COMMIT";

/// [`lookup_sections`]' query: begin, upsert the sections and links, look up ids. One row
/// per Clever id whoever gets here first; display_name is the teacher's, never synced.
///
/// In both of its queries every statement is driven by its JSON list and probes the tables by
/// key (the test below checks SQLite's plans); `CROSS JOIN` fixes SQLite's join order where it
/// might otherwise walk a whole table (for the same reason the flags are an `UPDATE … WHERE (…)
/// IN (SELECT …)`: written as `UPDATE enrollments … FROM identities`, SQLite walks every Clever
/// identity). `WHERE true` tells SQLite's parser that `ON CONFLICT` belongs to the `INSERT`, not
/// a join.
const SECTIONS_LOOKUP: &str = "BEGIN IMMEDIATE; \
    INSERT INTO sections (clever_id, synced_name, section_number, subject, grade, roster_unknown_since, \
                          last_synced_at, created_at) \
    SELECT json_extract(value, '$.clever_id'), json_extract(value, '$.name'), json_extract(value, '$.number'), \
           json_extract(value, '$.subject'), json_extract(value, '$.grade'), \
           iif(json_extract(value, '$.roster_known'), NULL, $2), $2, $2 \
    FROM json_each($1) WHERE true \
    ON CONFLICT (clever_id) DO UPDATE SET synced_name = excluded.synced_name, \
        section_number = excluded.section_number, subject = excluded.subject, grade = excluded.grade, \
        roster_unknown_since = iif(excluded.roster_unknown_since IS NULL, NULL, \
                                   coalesce(sections.roster_unknown_since, excluded.roster_unknown_since)), \
        archived_at = NULL, last_synced_at = excluded.last_synced_at; \
    INSERT INTO section_teachers (section_id, user_id, role, joined_at) \
    SELECT s.id, $3, iif(json_extract(j.value, '$.primary'), 'primary', 'co'), $2 \
    FROM json_each($1) AS j \
    CROSS JOIN sections s ON s.clever_id = json_extract(j.value, '$.clever_id') \
    WHERE true \
    ON CONFLICT (section_id, user_id) DO UPDATE SET role = excluded.role, removed_in_clever_at = NULL; \
    SELECT (SELECT json_group_object(clever_id, id) FROM sections \
            WHERE clever_id IN (SELECT json_extract(value, '$.clever_id') FROM json_each($1))), \
           (SELECT json_group_object(i.external_id, json_array(u.id, u.grade, u.first_name, u.last_name)) \
            FROM identities i CROSS JOIN users u ON u.id = i.user_id \
            WHERE i.provider = 'clever' AND i.external_id IN (SELECT value FROM json_each($4))), \
           (SELECT coalesce(max(id), 0) FROM users)";

/// The sync's second query ([`write_sections`]): flags, new accounts, updates, enrollments. An
/// account or enrollment already as the roster has it is not written again: most students of a
/// first login are already known from their other classes, and rewriting a row dirties its page
/// of `users`, which the commit then copies into the WAL.
const SECTIONS_WRITE: &str = "UPDATE enrollments SET removed_in_clever_at = $1 \
    WHERE removed_in_clever_at IS NULL AND (section_id, user_id) IN ( \
        SELECT json_extract(j.value, '$[0]'), i.user_id FROM json_each($5) AS j \
        CROSS JOIN identities i ON i.provider = 'clever' AND i.external_id = json_extract(j.value, '$[1]')); \
    INSERT INTO users (id, role, first_name, middle_name, last_name, email, grade, created_at, updated_at) \
    SELECT json_extract(value, '$.id'), 'student', json_extract(value, '$.first'), NULL, \
           json_extract(value, '$.last'), NULL, json_extract(value, '$.grade'), $1, $1 \
    FROM json_each($2); \
    INSERT INTO identities (provider, external_id, user_id, created_at) \
    SELECT 'clever', json_extract(value, '$.clever_id'), json_extract(value, '$.id'), $1 FROM json_each($2); \
    UPDATE users SET grade = coalesce(json_extract(j.value, '$.grade'), users.grade), updated_at = $1, \
        first_name = CASE WHEN json_extract(j.value, '$.update_name') \
                          THEN json_extract(j.value, '$.first') ELSE users.first_name END, \
        last_name = CASE WHEN json_extract(j.value, '$.update_name') \
                         THEN json_extract(j.value, '$.last') ELSE users.last_name END \
    FROM json_each($3) AS j WHERE users.id = json_extract(j.value, '$.id') \
      AND ((json_extract(j.value, '$.grade') IS NOT NULL AND users.grade IS NOT json_extract(j.value, '$.grade')) \
           OR (json_extract(j.value, '$.update_name') \
               AND (users.first_name IS NOT json_extract(j.value, '$.first') \
                    OR users.last_name IS NOT json_extract(j.value, '$.last')))); \
    INSERT INTO enrollments (section_id, user_id, enrolled_at) \
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), $1 FROM json_each($4) WHERE true \
    ON CONFLICT (section_id, user_id) DO UPDATE SET removed_in_clever_at = NULL \
    WHERE enrollments.removed_in_clever_at IS NOT NULL";

/// The teacher's linked sections plus the sections with these Clever ids, with enrollments:
/// [`SNAPSHOT`]: the whole read transaction in one round trip.
pub(super) async fn snapshot(
    pool: &SqlitePool,
    teacher: UserId,
    clever_ids: &[CleverId],
) -> StoreResult<LocalSnapshot> {
    let wanted = json_array(clever_ids.iter().map(CleverId::as_str))?;
    let mut tx = OneTrip::acquire(pool).await?;
    let statements = rows_by_statement(tx.conn(), sqlx::query(SNAPSHOT).bind(teacher.0).bind(wanted)).await;
    let statements = tx.settle(statements).await?;
    let [_begin, sections, enrollments, _commit] = statements.as_slice() else {
        return Err(StoreError::Corrupt(format!("the sync snapshot gave {} statements", statements.len())));
    };
    let sections = decode::<SectionRow>(sections)?;
    let enrollments = match enrollments.as_slice() {
        [row] => serde_json::from_str::<Vec<EnrollmentRow>>(row.try_get(0)?)
            .map_err(|e| StoreError::Corrupt(format!("sync snapshot enrollments: {e}")))?,
        rows => {
            return Err(StoreError::Corrupt(format!("sync snapshot: {} enrollment rows, not 1", rows.len())));
        }
    };
    local_snapshot(sections, enrollments)
}

/// A JSON array, to pass a list as one parameter (`json_each` on SQLite).
fn json_array<T: serde::Serialize>(items: impl Iterator<Item = T>) -> StoreResult<String> {
    serde_json::to_string(&items.collect::<Vec<T>>()).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Writes a whole sync in one write transaction: every section change, every unlink, then the
/// run's record, its audit entry and the lease's return (see [`crate::SyncStore::apply_sync`]); it
/// commits whole or not at all. One commit for the lot: the sections' writes share the pages
/// of the accounts and enrollments indexes, and a commit copies each page it changed into the
/// WAL, so one commit copies them once. Sent as few queries as it can be ([`super::one_trip`]):
/// a run with nothing to change (an unchanged repeat login) is one round trip; section changes
/// and their run are two; unlinks add three each (the check and two updates), plus one, as the
/// run's record then goes in a query of its own.
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
    if changes.is_empty() {
        let begun = sqlx::query("BEGIN IMMEDIATE").execute(tx.conn()).await.map(drop);
        tx.step(begun).await?;
    } else {
        let planned = lookup_sections(tx.conn(), teacher, changes, now).await;
        let planned = tx.step(planned).await?;
        if let (true, Some(run)) = (unlinks.is_empty(), run) {
            // The usual case: the writes, the run and `COMMIT` in one query.
            let query =
                history::bind_run(write_sections(&WRITE_SECTIONS_AND_RUN, planned, now), teacher, run);
            let query = tx.step(query).await?;
            let statements = rows_by_statement(tx.conn(), query).await;
            return Ok(Some(history::run_id(&tx.settle(statements).await?)?));
        }
        let written = write_sections(SECTIONS_WRITE, planned, now).execute(tx.conn()).await.map(drop);
        tx.step(written).await?;
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

/// [`SECTIONS_WRITE`], then the run's record (its parameters after the writes' five) and
/// `COMMIT`: a sync's second and last query when it has no unlinks.
static WRITE_SECTIONS_AND_RUN: LazyLock<String> =
    LazyLock::new(|| format!("{SECTIONS_WRITE}; {}; COMMIT", history::insert_run_from(6)));

/// Begins the write transaction and plans every section change's rows; with [`write_sections`]
/// the changes are two queries whatever the number of sections (each list passed as one JSON
/// parameter):
///
/// 1. here, `BEGIN IMMEDIATE`; the sections upserted (marked "roster unknown" when the plan
///    says Clever did not list their students), the teacher linked to each (`primary` as the
///    plan says), then one row ([`Found`]): each section's id and the
///    accounts of the rosters' Clever ids as JSON objects by Clever id, and the largest
///    account id (one row rather than one per id: see [`SNAPSHOT`] on sqlx's row hand-offs);
///    from which the rows to write are planned;
/// 2. [`write_sections`]: the missing accounts created, the existing ones updated, removed
///    students flagged, everyone else enrolled.
///
/// New accounts get their ids here, above the largest in use: that is the id SQLite would pick
/// (`users.id` is a rowid without `AUTOINCREMENT`), and no other writer can take it first, as
/// the transaction holds SQLite's write lock from before the lookup. For the same reason a
/// Clever id the lookup did not find cannot be linked meanwhile; the identity insert has no
/// `ON CONFLICT`, so if it somehow were, the transaction fails instead of splitting a student in
/// two.
async fn lookup_sections(
    conn: &mut SqliteConnection,
    teacher: UserId,
    changes: &[SectionChange],
    now: OffsetDateTime,
) -> StoreResult<PlannedRows> {
    let sections = json_array(changes.iter().map(|c| {
        let s = &c.section;
        serde_json::json!({
            "clever_id": s.clever_id.as_str(),
            "name": s.name,
            "number": s.section_number,
            "subject": s.subject,
            "grade": s.grade,
            "primary": s.primary,
            "roster_known": s.roster_known,
        })
    }))?;
    let mut wanted: Vec<&str> = changes
        .iter()
        .flat_map(|c| c.students.iter())
        .filter_map(|s| match s {
            StudentChange::Added { student } | StudentChange::Updated { student, .. } => {
                Some(student.clever_id.as_str())
            }
            StudentChange::RemovedInClever { .. } => None,
        })
        .collect();
    wanted.sort_unstable();
    wanted.dedup();

    let found: Vec<(String, String, i64)> = sqlx::query_as(SECTIONS_LOOKUP)
        .bind(sections)
        .bind(ts(now))
        .bind(teacher.0)
        .bind(json_array(wanted.into_iter())?)
        .fetch_all(&mut *conn)
        .await?;
    let [(section_ids, students, largest_id)] = <[_; 1]>::try_from(found)
        .map_err(|rows| StoreError::Corrupt(format!("section lookup gave {} rows, not 1", rows.len())))?;
    let found =
        Found { section_ids: by_clever_id(&section_ids)?, known: by_clever_id(&students)?, largest_id };
    plan_rows(found, changes)
}

/// `sql` (beginning with [`SECTIONS_WRITE`]) with the writes' five parameters bound.
fn write_sections(sql: &str, rows: PlannedRows, now: OffsetDateTime) -> Query<'_, Sqlite, SqliteArguments> {
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(ts(now))
        .bind(rows.created)
        .bind(rows.updated)
        .bind(rows.enrolled)
        .bind(rows.flagged)
}

/// What the second query of a sync's writes ([`write_sections`]) writes, as JSON arrays:
/// accounts to create and to update, `[section id, account id]` pairs to enroll,
/// `[section id, Clever id]` pairs to flag.
struct PlannedRows {
    created: String,
    updated: String,
    enrolled: String,
    flagged: String,
}

/// What the first query of a sync's writes ([`lookup_sections`]) found: the ids of the sections
/// and the existing accounts of the rosters' students, by Clever id, and the largest account id
/// in use.
struct Found {
    section_ids: HashMap<String, i64>,
    known: HashMap<String, Known>,
    largest_id: i64,
}

/// An existing student account as stored: `[id, grade, first name, last name]`.
#[derive(serde::Deserialize)]
struct Known(i64, Option<String>, String, String);

/// A JSON object by Clever id, as `json_group_object` builds it.
fn by_clever_id<T: serde::de::DeserializeOwned>(json: &str) -> StoreResult<HashMap<String, T>> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("rows by Clever id: {e}")))
}

/// Turns what the first query found and the section changes into [`PlannedRows`]. A student on
/// several rosters gets one account, created once; an existing account is updated once (as its
/// last roster has it, the same result as writing the sections one after another), and only if
/// that changes it: most of a first login's students are known from other classes, as they are.
fn plan_rows(found: Found, changes: &[SectionChange]) -> StoreResult<PlannedRows> {
    let Found { section_ids, known, largest_id } = found;
    let mut next_id = largest_id;
    let mut created_ids: HashMap<&str, i64> = HashMap::new();

    let mut created = Vec::new();
    let mut updated: HashMap<i64, serde_json::Value> = HashMap::new();
    let mut enrolled = Vec::new();
    let mut flagged = Vec::new();
    for change in changes {
        let clever_id = change.section.clever_id.as_str();
        let Some(&section_id) = section_ids.get(clever_id) else {
            return Err(StoreError::Corrupt(format!("section {clever_id} was not upserted")));
        };
        for student_change in &change.students {
            let (student, update_name) = match student_change {
                StudentChange::Added { student } => (student, false),
                StudentChange::Updated { student, update_name, .. } => (student, *update_name),
                StudentChange::RemovedInClever { student_clever_id } => {
                    flagged.push(serde_json::json!([section_id, student_clever_id.as_str()]));
                    continue;
                }
            };
            // An account that exists already keeps its names unless the plan says otherwise:
            // they are either the student's own (from their login, so fuller) or roster data.
            let student_id = student.clever_id.as_str();
            let user_id = match (created_ids.get(student_id), known.get(student_id)) {
                // Created for an earlier roster of this sync: already written as it is here.
                (Some(&id), _) => id,
                (None, Some(Known(id, grade, first, last))) => {
                    let renamed = update_name && (*first != student.first_name || *last != student.last_name);
                    // A grade Clever did not send keeps the stored one.
                    let regraded = student.grade.is_some() && *grade != student.grade;
                    if regraded || renamed {
                        let row = serde_json::json!({
                            "id": id,
                            "grade": student.grade,
                            "update_name": update_name,
                            "first": student.first_name,
                            "last": student.last_name,
                        });
                        updated.insert(*id, row);
                    } else {
                        // As stored: this roster leaves it so, whatever an earlier one said.
                        updated.remove(id);
                    }
                    *id
                }
                (None, None) => {
                    next_id += 1;
                    created_ids.insert(student_id, next_id);
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
            enrolled.push(serde_json::json!([section_id, user_id]));
        }
    }
    Ok(PlannedRows {
        created: json_array(created.into_iter())?,
        updated: json_array(updated.into_values())?,
        enrolled: json_array(enrolled.into_iter())?,
        flagged: json_array(flagged.into_iter())?,
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteStore;

    /// SQLite's plan for each statement of the sync's hot queries reads tables by key only: no
    /// `SCAN` of a table (a scan of a JSON list is how they are meant to run), and no search of
    /// the identities by provider alone. A plan that scans a table makes every sync slower as the
    /// database grows.
    #[tokio::test]
    async fn sync_statements_read_tables_by_key() {
        let store = SqliteStore::open_temp().await.unwrap();
        let mut conn = store.pool.acquire().await.unwrap();
        // Plans then leave out the foreign-key checks on child tables, which SQLite runs only
        // while deferred violations are outstanding (never: the constraints are immediate).
        sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await.unwrap();
        for query in [SNAPSHOT, SECTIONS_LOOKUP, SECTIONS_WRITE] {
            for statement in query.split(';').map(str::trim) {
                if statement.is_empty() || statement.starts_with("BEGIN") || statement == "COMMIT" {
                    continue;
                }
                let plan: Vec<(i64, i64, i64, String)> =
                    sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {statement}")))
                        .fetch_all(&mut *conn)
                        .await
                        .unwrap();
                let scans: Vec<&String> = plan
                    .iter()
                    .map(|(_, _, _, detail)| detail)
                    .filter(|d| {
                        // `provider` alone is a search in name only: every Clever identity.
                        // A `SELECT` of values without a table is a `SCAN CONSTANT ROW`.
                        (d.starts_with("SCAN ")
                            && !d.contains("VIRTUAL TABLE")
                            && d.as_str() != "SCAN CONSTANT ROW")
                            || d.ends_with("(provider=?)")
                    })
                    .collect();
                assert!(scans.is_empty(), "{scans:?} in {statement}");
            }
        }
    }
}
