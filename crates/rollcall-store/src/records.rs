//! What the store reads and writes, as plain data. Ids and Clever ids are the core newtypes.

use rollcall_core::{CleverId, SectionId, SyncCounts, UserId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// An account's role in Rollcall (see the web crate's docs for what each may do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountRole {
    /// Teaches sections; syncs them from Clever.
    Teacher,
    /// Attends sections.
    Student,
    /// School staff (no sections of their own).
    Staff,
    /// District administrator.
    DistrictAdmin,
}

impl AccountRole {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountRole::Teacher => "teacher",
            AccountRole::Student => "student",
            AccountRole::Staff => "staff",
            AccountRole::DistrictAdmin => "district_admin",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "teacher" => AccountRole::Teacher,
            "student" => AccountRole::Student,
            "staff" => AccountRole::Staff,
            "district_admin" => AccountRole::DistrictAdmin,
            _ => return None,
        })
    }
}

/// A Rollcall account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Local id.
    pub id: UserId,
    /// Role.
    pub role: AccountRole,
    /// Given name.
    pub first_name: String,
    /// Middle name.
    pub middle_name: Option<String>,
    /// Family name (an initial for a student only ever seen through a teacher's roster).
    pub last_name: String,
    /// Email: informational only, never used to find or link an account.
    pub email: Option<String>,
    /// Student grade.
    pub grade: Option<String>,
    /// The linked Clever identity, if any.
    pub clever_id: Option<CleverId>,
    /// The email this account logs in with, if it has a password.
    pub login_email: Option<String>,
    /// May read the admin pages: granted by an operator on the server ([`crate::AccountStore::set_admin`]
    /// through `rollcall admin grant`), never by anything a visitor does.
    pub admin: bool,
    /// The teacher's school, as they named it (Clever's Library data carries no school).
    pub school: Option<String>,
    /// When the account was created.
    pub created_at: OffsetDateTime,
}

/// Who just signed in with Clever (from `/me` and `/users/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleverProfile {
    /// Clever id.
    pub clever_id: CleverId,
    /// Role of this login.
    pub role: AccountRole,
    /// Given name.
    pub first_name: String,
    /// Middle name.
    pub middle_name: Option<String>,
    /// Family name (full: it comes from the user's own token).
    pub last_name: String,
    /// Email, if Clever has one.
    pub email: Option<String>,
    /// Student grade.
    pub grade: Option<String>,
}

/// A Clever access token, sealed (encrypted) by the caller; the store never sees it in clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedToken {
    /// Nonce and ciphertext.
    pub sealed: Vec<u8>,
    /// When it was obtained.
    pub obtained_at: OffsetDateTime,
    /// When it stops working (Clever does not say; the app assumes a lifetime).
    pub expires_at: OffsetDateTime,
}

/// A server-side login session. Only the SHA-256 of the cookie value is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the session cookie.
    pub id_hash: [u8; 32],
    /// The account.
    pub user_id: UserId,
    /// Synchronizer CSRF token for this session's forms.
    pub csrf_token: String,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Expiry.
    pub expires_at: OffsetDateTime,
}

/// What a teacher's dashboard shows ([`crate::DashboardStore::teacher_dashboard`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeacherDashboard {
    /// The teacher's sections, active first then archived, by name.
    pub sections: Vec<SectionSummary>,
    /// The most recent sync run, if any.
    pub last_sync: Option<SyncRun>,
    /// When the teacher's Clever token expires; `None` when there is none.
    pub token_expires_at: Option<OffsetDateTime>,
    /// The school names set on accounts, if asked for (else empty).
    pub schools: Vec<String>,
}

/// A section on a teacher's dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionSummary {
    /// Local id.
    pub id: SectionId,
    /// Clever id.
    pub clever_id: CleverId,
    /// What to show: the teacher's display name if set, else the synced name.
    pub name: String,
    /// The name Clever has.
    pub synced_name: String,
    /// The teacher's own name for it, if any.
    pub display_name: Option<String>,
    /// Section number.
    pub section_number: Option<String>,
    /// Subject.
    pub subject: Option<String>,
    /// Grade.
    pub grade: Option<String>,
    /// Students currently enrolled (not flagged).
    pub active_students: u32,
    /// Students flagged as removed in Clever.
    pub removed_students: u32,
    /// The other teachers' names.
    pub co_teachers: Vec<String>,
    /// Archived (gone from Clever) or this teacher's link is flagged.
    pub archived: bool,
    /// False when the last sync could not learn who is in it (Clever sent no member list and
    /// had no other way to ask): its students are then as an earlier sync left them.
    pub roster_known: bool,
    /// Last time a sync wrote it.
    pub last_synced_at: OffsetDateTime,
}

