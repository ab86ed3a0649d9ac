//! The two inputs of a sync: what Clever said (`FetchedRoster`) and what Rollcall already has
//! (`LocalSnapshot`). Both are plain data, so the planner is a pure function of them.

use serde::{Deserialize, Serialize};

use crate::ids::{CleverId, SectionId};

/// A section as Clever sent it to a teacher (Library scope: no school, no district).
///
/// Absent is not empty: a field is `None` when the server did not send it (or sent `null`),
/// and the sync then keeps what Rollcall has; only a value that is present changes data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleverSection {
    /// Clever id.
    pub clever_id: CleverId,
    /// Name (not unique).
    pub name: Option<String>,
    /// Section number.
    pub section_number: Option<String>,
    /// Normalized subject (Clever's string, `""` included).
    pub subject: Option<String>,
    /// Grade (Clever's string).
    pub grade: Option<String>,
    /// `teacher`: the primary teacher, when the server names one.
    pub primary_teacher: Option<CleverId>,
    /// `teachers`: its teachers, primary first, when the server lists them.
    pub teacher_ids: Option<Vec<CleverId>>,
}

impl CleverSection {
    /// Whether `teacher`, whose token listed this section, is its primary teacher: the one
    /// Clever names in `teacher`, else the first of `teachers`; and when the section names no
    /// teacher at all, the teacher whose token listed it.
    pub fn is_primary(&self, teacher: &CleverId) -> bool {
        match (&self.primary_teacher, self.teacher_ids.as_deref()) {
            (Some(primary), _) => primary == teacher,
            (None, Some([first, ..])) => first == teacher,
            (None, Some([]) | None) => true,
        }
    }
}

/// A student as a teacher's token shows them: first name, last *initial*, grade; each `None`
/// when the server did not send it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleverStudent {
    /// Clever id.
    pub clever_id: CleverId,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name; at Library scope only its initial.
    pub last_name: Option<String>,
    /// Grade (Clever's string).
    pub grade: Option<String>,
}

/// Who is in a section, as far as Clever told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "members", content = "students")]
pub enum Members {
    /// Clever listed the section's students (every page).
    Listed(Vec<CleverStudent>),
    /// Clever did not say who is in the section (the server sends no member lists and has no
    /// other way to ask): the section is kept, its enrollments are left exactly as they are,
    /// and the teacher is told.
    Unknown,
}

/// Why a fetch failed, in the categories a teacher can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FetchErrorKind {
    /// The Clever authorization expired or was revoked.
    Unauthorized,
    /// Clever has not shared this with the app (403/404).
    NotShared,
    /// Clever's rate limit did not lift in time.
    RateLimited,
    /// Clever failed (5xx, timeout, connection).
    CleverFailed,
    /// Clever's answer could not be read.
    Malformed,
}

/// What a teacher is told when the Clever authorization has expired (a sync run that ends so
/// is recorded as needing a reconnect, which puts a "Reconnect Clever" banner on the dashboard).
pub const RECONNECT_ADVICE: &str =
    "Your Clever authorization has expired. Reconnect Clever (log in with Clever again) to sync.";

/// What a teacher is told about a class whose students Clever did not list.
pub const ROSTER_UNKNOWN_ADVICE: &str = "Clever did not say who is in this class, so its students were left as they were. Ask your school to share this class's student list with Rollcall, then sync again.";

/// A failed fetch. Never to be read as "empty".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchError {
    /// The category.
    pub kind: FetchErrorKind,
    /// Technical detail for logs and the sync history.
    pub detail: String,
}

impl FetchError {
    /// What the teacher should do, in plain words.
    pub fn advice(&self) -> &'static str {
        match self.kind {
            FetchErrorKind::Unauthorized => RECONNECT_ADVICE,
            FetchErrorKind::NotShared => {
                "Clever did not share this class with Rollcall. Ask your district to share it, then sync again."
            }
            FetchErrorKind::RateLimited => {
                "Clever asked us to slow down. Nothing was changed; try again in a minute."
            }
            FetchErrorKind::CleverFailed => {
                "Clever is not responding right now. Nothing was changed; try again later."
            }
            FetchErrorKind::Malformed => {
                "Clever sent an answer we could not read. Nothing was changed; try again later."
            }
        }
    }
}

/// What one sync fetched. Exists only if the list of the teacher's sections was fetched in full;
/// each section's students may still have failed, or be unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchedRoster {
    /// The teacher whose token fetched it.
    pub teacher: CleverId,
    /// Every section Clever lists for the teacher.
    pub sections: Vec<FetchedSection>,
}

/// One fetched section with its students, or the error that stopped them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchedSection {
    /// The section.
    pub section: CleverSection,
    /// Its students (every page), unknown, or the failure.
    pub students: Result<Members, FetchError>,
}

/// The teacher's relation to a local section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeacherLink {
    /// The section exists locally (another teacher synced it) but this teacher is not on it.
    NotLinked,
    /// The teacher teaches it.
    Active,
    /// The teacher used to teach it; Clever no longer lists it for them.
    RemovedInClever,
}

/// One local section, as the planner needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalSection {
    /// Local id.
    pub id: SectionId,
    /// Clever id (UNIQUE locally).
    pub clever_id: CleverId,
    /// Name from the last sync (the teacher's own display name is kept apart and never touched).
    pub synced_name: String,
    /// Section number.
    pub section_number: Option<String>,
    /// Subject.
    pub subject: Option<String>,
    /// Grade.
    pub grade: Option<String>,
    /// Archived because it vanished from Clever for every teacher.
    pub archived: bool,
    /// False when the last sync could not learn who is in it ([`Members::Unknown`]).
    pub roster_known: bool,
    /// This teacher's link to it.
    pub teacher_link: TeacherLink,
    /// Its enrollments (active and flagged).
    pub students: Vec<LocalEnrollment>,
}

/// A student's enrollment in a local section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalEnrollment {
    /// The student's Clever id.
    pub student_clever_id: CleverId,
    /// Stored given name.
    pub first_name: String,
    /// Stored family name (full, if the student logged in themself; else an initial).
    pub last_name: String,
    /// Stored grade.
    pub grade: Option<String>,
    /// Flagged: Clever no longer lists the student in this section.
    pub removed_in_clever: bool,
}

/// What Rollcall has for the teacher before a sync: every section linked to the teacher (in any
/// state) plus every local section whose Clever id appears in the fetched roster (so a co-teacher
/// joins the existing row instead of creating a second one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalSnapshot {
    /// The sections.
    pub sections: Vec<LocalSection>,
}
