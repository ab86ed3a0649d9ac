//! A section's student changes, inside `apply_section`'s transaction.

use std::collections::HashMap;

use rollcall_core::{CleverId, StudentChange, SyncedStudent};
use sqlx::PgConnection;
use time::OffsetDateTime;

use super::accounts::{clever_account, lock_clever_ids};
use crate::{StoreError, StoreResult};

/// The section's student changes, a few statements in all rather than a few per student: the
/// removed flagged at once; the Clever ids locked; every account looked up and the missing ones
/// created in one statement ([`find_or_create`]); then the existing ones updated
/// (`UPDATE … FROM unnest(…)`) and everyone enrolled, in one statement. Rows already as the
/// roster has them are left alone (an update of an unchanged row is still a new row version for
/// PostgreSQL, and most of a first login's students are already known).
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
    let mut upserts: Vec<(&SyncedStudent, bool)> = Vec::new();
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
    let students: Vec<&SyncedStudent> = upserts.iter().map(|(s, _)| *s).collect();
    let Accounts { existing, created } = find_or_create(conn, &students, now).await?;

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
    // The known students' changes and everyone's enrollment, in one statement. Planned for each
    // call (not kept prepared): a generic plan made while `users` is nearly empty hash-joins the
    // batch with a scan of every account; planned with the table's current size, it is one
    // primary-key probe per student. DISTINCT: one upsert may not touch a row twice, and a plan
    // could list a student twice.
    sqlx::query(
        "WITH updated AS ( \
             UPDATE users SET grade = coalesce(v.grade, users.grade), updated_at = $6, \
                 first_name = CASE WHEN v.update_name THEN v.first ELSE users.first_name END, \
                 last_name = CASE WHEN v.update_name THEN v.last ELSE users.last_name END \
             FROM unnest($1::bigint[], $2::text[], $3::boolean[], $4::text[], $5::text[]) \
                  AS v (id, grade, update_name, first, last) \
             WHERE users.id = v.id \
               AND ((v.grade IS NOT NULL AND users.grade IS DISTINCT FROM v.grade) \
                    OR (v.update_name AND (users.first_name IS DISTINCT FROM v.first \
                                           OR users.last_name IS DISTINCT FROM v.last)))) \
         INSERT INTO enrollments (section_id, user_id, enrolled_at) \
         SELECT DISTINCT $7::bigint, u, $6::timestamptz FROM unnest($8::bigint[]) AS u \
         ON CONFLICT (section_id, user_id) DO UPDATE SET removed_in_clever_at = NULL \
         WHERE enrollments.removed_in_clever_at IS NOT NULL",
    )
    .bind(updates.ids)
    .bind(updates.grades)
    .bind(updates.update_names)
    .bind(updates.firsts)
    .bind(updates.lasts)
    .bind(now)
    .bind(section_id)
    .bind(enrolled)
    .persistent(false)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The roster students' accounts: those that exist, and those just created.
struct Accounts {
    existing: HashMap<String, i64>,
    created: HashMap<String, i64>,
}

/// Looks up the roster students' accounts by Clever id and creates the missing ones, in one
/// statement: each existing identity is found by a primary-key probe, so the plan does not
/// depend on statistics (a LATERAL subquery the planner cannot flatten; as `external_id =
/// ANY($1)`, on a young database without statistics the planner can take `provider = 'clever'`
/// for a few rows and scan every Clever identity through the other index), and each new account
/// gets its id from the sequence first, so its identity can name it in the same statement.
///
/// The caller holds the students' Clever-id locks (taken in an earlier statement, so this one's
/// snapshot sees every account their holders created), so no one links them meanwhile; should a
/// writer ever do so without the lock, that identity insert does nothing, and, as in
/// `create_clever_account`, the fresh account is dropped and the winner's adopted.
async fn find_or_create(
    conn: &mut PgConnection,
    students: &[&SyncedStudent],
    now: OffsetDateTime,
) -> StoreResult<Accounts> {
    // A roster may list a student twice: one account each.
    let mut seen = std::collections::HashSet::new();
    let students: Vec<&SyncedStudent> =
        students.iter().copied().filter(|s| seen.insert(s.clever_id.as_str())).collect();
    let clever_ids: Vec<&str> = students.iter().map(|s| s.clever_id.as_str()).collect();
    let firsts: Vec<&str> = students.iter().map(|s| s.first_name.as_str()).collect();
    let lasts: Vec<&str> = students.iter().map(|s| s.last_name.as_str()).collect();
    let grades: Vec<Option<&str>> = students.iter().map(|s| s.grade.as_deref()).collect();
    // (Clever id, the account its identity names (NULL: a fresh account lost to an identity made
    // meanwhile), the fresh account's id (NULL: the account existed).)
    let rows: Vec<(String, Option<i64>, Option<i64>)> = sqlx::query_as(
        "WITH c AS ( \
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) \
                 AS c (clever_id, first, last, grade)), \
         found AS ( \
             SELECT c.clever_id, i.user_id FROM c \
             CROSS JOIN LATERAL (SELECT user_id FROM identities \
                                 WHERE provider = 'clever' AND external_id = c.clever_id OFFSET 0) AS i), \
         v AS ( \
             SELECT c.clever_id, c.first, c.last, c.grade, \
                    nextval(pg_get_serial_sequence('users', 'id')) AS id \
             FROM c WHERE NOT EXISTS (SELECT 1 FROM found f WHERE f.clever_id = c.clever_id)), \
         accounts AS ( \
             INSERT INTO users (id, role, first_name, middle_name, last_name, email, grade, created_at, updated_at) \
             OVERRIDING SYSTEM VALUE \
             SELECT id, 'student', first, NULL, last, NULL, grade, $5, $5 FROM v RETURNING id), \
         linked AS ( \
             INSERT INTO identities (provider, external_id, user_id, created_at) \
             SELECT 'clever', v.clever_id, a.id, $5 FROM accounts a JOIN v ON v.id = a.id \
             ON CONFLICT (provider, external_id) DO NOTHING RETURNING external_id, user_id) \
         SELECT clever_id, user_id, NULL::bigint FROM found \
         UNION ALL \
         SELECT v.clever_id, l.user_id, v.id FROM v LEFT JOIN linked l ON l.external_id = v.clever_id",
    )
    .bind(clever_ids.as_slice())
    .bind(firsts.as_slice())
    .bind(lasts.as_slice())
    .bind(grades.as_slice())
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;

    let mut accounts = Accounts { existing: HashMap::new(), created: HashMap::new() };
    for (clever_id, linked, fresh) in rows {
        match (linked, fresh) {
            (Some(id), None) => {
                accounts.existing.insert(clever_id, id);
            }
            (Some(id), Some(_)) => {
                accounts.created.insert(clever_id, id);
            }
            (None, Some(fresh)) => {
                sqlx::query("DELETE FROM users WHERE id = $1").bind(fresh).execute(&mut *conn).await?;
                let clever = CleverId::parse(&clever_id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let id = clever_account(conn, &clever).await?.ok_or_else(|| {
                    StoreError::Corrupt(format!("identity {clever_id} vanished during sync"))
                })?;
                accounts.existing.insert(clever_id, id);
            }
            (None, None) => return Err(StoreError::Corrupt(format!("no account for student {clever_id}"))),
        }
    }
    Ok(accounts)
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
    fn push(&mut self, id: i64, student: &SyncedStudent, update_name: bool) {
        self.ids.push(id);
        self.grades.push(student.grade.clone());
        self.update_names.push(update_name);
        self.firsts.push(student.first_name.clone());
        self.lasts.push(student.last_name.clone());
    }
}