/// One student row in a section roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterEntry {
    /// The student's account.
    pub user_id: UserId,
    /// Clever id.
    pub clever_id: CleverId,
    /// Given name.
    pub first_name: String,
    /// Family name (or initial).
    pub last_name: String,
    /// Grade.
    pub grade: Option<String>,
    /// Flagged: Clever no longer lists them in this section.
    pub removed_in_clever: bool,
}

/// A section with its students, for the teacher's section page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionRoster {
    /// The section.
    pub section: SectionSummary,
    /// Students, active first, then flagged; by last then first name.
    pub students: Vec<RosterEntry>,
}

/// A class on a student's dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentSection {
    /// Local id.
    pub id: SectionId,
    /// Name (the synced name; display names are the teacher's).
    pub name: String,
    /// Subject.
    pub subject: Option<String>,
    /// Teachers' names, primary first.
    pub teachers: Vec<String>,
}

/// What started a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncTrigger {
    /// A Clever login.
    Login,
    /// The "Sync my classes" button.
    Button,
    /// A background job.
    Background,
    /// `rollcall sync`.
    Cli,
}

impl SyncTrigger {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncTrigger::Login => "login",
            SyncTrigger::Button => "button",
            SyncTrigger::Background => "background",
            SyncTrigger::Cli => "cli",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "login" => SyncTrigger::Login,
            "button" => SyncTrigger::Button,
            "background" => SyncTrigger::Background,
            "cli" => SyncTrigger::Cli,
            _ => return None,
        })
    }
}

/// A finished sync run about to be recorded: see [`crate::SyncStore::apply_sync`].
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// What started it.
    pub trigger: SyncTrigger,
    /// Start time.
    pub started_at: OffsetDateTime,
    /// End time.
    pub finished_at: OffsetDateTime,
    /// Counts.
    pub counts: SyncCounts,
    /// Plain-words problems (one per skipped section, or the reason the whole sync failed).
    pub problems: Vec<String>,
    /// True when the whole sync failed before planning.
    pub failed: bool,
    /// True when the teacher must reconnect Clever before a sync can work again (their Clever
    /// authorization expired or was withdrawn); the problems say so in words.
    pub needs_reconnect: bool,
    /// The holder whose sync lease on the teacher goes back in the same transaction
    /// ([`crate::SyncStore::release_sync_lease`]), if any.
    pub lease_holder: Option<String>,
}

/// One sync run, as kept in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRun {
    /// Run id.
    pub id: i64,
    /// The teacher.
    pub user_id: UserId,
    /// What started it.
    pub trigger: SyncTrigger,
    /// Start time.
    pub started_at: OffsetDateTime,
    /// End time.
    pub finished_at: OffsetDateTime,
    /// Counts.
    pub counts: SyncCounts,
    /// Plain-words problems (one per skipped section, or the reason the whole sync failed).
    pub problems: Vec<String>,
    /// True when the whole sync failed before planning (e.g. the section list could not be read).
    pub failed: bool,
    /// True when the teacher must reconnect Clever before a sync can work again.
    pub needs_reconnect: bool,
}

/// What happened to a callback's code the first time it was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackClaim {
    /// This request is the first: it must exchange the code, then call `finish_callback`.
    First,
    /// Another request is exchanging it right now.
    InProgress,
    /// Exchanged already; the login produced this account.
    Done(UserId),
    /// Exchanged already, and the login failed.
    Failed,
}

/// A teacher's background sync job (at most one per teacher).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncJob {
    /// The teacher whose classes it syncs.
    pub user_id: UserId,
    /// Not run before this time.
    pub run_after: OffsetDateTime,
    /// The worker holding it, if any.
    pub claimed_by: Option<String>,
    /// When the holder's lease ends (after which another worker may claim it).
    pub claimed_until: Option<OffsetDateTime>,
    /// Claims since the last successful run (1 on a first claim).
    pub attempts: u32,
    /// Why the last run failed, if it did.
    pub last_error: Option<String>,
    /// When the job was first scheduled.
    pub created_at: OffsetDateTime,
}
