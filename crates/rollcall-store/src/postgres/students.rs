//! A section's student changes, inside `apply_section`'s transaction.

use std::collections::HashMap;

use rollcall_core::{SourceStudent, StudentChange};
use sqlx::PgConnection;
use time::OffsetDateTime;

use super::accounts::{NewAccount, create_clever_account, lock_clever_ids};
use crate::{AccountRole, StoreResult};

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

    let mut enrolled = Vec::with_capacity(upserts.len());
    let mut updates = Updates::default();
    for (student, update_name) in upserts {
        let (user_id, created) = match existing.get(student.clever_id.as_str()) {
            Some(id) => (*id, false),
            None => create_clever_account(conn, &student.clever_id, &new_student(student), now).await?,
        };
        if !created {
            updates.push(user_id, student, update_name);
        }
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

/// The account a roster creates for a student who never logged in.
fn new_student(student: &SourceStudent) -> NewAccount<'_> {
    NewAccount {
        role: AccountRole::Student,
        first_name: &student.first_name,
        middle_name: None,
        last_name: &student.last_name,
        email: None,
        grade: student.grade.as_deref(),
    }
}
