//! Accounts beyond Clever: local (email + password) accounts, linking and unlinking a Clever
//! identity, merging two accounts, the teacher's school, and failure counters for rate limits.
//!
//! The rules here are the product's safety rules, kept in the store so every backend enforces
//! them inside one transaction:
//! - an email never finds or links an account on its own: [`AccountStore::link_clever`] is only
//!   called after the caller has proven ownership of the account (its password or its session);
//! - a Clever identity belongs to at most one account, and an account has at most one;
//! - a merge moves everything of the absorbed account (enrollments, submissions, identities,
//!   credentials, sessions, audit history) to the surviving one, or nothing at all.

use async_trait::async_trait;
use rollcall_core::UserId;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{AccountRole, CleverProfile, StoreResult, User};

/// A rule a write would break. Each variant is something the person can act on; the web layer
/// words it for them. Returned inside [`crate::StoreError::Conflict`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// Another account already logs in with this email.
    #[error("another account already uses this email to log in")]
    EmailTaken,
    /// The account already has a password (and login email).
    #[error("the account already has a password")]
    PasswordAlreadySet,
    /// The Clever identity is linked to a different account.
    #[error("this Clever account is linked to another Rollcall account")]
    CleverLinkedElsewhere,
    /// The account is already linked to a different Clever identity.
    #[error("this Rollcall account is linked to another Clever account")]
    AccountHasOtherClever,
    /// Unlinking would leave the account with no way to log in (no password).
    #[error("the account has no password, so it could not log in without Clever")]
    NoOtherLogin,
    /// A merge of an account into itself.
    #[error("both accounts are the same account")]
    SameAccount,
    /// A merge of accounts that are not both students or both teachers.
    #[error("only two student accounts or two teacher accounts can be merged")]
    NotTheSameKind,
    /// A merge of two accounts that each have a Clever identity.
    #[error("both accounts are linked to Clever")]
    BothLinkedToClever,
}

/// A local (email + password) account about to be created. Its `Debug` hides the hash.
#[derive(Clone, PartialEq, Eq)]
pub struct NewLocalAccount {
    /// Teacher or student (the web layer offers only these two).
    pub role: AccountRole,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Login email, already normalised by the caller (trimmed, lower-case).
    pub email: String,
    /// The password's PHC string (argon2id); the store never sees a password.
    pub password_hash: String,
}

/// How an account logs in with a password. Its `Debug` hides the hash.
#[derive(Clone, PartialEq, Eq)]
pub struct LocalCredential {
    /// The account.
    pub user_id: UserId,
    /// Login email (normalised).
    pub email: String,
    /// PHC string.
    pub password_hash: String,
    /// Whether the owner has proven the login email (opened the link mailed to it). Only
    /// credentials from before confirmation existed can be unconfirmed.
    pub confirmed: bool,
}

impl std::fmt::Debug for NewLocalAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewLocalAccount")
            .field("role", &self.role)
            .field("first_name", &self.first_name)
            .field("last_name", &self.last_name)
            .field("email", &self.email)
            .field("password_hash", &"***")
            .finish()
    }
}

impl std::fmt::Debug for LocalCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalCredential")
            .field("user_id", &self.user_id)
            .field("email", &self.email)
            .field("password_hash", &"***")
            .field("confirmed", &self.confirmed)
            .finish()
    }
}

/// What a merge moved from the absorbed account to the surviving one, and what the absorbed
/// account's owner gains from the survivor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeReport {
    /// The account that survives (and now holds everything).
    pub survivor: UserId,
    /// The account that was absorbed (deleted once emptied).
    pub absorbed: UserId,
    /// Enrollments moved over.
    pub enrollments_moved: u32,
    /// Enrollments in a section both accounts were in: one kept (active wins over flagged).
    pub enrollments_shared: u32,
    /// The survivor's enrollments in sections the absorbed account was not in: what the person
    /// signed in to the absorbed account finds added. (`serde(default)`: a report sealed before
    /// this was counted reads 0.)
    #[serde(default)]
    pub enrollments_gained: u32,
    /// Assignment completions moved over.
    pub submissions_moved: u32,
    /// Assignments both accounts had marked done: one kept (the earlier time).
    pub submissions_shared: u32,
    /// The survivor's completions of assignments the absorbed account had not marked done.
    #[serde(default)]
    pub submissions_gained: u32,
    /// Classes the absorbed (teacher) account taught, moved over.
    #[serde(default)]
    pub classes_taught_moved: u32,
    /// Classes both teacher accounts taught: one link kept (one Clever still lists wins).
    #[serde(default)]
    pub classes_taught_shared: u32,
    /// The survivor's classes the absorbed account did not teach.
    #[serde(default)]
    pub classes_taught_gained: u32,
    /// Identity providers moved over (e.g. `clever`).
    pub identities_moved: Vec<String>,
    /// Sessions moved over (so whoever was logged in to either stays logged in).
    pub sessions_moved: u32,
}

/// A failure counter's state after [`AccountStore::count_failure`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCount {
    /// Failures in the current window, this one included.
    pub failures: u32,
    /// When the current window ends (and the count starts again).
    pub window_ends: OffsetDateTime,
}

