//! Reading stored values back, the same way on every backend: the row types both backends'
//! queries return, and their conversion into records. Only the SQL differs per backend.

mod audit;
mod classwork;

use std::collections::HashMap;

use rollcall_core::{
    CleverId, LocalEnrollment, LocalSection, LocalSnapshot, SectionId, SyncCounts, TeacherLink, UserId,
};
use time::OffsetDateTime;

pub(crate) use audit::AuditRow;
pub(crate) use classwork::{AssignmentRow, CompletionRow, StudentAssignmentRow};

use crate::{
    AccountRole, Conflict, FailureCount, LocalCredential, StoreError, StoreResult, SyncJob, SyncRun,
    SyncTrigger, User,
};

/// A stored Clever id, parsed again on the way out.
pub(crate) fn clever_id(s: &str) -> StoreResult<CleverId> {
    CleverId::parse(s).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// How people expect a list of names ordered: by last then first name, letters compared
/// without accents or case ("Çelik" between "Celano" and "Chen", not after "Wang"; "李" as "Li").
/// SQL's ORDER BY compares bytes, so rosters are sorted with this key after the query.
pub(crate) fn name_key(last: &str, first: &str) -> (String, String) {
    let fold = |s: &str| deunicode::deunicode(s).to_lowercase();
    (fold(last), fold(first))
}

/// A stored count.
pub(crate) fn count(n: i64) -> StoreResult<u32> {
    u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("count out of range: {n}")))
}

/// The account columns plus its Clever id and login email, as [`UserRow`] reads them; every
/// account query on either backend starts here (`concat!(select_user!(), "WHERE …")`).
macro_rules! select_user {
    () => {
        concat!("SELECT ", $crate::rows::user_columns!(), " FROM users u ", $crate::rows::user_joins!())
    };
}
pub(crate) use select_user;

/// The columns of a [`UserRow`] (from `users u` and [`user_joins!`]).
macro_rules! user_columns {
    () => {
        "u.id, u.role, u.first_name, u.middle_name, u.last_name, u.email, u.grade, u.school, \
         i.external_id AS clever_id, c.email AS login_email, u.admin_since IS NOT NULL AS admin, u.created_at"
    };
}
pub(crate) use user_columns;

/// The joins that give `users u` its Clever identity and its local credential.
macro_rules! user_joins {
    () => {
        "LEFT JOIN identities i ON i.user_id = u.id AND i.provider = 'clever' \
         LEFT JOIN local_credentials c ON c.user_id = u.id "
    };
}
pub(crate) use user_joins;

/// A live session and its account, by the hash of the session's cookie (`$1`) at a time (`$2`):
/// one query on every request of a logged-in user.
pub(crate) const SESSION_USER: &str = concat!(
    "SELECT s.csrf_token AS session_csrf_token, s.created_at AS session_created_at, \
            s.expires_at AS session_expires_at, ",
    user_columns!(),
    " FROM sessions s JOIN users u ON u.id = s.user_id ",
    user_joins!(),
    "WHERE s.id_hash = $1 AND s.expires_at > $2"
);

/// A row of [`SESSION_USER`].
#[derive(sqlx::FromRow)]
pub(crate) struct SessionUserRow {
    session_csrf_token: String,
    session_created_at: OffsetDateTime,
    session_expires_at: OffsetDateTime,
    #[sqlx(flatten)]
    user: UserRow,
}

impl SessionUserRow {
    /// The session (whose cookie hashes to `id_hash`) and its account.
    pub(crate) fn into_pair(self, id_hash: &[u8; 32]) -> StoreResult<(crate::Session, User)> {
        let user = self.user.into_user()?;
        let session = crate::Session {
            id_hash: *id_hash,
            user_id: user.id,
            csrf_token: self.session_csrf_token,
            created_at: self.session_created_at,
            expires_at: self.session_expires_at,
        };
        Ok((session, user))
    }
}

/// A stored role.
pub(crate) fn role(s: &str) -> StoreResult<AccountRole> {
    AccountRole::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown role {s:?}")))
}

