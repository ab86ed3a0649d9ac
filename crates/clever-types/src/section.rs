//! Sections (classes) and districts.

use serde::{Deserialize, Serialize};

use crate::user::LmsStatus;
use crate::{DistrictState, Grade, Subject};

/// A section (spec `Section`). A Library token sees only `id`, `name`, `section_number`,
/// `teachers`, `students`, `subject` and `grade`. Names are not unique; the section grade need not
/// match its students' grades; there is at most one primary teacher, listed first in `teachers`.
///
/// Absent is not empty: every field the sync reads is an `Option`, so a server that leaves out
/// `name`, `teachers` or `students` (other Clever-compatible servers do) reads as "not said",
/// never as "no name" or "no students". `null` reads as absent too.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Clever id (24 hex digits at Clever; other servers use other ids).
    pub id: String,
    /// Section name (not unique); `None` when the server did not send one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// District id (district-shared data only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// School id (district-shared data only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school: Option<String>,
    /// Course id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub course: Option<String>,
    /// Term id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term_id: Option<String>,
    /// Section number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section_number: Option<String>,
    /// SIS id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sis_id: Option<String>,
    /// Period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Normalized subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Subject>,
    /// Grade, if the SIS has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<Grade>,
    /// Primary teacher id (district-shared data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teacher: Option<String>,
    /// Teacher ids, primary first; `None` when the server did not list them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teachers: Option<Vec<String>>,
    /// Student ids; `None` when the server did not list them (then who is in the section is
    /// unknown, not "nobody").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub students: Option<Vec<String>>,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Last modification time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// Extension fields, free-form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext: Option<serde_json::Value>,
    /// v3.1 only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lms_status: Option<LmsStatus>,
}

/// A district (spec `District`). Library users are never given one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct District {
    /// 24-hex Clever id.
    pub id: String,
    /// District name.
    #[serde(default)]
    pub name: String,
    /// The SIS the district syncs from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sis_type: Option<String>,
    /// Launch date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_date: Option<String>,
    /// The district's Clever portal URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portal_url: Option<String>,
    /// Enabled login methods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_methods: Option<Vec<String>>,
    /// Sync state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<DistrictState>,
    /// Last sync time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sync: Option<String>,
    /// NCES id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nces_id: Option<String>,
    /// MDR number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mdr_number: Option<String>,
    /// Last sync error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A school (spec `School`), reduced to the fields Rollcall uses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct School {
    /// 24-hex Clever id.
    pub id: String,
    /// District id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// School name.
    #[serde(default)]
    pub name: String,
    /// Lowest grade taught.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low_grade: Option<Grade>,
    /// Highest grade taught.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high_grade: Option<Grade>,
    /// SIS id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sis_id: Option<String>,
}
