//! The audit log: who did what to which account, and when. Entries are written by the store in
//! the same transaction as the change they describe (sign-up, link, unlink, merge, role change,
//! school, admin rights, sync run), so an entry exists exactly when its change does.
//! Entries name accounts by id without a foreign key, so history outlives a merged account.

use async_trait::async_trait;
use rollcall_core::UserId;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::StoreResult;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// An account was created (by a Clever login or a local sign-up).
    AccountCreated,
    /// A Clever identity was linked to an existing account.
    CleverLinked,
    /// A Clever identity was unlinked.
    CleverUnlinked,
    /// Two accounts were merged.
    AccountsMerged,
    /// Clever reported a different role for the account.
    RoleChanged,
    /// A roster sync ran.
    SyncRun,
    /// A password was added to an account.
    PasswordAdded,
    /// The teacher's school was set or cleared.
    SchoolChanged,
    /// An operator granted or revoked the right to read the admin pages (`rollcall admin`).
    AdminChanged,
}

impl AuditAction {
    /// Every action, for filters.
    pub const ALL: [AuditAction; 9] = [
        AuditAction::AccountCreated,
        AuditAction::CleverLinked,
        AuditAction::CleverUnlinked,
        AuditAction::AccountsMerged,
        AuditAction::RoleChanged,
        AuditAction::SyncRun,
        AuditAction::PasswordAdded,
        AuditAction::SchoolChanged,
        AuditAction::AdminChanged,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::AccountCreated => "account_created",
            AuditAction::CleverLinked => "clever_linked",
            AuditAction::CleverUnlinked => "clever_unlinked",
            AuditAction::AccountsMerged => "accounts_merged",
            AuditAction::RoleChanged => "role_changed",
            AuditAction::SyncRun => "sync_run",
            AuditAction::PasswordAdded => "password_added",
            AuditAction::SchoolChanged => "school_changed",
            AuditAction::AdminChanged => "admin_changed",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// An entry to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// When.
    pub at: OffsetDateTime,
    /// Who did it: an account, or `None` for Rollcall itself (a background sync, Clever's data).
    pub actor: Option<UserId>,
    /// What.
    pub action: AuditAction,
    /// The account it concerns.
    pub subject: UserId,
    /// Details in words (`"Linked Clever account 5f…"`, `"At login: 3 students added"`).
    pub detail: String,
}

/// A recorded entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Id (increasing with time of recording).
    pub id: i64,
    /// When.
    pub at: OffsetDateTime,
    /// Who did it.
    pub actor: Option<UserId>,
    /// The actor's current name, if the account still exists.
    pub actor_name: Option<String>,
    /// What.
    pub action: AuditAction,
    /// The account it concerns.
    pub subject: UserId,
    /// The subject's current name, if the account still exists.
    pub subject_name: Option<String>,
    /// Details.
    pub detail: String,
}

/// Which entries to list. Every set field narrows the list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this action.
    pub action: Option<AuditAction>,
    /// Only entries whose subject or actor is this account.
    pub user: Option<UserId>,
    /// Only entries at or after this time.
    pub since: Option<OffsetDateTime>,
    /// Only entries before this time.
    pub until: Option<OffsetDateTime>,
    /// Only entries with an id below this (for "older" paging).
    pub before_id: Option<i64>,
}

/// The audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Entries matching `filter`, newest first (by id), at most `limit`.
    async fn audit_log(&self, filter: &AuditFilter, limit: u32) -> StoreResult<Vec<AuditEntry>>;
}

// ---- what the store itself records, in words (shared by both backends) ----

/// A role in words (`district admin`).
pub(crate) fn role_words(role: crate::AccountRole) -> String {
    role.as_str().replace('_', " ")
}

/// An entry about what an account did to itself (signed up, linked Clever, set its school…).
pub(crate) fn own_entry(
    user: UserId,
    action: AuditAction,
    detail: String,
    at: OffsetDateTime,
) -> NewAuditEntry {
    NewAuditEntry { at, actor: Some(user), action, subject: user, detail }
}

/// The `account_created` entry of a sign-up (`how`: "Clever", "email and password").
pub(crate) fn account_created(
    user: UserId,
    how: &str,
    role: crate::AccountRole,
    at: OffsetDateTime,
) -> NewAuditEntry {
    own_entry(user, AuditAction::AccountCreated, account_created_detail(how, role), at)
}

/// The words of an `account_created` entry, for SQL that writes the entry itself.
pub(crate) fn account_created_detail(how: &str, role: crate::AccountRole) -> String {
    format!("Signed up with {how} as {}", role_words(role))
}

/// The `sync_run` entry for a finished run: the teacher is the actor of the runs they started
/// (a login, the button); background and CLI runs are Rollcall's own.
pub(crate) fn sync_run_entry(teacher: UserId, run: &crate::RunRecord) -> NewAuditEntry {
    let (trigger, c) = (run.trigger, run.counts);
    let how = match trigger {
        crate::SyncTrigger::Login => "At login",
        crate::SyncTrigger::Button => "Sync my classes",
        crate::SyncTrigger::Background => "Background sync",
        crate::SyncTrigger::Cli => "Command line",
    };
    // The words the teacher reads on the dashboard, as this entry is shown on their profile.
    let detail = if run.failed {
        format!("{how}: the sync failed, nothing changed")
    } else {
        format!("{how}: {}", c.summary())
    };
    let actor = match trigger {
        crate::SyncTrigger::Login | crate::SyncTrigger::Button => Some(teacher),
        crate::SyncTrigger::Background | crate::SyncTrigger::Cli => None,
    };
    NewAuditEntry { at: run.finished_at, actor, action: AuditAction::SyncRun, subject: teacher, detail }
}

/// The `accounts_merged` entry: what moved, in words.
pub(crate) fn merge_entry(report: &crate::MergeReport, actor: UserId, at: OffsetDateTime) -> NewAuditEntry {
    let plural = |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    // Only what the merge brought to the survivor, and only counts that are not zero.
    let mut parts = Vec::new();
    if report.enrollments_moved > 0 {
        parts.push(plural(report.enrollments_moved, "class", "classes"));
    }
    if report.submissions_moved > 0 {
        parts.push(plural(report.submissions_moved, "completed assignment", "completed assignments"));
    }
    if report.classes_taught_moved > 0 {
        parts.push(plural(report.classes_taught_moved, "class taught", "classes taught"));
    }
    if report.identities_moved.iter().any(|p| p == "clever") {
        parts.push("Clever login".to_owned());
    }
    if report.sessions_moved > 0 {
        parts.push(plural(report.sessions_moved, "session", "sessions"));
    }
    let moved = if parts.is_empty() { String::new() } else { format!(": {}", parts.join(", ")) };
    // The person usually acts from the account being absorbed, which no longer exists once
    // this entry is read: name the account they are now in.
    let actor = if actor == report.absorbed { report.survivor } else { actor };
    NewAuditEntry {
        at,
        actor: Some(actor),
        action: AuditAction::AccountsMerged,
        subject: report.survivor,
        detail: format!("Merged account {} into {}{moved}", report.absorbed, report.survivor),
    }
}