/// Accounts beyond Clever. See the module docs for the rules every implementation keeps.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates a local account with a login email and password hash, its email recorded as
    /// confirmed: callers create one only once its owner has proven the email. Fails with
    /// [`Conflict::EmailTaken`] if another account logs in with that email (race-free: the
    /// email is UNIQUE).
    async fn create_local_account(
        &self,
        new: &NewLocalAccount,
        now: OffsetDateTime,
    ) -> StoreResult<crate::User>;

    /// The credential for a login email (normalised by the caller), if any.
    async fn credential_by_email(&self, email: &str) -> StoreResult<Option<LocalCredential>>;

    /// Gives an account without one (e.g. created by Clever) a login email and password, the
    /// email recorded as confirmed (as for [`AccountStore::create_local_account`]). Fails with
    /// [`Conflict::PasswordAlreadySet`] or [`Conflict::EmailTaken`].
    async fn add_credential(
        &self,
        user: UserId,
        email: &str,
        password_hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()>;

    /// Records that the owner of `user`'s credential proved its login email `email`; false
    /// (and nothing changes) if the account no longer logs in with that email.
    async fn confirm_email(&self, user: UserId, email: &str, now: OffsetDateTime) -> StoreResult<bool>;

    /// Whether any account has a password: only then can a new Clever teacher have an older
    /// account to link.
    async fn has_local_accounts(&self) -> StoreResult<bool>;

    /// Attaches a Clever identity to an existing account whose ownership the caller has proven,
    /// in one transaction with its audit entry (`clever_linked`, actor = the account). The
    /// account's names and email are left alone (the next Clever login refreshes them).
    /// Idempotent when the identity is already this account's. Fails with
    /// [`Conflict::CleverLinkedElsewhere`] or [`Conflict::AccountHasOtherClever`]; `NotFound`
    /// if the account does not exist.
    async fn link_clever(
        &self,
        user: UserId,
        profile: &CleverProfile,
        now: OffsetDateTime,
    ) -> StoreResult<()>;

    /// Removes the account's Clever identity and its stored Clever token (and its background
    /// sync job), keeping everything else: sections, students, assignments, history. Records
    /// `clever_unlinked`. Returns false if it had none. Fails with [`Conflict::NoOtherLogin`]
    /// if the account has no password.
    async fn unlink_clever(&self, user: UserId, now: OffsetDateTime) -> StoreResult<bool>;

    /// Makes two student accounts, or two teacher accounts, one, in one transaction: everything of `absorbed` moves to
    /// `survivor` (see [`MergeReport`]), `absorbed` is deleted, and an `accounts_merged` audit
    /// entry is recorded (actor = `actor`, subject = `survivor`; the absorbed account's earlier
    /// audit entries now name the survivor as subject). Concurrent merges of overlapping accounts
    /// serialise: the later one finds an account gone and fails with `NotFound`, never leaving
    /// a half-merged pair. Fails with [`Conflict::SameAccount`], [`Conflict::NotTheSameKind`]
    /// or [`Conflict::BothLinkedToClever`].
    async fn merge_accounts(
        &self,
        survivor: UserId,
        absorbed: UserId,
        actor: UserId,
        now: OffsetDateTime,
    ) -> StoreResult<MergeReport>;

    /// Sets (or clears) the teacher's school, free text (trimmed by the caller).
    async fn set_school(&self, user: UserId, school: Option<&str>, now: OffsetDateTime) -> StoreResult<()>;

    /// Every school name some account has set, distinct, sorted case-insensitively.
    async fn known_schools(&self) -> StoreResult<Vec<String>>;

    /// Grants (`admin` true) or withdraws the admin pages for the account that logs in with
    /// `login_email` (already normalised), and returns it; `NotFound` if no account logs in with
    /// it. An operator's action on the server (`rollcall admin grant`): nothing a visitor can
    /// reach calls it.
    async fn set_admin(&self, login_email: &str, admin: bool, now: OffsetDateTime) -> StoreResult<User>;

    /// The accounts that may read the admin pages.
    async fn admins(&self) -> StoreResult<Vec<User>>;

    /// Counts one failure against `key` (e.g. `login:<email>`) in a fixed window of `window`
    /// starting at the first failure; a window that has ended starts a new one. Race-free and
    /// shared by every replica (it is a row in the database).
    async fn count_failure(
        &self,
        key: &str,
        now: OffsetDateTime,
        window: time::Duration,
    ) -> StoreResult<FailureCount>;

    /// Failures against `key` in its window that is current at `now`; `None` if there were none
    /// or the window has ended.
    async fn failures(&self, key: &str, now: OffsetDateTime) -> StoreResult<Option<FailureCount>>;

    /// Forgets `key`'s failures (after a success).
    async fn clear_failures(&self, key: &str) -> StoreResult<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hashes_never_print() {
        let c = LocalCredential {
            user_id: UserId(1),
            email: "a@b.c".into(),
            password_hash: "$argon2id$secret".into(),
            confirmed: true,
        };
        assert!(!format!("{c:?}").contains("secret"));
        let n = NewLocalAccount {
            role: AccountRole::Student,
            first_name: "A".into(),
            last_name: "B".into(),
            email: "a@b.c".into(),
            password_hash: "$argon2id$secret".into(),
        };
        assert!(!format!("{n:?}").contains("secret"));
    }
}
