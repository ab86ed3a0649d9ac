//! The two inputs of a sync: what Clever said (`FetchedRoster`) and what Rollcall already has
//! (`LocalSnapshot`). Both are plain data, so the planner is a pure function of them.

use serde::{Deserialize, Serialize};

use crate::ids::{CleverId, SectionId};

/// A section as Clever shows it to a teacher (Library scope: no school, no district).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceSection {
    /// Clever id.
    pub clever_id: CleverId,
    /// Name as Clever has it (not unique).
    pub name: String,
    /// Section number.
    pub section_number: Option<String>,
    /// Normalized subject (Clever's string, `""` included).
    pub subject: Option<String>,
    /// Grade (Clever's string).
    pub grade: Option<String>,
    /// Clever ids of its teachers, primary first.
    pub teacher_ids: Vec<CleverId>,
}

/// A student as a teacher's token shows them: first name, last *initial*, grade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceStudent {
    /// Clever id.
    pub clever_id: CleverId,
    /// Given name.
    pub first_name: String,
    /// Family name; at Library scope only its initial.
    pub last_name: String,
    /// Grade (Clever's string).
    pub grade: Option<String>,
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

/// What a teacher is told when the Clever authorization has expired; the app shows a
/// "Reconnect Clever" banner whenever a sync problem ends with it.
pub const RECONNECT_ADVICE: &str =
    "Your Clever authorization has expired. Reconnect Clever (log in with Clever again) to sync.";

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
/// each section's students may still have failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchedRoster {
    /// Every section Clever lists for the teacher.
    pub sections: Vec<FetchedSection>,
}

/// One fetched section with its students, or the error that stopped them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchedSection {
    /// The section.
    pub section: SourceSection,
    /// All its students (every page), or the failure.
    pub students: Result<Vec<SourceStudent>, FetchError>,
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
