//! The conformance suite: each test takes a fresh, empty store and tells one story.

pub mod accounts;
pub mod audit;
pub mod classwork;
pub mod dashboards;
pub mod jobs;
pub mod linking;
pub mod local_accounts;
pub mod merge;
pub mod sessions;
pub mod sync;

use rollcall_core::{
    CleverId, SectionChange, SectionChangeKind, StudentChange, SyncedSection, SyncedStudent, UserId,
};
use rollcall_store::{
    AccountRole, AuditAction, AuditFilter, CleverProfile, NewLocalAccount, RunRecord, SealedToken, Store,
    SyncTrigger, User,
};
use time::{Duration, OffsetDateTime, macros::datetime};

/// A point in time, `minutes` after the suite's epoch.
pub fn at(minutes: i64) -> OffsetDateTime {
    datetime!(2025-09-01 08:00 UTC) + Duration::minutes(minutes)
}

/// A Clever id.
pub fn cid(s: &str) -> CleverId {
    CleverId::parse(s).unwrap()
}

/// A login profile.
pub fn profile(clever: &str, role: AccountRole, first: &str, last: &str) -> CleverProfile {
    CleverProfile {
        clever_id: cid(clever),
        role,
        first_name: first.to_owned(),
        middle_name: None,
        last_name: last.to_owned(),
        email: None,
        grade: None,
    }
}

/// A teacher who has logged in with Clever.
pub async fn teacher(store: &dyn Store, clever: &str, first: &str, last: &str) -> User {
    store.clever_login(&profile(clever, AccountRole::Teacher, first, last), at(0)).await.unwrap().0
}

/// A section as a sync writes it for `teacher` (one of the Clever ids in `teachers`, primary
/// first): primary when first.
pub fn section_for(teacher: &str, clever: &str, name: &str, teachers: &[&str]) -> SyncedSection {
    SyncedSection {
        clever_id: cid(clever),
        name: name.to_owned(),
        section_number: Some("1".to_owned()),
        subject: Some("math".to_owned()),
        grade: Some("5".to_owned()),
        primary: teachers.first() == Some(&teacher),
        roster_known: true,
    }
}

/// A section as a sync writes it for its primary teacher (the first of `teachers`).
pub fn section(clever: &str, name: &str, teachers: &[&str]) -> SyncedSection {
    section_for(teachers.first().copied().unwrap_or_default(), clever, name, teachers)
}

/// A student as a teacher's token shows them (last initial only).
pub fn student(clever: &str, first: &str, last: &str) -> SyncedStudent {
    SyncedStudent {
        clever_id: cid(clever),
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        grade: Some("5".to_owned()),
    }
}

/// A change of `kind` to `section` with these student changes.
pub fn change(
    section: SyncedSection,
    kind: SectionChangeKind,
    students: Vec<StudentChange>,
) -> SectionChange {
    SectionChange { section, existing: None, kind, students }
}

/// A finished sync run to record.
pub fn run(
    trigger: SyncTrigger,
    started_at: OffsetDateTime,
    finished_at: OffsetDateTime,
    counts: rollcall_core::SyncCounts,
    problems: &[String],
    failed: bool,
    lease_holder: Option<&str>,
) -> RunRecord {
    let (problems, lease_holder) = (problems.to_vec(), lease_holder.map(str::to_owned));
    RunRecord {
        trigger,
        started_at,
        finished_at,
        counts,
        problems,
        failed,
        needs_reconnect: false,
        lease_holder,
    }
}

/// A new section with these students enrolled.
pub fn created(section: SyncedSection, students: &[SyncedStudent]) -> SectionChange {
    let students = students.iter().map(|s| StudentChange::Added { student: s.clone() }).collect();
    change(section, SectionChangeKind::Created, students)
}

/// The ids and names of the teacher's sections, as the dashboard lists them.
pub async fn dashboard(store: &dyn Store, teacher: UserId) -> Vec<(String, bool)> {
    store.teacher_sections(teacher).await.unwrap().into_iter().map(|s| (s.name, s.archived)).collect()
}

/// A local account about to be signed up (the email as the web layer passes it: normalised).
pub fn local(role: AccountRole, first: &str, last: &str, email: &str) -> NewLocalAccount {
    NewLocalAccount {
        role,
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        email: email.trim().to_lowercase(),
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$hash-of-{first}"),
    }
}

/// A student who signed up with an email and password.
pub async fn local_student(store: &dyn Store, first: &str, last: &str, email: &str) -> User {
    store.create_local_account(&local(AccountRole::Student, first, last, email), at(0)).await.unwrap()
}

/// The actions of the account's audit entries (as subject or actor), oldest first.
pub async fn actions(store: &dyn Store, user: UserId) -> Vec<AuditAction> {
    let filter = AuditFilter { user: Some(user), ..AuditFilter::default() };
    let mut entries = store.audit_log(&filter, 100).await.unwrap();
    entries.reverse();
    entries.into_iter().map(|e| e.action).collect()
}

/// The app's steps as the stories take them, each one call of the store's real operations: a
/// Clever login, and one section's change or one unlink written on its own
/// ([`rollcall_store::SyncStore::apply_sync`] with a single step and no run), which is how most
/// stories set up the classes they need.
pub trait AppSteps: Store {
    /// A Clever login of `profile` at `now`, as the app makes it: the account upserted with a
    /// Clever token valid for an hour ([`login_token`]).
    fn clever_login<'a>(
        &'a self,
        profile: &'a CleverProfile,
        now: OffsetDateTime,
    ) -> impl std::future::Future<Output = rollcall_store::StoreResult<(User, bool)>> + Send + 'a {
        async move { self.upsert_clever_login(profile, &login_token(now), now).await }
    }

    fn apply_section<'a>(
        &'a self,
        teacher: UserId,
        change: &'a SectionChange,
        now: OffsetDateTime,
    ) -> impl std::future::Future<Output = rollcall_store::StoreResult<()>> + Send + 'a {
        async move { self.apply_sync(teacher, std::slice::from_ref(change), &[], now, None).await.map(drop) }
    }

    fn apply_unlink<'a>(
        &'a self,
        teacher: UserId,
        unlink: &'a rollcall_core::SectionUnlink,
        now: OffsetDateTime,
    ) -> impl std::future::Future<Output = rollcall_store::StoreResult<()>> + Send + 'a {
        async move { self.apply_sync(teacher, &[], std::slice::from_ref(unlink), now, None).await.map(drop) }
    }
}

impl<S: Store + ?Sized> AppSteps for S {}

/// The token a login at `now` stores: an hour long (the bytes are opaque to the store).
pub fn login_token(now: OffsetDateTime) -> SealedToken {
    SealedToken { sealed: vec![1; 40], obtained_at: now, expires_at: now + time::Duration::hours(1) }
}