/// A `users` row joined with its Clever identity and its local credential ([`select_user!`]).
#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    role: String,
    first_name: String,
    middle_name: Option<String>,
    last_name: String,
    email: Option<String>,
    grade: Option<String>,
    school: Option<String>,
    clever_id: Option<String>,
    login_email: Option<String>,
    admin: bool,
    created_at: OffsetDateTime,
}

impl UserRow {
    /// The account this row stores.
    pub(crate) fn into_user(self) -> StoreResult<User> {
        let role = role(&self.role)?;
        Ok(User {
            id: UserId(self.id),
            role,
            first_name: self.first_name,
            middle_name: self.middle_name,
            last_name: self.last_name,
            email: self.email,
            grade: self.grade,
            clever_id: self.clever_id.as_deref().map(clever_id).transpose()?,
            login_email: self.login_email,
            admin: self.admin,
            school: self.school,
            created_at: self.created_at,
        })
    }
}

/// A `sync_runs` row (`problems` read as JSON text on both backends).
#[derive(sqlx::FromRow)]
pub(crate) struct RunRow {
    id: i64,
    user_id: i64,
    trigger: String,
    started_at: OffsetDateTime,
    finished_at: OffsetDateTime,
    added: i64,
    updated: i64,
    removed: i64,
    unchanged: i64,
    errors: i64,
    problems: String,
    failed: bool,
    needs_reconnect: bool,
    /// [`rollcall_core::Changes`] as JSON; NULL for a run recorded before they were counted.
    changes: Option<String>,
}

/// The run's [`rollcall_core::Changes`] as the JSON its `changes` column keeps, if it has them.
pub(crate) fn changes_json(counts: &SyncCounts) -> StoreResult<Option<String>> {
    counts
        .changes
        .map(|c| serde_json::to_string(&c).map_err(|e| StoreError::Corrupt(e.to_string())))
        .transpose()
}

impl RunRow {
    /// The run this row stores.
    pub(crate) fn into_run(self) -> StoreResult<SyncRun> {
        let trigger = SyncTrigger::parse(&self.trigger)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown sync trigger {:?}", self.trigger)))?;
        let problems: Vec<String> = serde_json::from_str(&self.problems)
            .map_err(|e| StoreError::Corrupt(format!("sync run {} problems: {e}", self.id)))?;
        Ok(SyncRun {
            id: self.id,
            user_id: UserId(self.user_id),
            trigger,
            started_at: self.started_at,
            finished_at: self.finished_at,
            counts: SyncCounts {
                added: count(self.added)?,
                updated: count(self.updated)?,
                removed: count(self.removed)?,
                unchanged: count(self.unchanged)?,
                errors: count(self.errors)?,
                changes: self
                    .changes
                    .map(|json| serde_json::from_str(&json))
                    .transpose()
                    .map_err(|e| StoreError::Corrupt(format!("sync run {} changes: {e}", self.id)))?,
            },
            problems,
            failed: self.failed,
            needs_reconnect: self.needs_reconnect,
        })
    }
}

/// A section in the sync snapshot, with this teacher's link to it.
#[derive(sqlx::FromRow)]
pub(crate) struct SectionRow {
    /// Local id (the backends bind these to fetch the enrollments).
    pub(crate) id: i64,
    clever_id: String,
    synced_name: String,
    section_number: Option<String>,
    subject: Option<String>,
    grade: Option<String>,
    archived: bool,
    roster_known: bool,
    linked: bool,
    link_flagged: bool,
}

/// An enrollment in the sync snapshot (SQLite sends them as JSON arrays, in field order).
#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct EnrollmentRow {
    section_id: i64,
    clever_id: String,
    first_name: String,
    last_name: String,
    grade: Option<String>,
    flagged: bool,
}

