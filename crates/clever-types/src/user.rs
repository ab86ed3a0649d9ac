//! Users and their roles (spec `User`, `Roles`, `Teacher`, `Student`, `Staff`, `DistrictAdmin`).
//!
//! Almost every field is optional: a Library (teacher-shared) token sees only a handful of them,
//! and Clever guarantees few fields even for district-shared data. Absent and `null` both read as
//! `None`; `None` is omitted when serializing.

use serde::{Deserialize, Serialize};

use crate::{Gender, Grade, Race, RoleName, YesNo};

/// A person's name. Each part may be missing. At Library scope a student's `last` holds only the
/// initial.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Name {
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    /// Middle name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle: Option<String>,
    /// Family name (an initial at Library scope for students).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
}

/// v3.1 `lms_status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LmsStatus {
    /// Whether the record is synced into the district's LMS.
    pub synced_in_lms: bool,
}

/// A Clever user (v3 multi-role user). Use `id`, never a role's `legacy_id`, for API calls.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// 24-hex Clever id, stable and globally unique.
    pub id: String,
    /// District id. Absent for teacher-shared (Library) data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// Unverified and optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The user's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    /// Creation time (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Last modification time (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// The roles this user holds; inspect every entry.
    #[serde(default)]
    pub roles: Roles,
    /// v3.1 only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lms_status: Option<LmsStatus>,
}

impl User {
    /// The roles present on this user, in a fixed order.
    pub fn role_names(&self) -> Vec<RoleName> {
        let r = &self.roles;
        [
            (r.teacher.is_some(), RoleName::Teacher),
            (r.student.is_some(), RoleName::Student),
            (r.staff.is_some(), RoleName::Staff),
            (r.district_admin.is_some(), RoleName::DistrictAdmin),
            (r.contact.is_some(), RoleName::Contact),
        ]
        .into_iter()
        .filter_map(|(present, name)| present.then_some(name))
        .collect()
    }
}

/// Per-role details. `student` and `contact` never combine with another role.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Roles {
    /// Present when the user teaches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teacher: Option<TeacherRole>,
    /// Present when the user is a student.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub student: Option<StudentRole>,
    /// Present for school staff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff: Option<StaffRole>,
    /// Present for district administrators (district-wide, no schools).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district_admin: Option<DistrictAdminRole>,
    /// Present for parent/guardian contacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactRole>,
}

/// `credentials` of a role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    /// The district's username for this person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district_username: Option<String>,
}

/// `roles.teacher`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TeacherRole {
    /// District id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// Primary school id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school: Option<String>,
    /// All school ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schools: Option<Vec<String>>,
    /// SIS id (unique only within a district).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sis_id: Option<String>,
    /// State id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_id: Option<String>,
    /// Teacher number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teacher_number: Option<String>,
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Login credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Credentials>,
    /// Pre-v3 id; do not use for API calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_id: Option<String>,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Last modification time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// Extension fields, free-form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext: Option<serde_json::Value>,
}

/// `roles.student`. v3.1 adds sensitive fields that need extra scopes; they are kept in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StudentRole {
    /// Primary school id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school: Option<String>,
    /// All school ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schools: Option<Vec<String>>,
    /// SIS id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sis_id: Option<String>,
    /// Student number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub student_number: Option<String>,
    /// State id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_id: Option<String>,
    /// Grade, if the SIS has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<Grade>,
    /// Graduation year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graduation_year: Option<String>,
    /// Date of birth, `M/D/YYYY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dob: Option<String>,
    /// Gender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    /// Race.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub race: Option<Race>,
    /// Hispanic ethnicity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hispanic_ethnicity: Option<YesNo>,
    /// English-language-learner status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ell_status: Option<YesNo>,
    /// Login credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Credentials>,
    /// Pre-v3 id; do not use for API calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_id: Option<String>,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Last modification time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// Extension fields, free-form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext: Option<serde_json::Value>,
    /// Fields not modelled above (enrollments, location, v3.1 sensitive fields), kept verbatim.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// `roles.staff`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StaffRole {
    /// Department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// School ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schools: Option<Vec<String>>,
    /// Staff id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_id: Option<String>,
    /// Staff sub-roles as free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    /// Login credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Credentials>,
    /// Pre-v3 id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_id: Option<String>,
    /// Extension fields, free-form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext: Option<serde_json::Value>,
}

/// `roles.district_admin`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistrictAdminRole {
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Pre-v3 id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_id: Option<String>,
}

/// `roles.contact` (parents and guardians); kept loosely typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactRole {
    /// Pre-v3 id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_id: Option<String>,
    /// Every other field, verbatim.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing (`fuzz/`, target `clever_json`): a float kept in a pass-through field came
    /// back one ulp off (`5e44` as `5.0000000000000004e+44`) until serde_json's `float_roundtrip`.
    #[test]
    fn floats_in_pass_through_fields_read_back_exactly() {
        let text = r#"{"id":"u1","roles":{"student":{"weight":5e44,"gpa":0.30000000000000004}}}"#;
        let user: User = serde_json::from_str(text).unwrap();
        let written = serde_json::to_value(&user).unwrap();
        assert_eq!(written["roles"]["student"]["weight"].as_f64(), Some(5e44));
        assert_eq!(written["roles"]["student"]["gpa"].as_f64(), Some(0.30000000000000004));
        let again: User = serde_json::from_value(written).unwrap();
        assert_eq!(again, user);
    }
}
