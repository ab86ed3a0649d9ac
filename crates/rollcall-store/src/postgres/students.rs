//! A section's student changes, inside `apply_section`'s transaction.

use std::collections::HashMap;

use rollcall_core::{CleverId, SourceStudent, StudentChange};
use sqlx::PgConnection;
use time::OffsetDateTime;

use super::accounts::{clever_account, lock_clever_ids};
use crate::{StoreError, StoreResult};

/// The section's student changes, a statement per kind of change rather than a few per student:
/// the removed flagged at once, every account looked up at once, the missing ones created, the
/// existing ones updated in one `UPDATE … FROM unnest(…)`, then everyone enrolled in one upsert.
/// Rows already as the roster has them are left alone (an update of an unchanged row is still
/// a new row version for PostgreSQL, and most of a first login's students are already known).
///
/// The students' Clever-id advisory locks are taken first (all at once, in key order, after the
/// section's row lock), so a student created here cannot be created again by their own first
/// login or by another teacher's sync running at the same time on another replica.
pub(super) async fn apply_students(
    conn: &mut PgConnection,
    section_id: i64,
    changes: &[StudentChange],
    now: OffsetDateTime,
) -> StoreResult<()> {
    // An account that exists already keeps its names unless the plan says otherwise: they are
    // either the student's own (from their login, so fuller) or the same roster data.
    let mut upserts: Vec<(&SourceStudent, bool)> = Vec::new();
    let mut removed: Vec<&str> = Vec::new();
    for change in changes {
        match change {
            StudentChange::Added { student } => upserts.push((student, false)),
            StudentChange::Updated { student, update_name, .. } => upserts.push((student, *update_name)),
            StudentChange::RemovedInClever { student_clever_id } => removed.push(student_clever_id.as_str()),
        }
    }
    if !removed.is_empty() {
        sqlx::query(
            "UPDATE enrollments e SET removed_in_clever_at = $1 \
             FROM identities i \
             WHERE i.provider = 'clever' AND i.external_id = ANY($3) AND e.user_id = i.user_id \
               AND e.section_id = $2 AND e.removed_in_clever_at IS NULL",
        )
        .bind(now)
        .bind(section_id)
        .bind(removed.as_slice())
        .execute(&mut *conn)
        .await?;
    }
    if upserts.is_empty() {
        return Ok(());
    }
    let wanted: Vec<&str> = upserts.iter().map(|(s, _)| s.clever_id.as_str()).collect();
    lock_clever_ids(conn, &wanted).await?;
    // One primary-key probe per id (a LATERAL subquery the planner cannot flatten): as
    // `external_id = ANY($1)`, a young database's missing statistics made the planner take
    // `provider = 'clever'` for a few rows and scan every Clever identity by the other index.
    let existing: HashMap<String, i64> = sqlx::query_as::<_, (String, i64)>(
        "SELECT i.external_id, i.user_id FROM unnest($1::text[]) AS c (id) \
         CROSS JOIN LATERAL (SELECT external_id, user_id FROM identities \
                             WHERE provider = 'clever' AND external_id = c.id OFFSET 0) AS i",
    )
    .bind(wanted.as_slice())
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();

    let missing: Vec<&SourceStudent> =
        upserts.iter().map(|(s, _)| *s).filter(|s| !existing.contains_key(s.clever_id.as_str())).collect();
    let created = create_students(conn, &missing, now).await?;

    let mut enrolled = Vec::with_capacity(upserts.len());
    let mut updates = Updates::default();
    for (student, update_name) in upserts {
        let clever_id = student.clever_id.as_str();
        let user_id = match (existing.get(clever_id), created.get(clever_id)) {
            (Some(&id), _) => {
                updates.push(id, student, update_name);
                id
            }
            (None, Some(&id)) => id,
            (None, None) => return Err(StoreError::Corrupt(format!("student {clever_id} was not created"))),
        };
        enrolled.push(user_id);
    }
    if !updates.ids.is_empty() {
        // Planned for each call (not kept prepared): a prepared statement's generic plan, made
        // while `users` was nearly empty, hash-joined the batch with a scan of every account
        // (20 ms at 14,000 accounts); planned with the table's current size, it probes the
        // primary key once per student.
        sqlx::query(
            "UPDATE users SET grade = v.grade, updated_at = $6, \
                 first_name = CASE WHEN v.update_name THEN v.first ELSE users.first_name END, \
                 last_name = CASE WHEN v.update_name THEN v.last ELSE users.last_name END \
             FROM unnest($1::bigint[], $2::text[], $3::boolean[], $4::text[], $5::text[]) \
                  AS v (id, grade, update_name, first, last) \
             WHERE users.id = v.id \
               AND (users.grade IS DISTINCT FROM v.grade \
                    OR (v.update_name AND (users.first_name IS DISTINCT FROM v.first \
                                           OR users.last_name IS DISTINCT FROM v.last)))",
        )
        .bind(updates.ids)
        .bind(updates.grades)
        .bind(updates.update_names)
        .bind(updates.firsts)
        .bind(updates.lasts)
        .bind(now)
        .persistent(false)
        .execute(&mut *conn)
        .await?;
    }
    // DISTINCT: one upsert may not touch a row twice, and a plan could list a student twice.
    sqlx::query(
        "INSERT INTO enrollments (section_id, user_id, enrolled_at) \
         SELECT DISTINCT $1::bigint, u, $2::timestamptz FROM unnest($3::bigint[]) AS u \
         ON CONFLICT (section_id, user_id) DO UPDATE SET removed_in_clever_at = NULL \
         WHERE enrollments.removed_in_clever_at IS NOT NULL",
    )
    .bind(section_id)
    .bind(now)
    .bind(enrolled)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Creates the accounts of roster students who have none, all in one statement: each gets its
/// id from the accounts' sequence first, so its Clever identity can name it in the same
/// statement. (One account and identity at a time, a first login's ~60 new students were ~120
/// round trips.) The caller holds the students' Clever-id locks, so no one links them meanwhile;
/// should a writer ever do so without the lock, that identity insert does nothing, and, as in
/// `create_clever_account`, the fresh account is dropped and the winner's adopted.
async fn create_students(
    conn: &mut PgConnection,
    students: &[&SourceStudent],
    now: OffsetDateTime,
) -> StoreResult<HashMap<String, i64>> {
    // A roster may list a student twice: one account each.
    let mut seen = std::collections::HashSet::new();
    let students: Vec<&SourceStudent> =
        students.iter().copied().filter(|s| seen.insert(s.clever_id.as_str())).collect();
    if students.is_empty() {
        return Ok(HashMap::new());
    }
    let clever_ids: Vec<&str> = students.iter().map(|s| s.clever_id.as_str()).collect();
    let firsts: Vec<&str> = students.iter().map(|s| s.first_name.as_str()).collect();
    let lasts: Vec<&str> = students.iter().map(|s| s.last_name.as_str()).collect();
    let grades: Vec<Option<&str>> = students.iter().map(|s| s.grade.as_deref()).collect();
    // (Clever id, the fresh account's id, the account the identity now names: NULL if it was
    // linked already.)
    let rows: Vec<(String, i64, Option<i64>)> = sqlx::query_as(
        "WITH v AS ( \
             SELECT c.clever_id, c.first, c.last, c.grade, \
                    nextval(pg_get_serial_sequence('users', 'id')) AS id \
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS c (clever_id, first, last, grade)), \
         accounts AS ( \
             INSERT INTO users (id, role, first_name, middle_name, last_name, email, grade, created_at, updated_at) \
             OVERRIDING SYSTEM VALUE \
             SELECT id, 'student', first, NULL, last, NULL, grade, $5, $5 FROM v RETURNING id), \
         linked AS ( \
             INSERT INTO identities (provider, external_id, user_id, created_at) \
             SELECT 'clever', v.clever_id, a.id, $5 FROM accounts a JOIN v ON v.id = a.id \
             ON CONFLICT (provider, external_id) DO NOTHING RETURNING external_id, user_id) \
         SELECT v.clever_id, v.id, l.user_id FROM v LEFT JOIN linked l ON l.external_id = v.clever_id",
    )
    .bind(clever_ids.as_slice())
    .bind(firsts.as_slice())
    .bind(lasts.as_slice())
    .bind(grades.as_slice())
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;

    let mut created = HashMap::with_capacity(rows.len());
    for (clever_id, fresh, linked) in rows {
        let id = match linked {
            Some(id) => id,
            None => {
                sqlx::query("DELETE FROM users WHERE id = $1").bind(fresh).execute(&mut *conn).await?;
                let clever = CleverId::parse(&clever_id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                clever_account(conn, &clever).await?.ok_or_else(|| {
                    StoreError::Corrupt(format!("identity {clever_id} vanished during sync"))
                })?
            }
        };
        created.insert(clever_id, id);
    }
    Ok(created)
}

/// Existing students' new values, column by column (bound as arrays and `unnest`ed).
#[derive(Default)]
struct Updates {
    ids: Vec<i64>,
    grades: Vec<Option<String>>,
    update_names: Vec<bool>,
    firsts: Vec<String>,
    lasts: Vec<String>,
}

impl Updates {
    fn push(&mut self, id: i64, student: &SourceStudent, update_name: bool) {
        self.ids.push(id);
        self.grades.push(student.grade.clone());
        self.update_names.push(update_name);
        self.firsts.push(student.first_name.clone());
        self.lasts.push(student.last_name.clone());
    }
}