/// The planner's snapshot from the two snapshot queries' rows.
pub(crate) fn local_snapshot(
    sections: Vec<SectionRow>,
    enrollments: Vec<EnrollmentRow>,
) -> StoreResult<LocalSnapshot> {
    let mut by_section: HashMap<i64, Vec<LocalEnrollment>> = HashMap::new();
    for e in enrollments {
        by_section.entry(e.section_id).or_default().push(LocalEnrollment {
            student_clever_id: clever_id(&e.clever_id)?,
            first_name: e.first_name,
            last_name: e.last_name,
            grade: e.grade,
            removed_in_clever: e.flagged,
        });
    }
    let sections = sections
        .into_iter()
        .map(|s| {
            Ok(LocalSection {
                id: SectionId(s.id),
                clever_id: clever_id(&s.clever_id)?,
                synced_name: s.synced_name,
                section_number: s.section_number,
                subject: s.subject,
                grade: s.grade,
                archived: s.archived,
                roster_known: s.roster_known,
                teacher_link: match (s.linked, s.link_flagged) {
                    (false, _) => TeacherLink::NotLinked,
                    (true, false) => TeacherLink::Active,
                    (true, true) => TeacherLink::RemovedInClever,
                },
                students: by_section.remove(&s.id).unwrap_or_default(),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(LocalSnapshot { sections })
}

/// The columns of a `sync_jobs` row, in [`JobRow`] order.
pub(crate) const JOB_COLUMNS: &str =
    "user_id, run_after, claimed_by, claimed_until, attempts, last_error, created_at";

/// A `sync_jobs` row, as the columns in [`JOB_COLUMNS`].
pub(crate) type JobRow =
    (i64, OffsetDateTime, Option<String>, Option<OffsetDateTime>, i64, Option<String>, OffsetDateTime);

/// The job a row stores.
pub(crate) fn job(row: JobRow) -> StoreResult<SyncJob> {
    let (user_id, run_after, claimed_by, claimed_until, attempts, last_error, created_at) = row;
    Ok(SyncJob {
        user_id: UserId(user_id),
        run_after,
        claimed_by,
        claimed_until,
        attempts: count(attempts)?,
        last_error,
        created_at,
    })
}

/// A `local_credentials` row: user id, email, PHC string, whether the email is confirmed (as
/// `select_credential!()` reads it).
pub(crate) type CredentialRow = (i64, String, String, bool);

/// The start of every credential query: `concat!(select_credential!(), "WHERE …")`.
macro_rules! select_credential {
    () => {
        "SELECT user_id, email, password_hash, confirmed_at IS NOT NULL FROM local_credentials "
    };
}
pub(crate) use select_credential;

/// The credential a row stores.
pub(crate) fn credential((user_id, email, password_hash, confirmed): CredentialRow) -> LocalCredential {
    LocalCredential { user_id: UserId(user_id), email, password_hash, confirmed }
}

/// A `failure_counters` row: failures, window end.
pub(crate) type FailureRow = (i64, OffsetDateTime);

/// The count a row stores.
pub(crate) fn failure_count((failures, window_ends): FailureRow) -> StoreResult<FailureCount> {
    Ok(FailureCount { failures: count(failures)?, window_ends })
}

/// The error for a unique violation on `identities` while linking: the (provider, user_id) key
/// means the account has another Clever id, the (provider, external_id) key that the id is
/// linked elsewhere. Any other error is passed on. PostgreSQL names the constraint; SQLite names
/// its columns in the message.
pub(crate) fn identity_conflict(e: sqlx::Error) -> StoreError {
    let Some(db) = e.as_database_error().filter(|db| db.is_unique_violation()) else {
        return e.into();
    };
    let on_user =
        db.constraint().map_or_else(|| db.message().contains(".user_id"), |c| c.contains("user_id"));
    StoreError::Conflict(if on_user {
        Conflict::AccountHasOtherClever
    } else {
        Conflict::CleverLinkedElsewhere
    })
}

#[cfg(test)]
mod tests {
    use super::name_key;

    #[test]
    fn names_sort_by_last_then_first_name_with_accents_and_case_folded() {
        let mut names = vec![
            ("Zoey", "Celik"),
            ("Zoë", "Çelik"),
            ("Ana", "cela"),
            ("Zoe", "Celik"),
            ("Wei", "李"),
            ("Al", "Lim"),
        ];
        names.sort_by_cached_key(|(first, last)| name_key(last, first));
        assert_eq!(
            names,
            [
                ("Ana", "cela"),
                ("Zoë", "Çelik"),
                ("Zoe", "Celik"),
                ("Zoey", "Celik"),
                ("Wei", "李"),
                ("Al", "Lim")
            ],
            "Zoë sorts with Zoe (a stable sort keeps their order), before Zoey; 李 is Li, before Lim"
        );
    }
}
