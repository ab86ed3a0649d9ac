//! Every key the emulator emits in district-shared (full) views is a property of Clever's
//! swagger definition for that object, and every grade and subject is in the swagger enum.
//! The property lists below are transcribed from the v3.0 spec (`User`, `Name`, `Roles`,
//! `Teacher`, `Student`, `Staff`, `DistrictAdmin`, `Section`, `District`); v3.1 adds `lms_status`.

use serde_json::Value;

use crate::common::TestEmulator;
use crate::support::{district_token, ok};

const USER: &[&str] = &["id", "district", "email", "name", "created", "last_modified", "roles"];
const NAME: &[&str] = &["first", "middle", "last"];
const ROLES: &[&str] = &["teacher", "student", "staff", "district_admin", "contact"];
const TEACHER: &[&str] = &[
    "district",
    "school",
    "schools",
    "sis_id",
    "state_id",
    "teacher_number",
    "title",
    "credentials",
    "legacy_id",
    "created",
    "last_modified",
    "ext",
    "name",
];
const STUDENT: &[&str] = &[
    "school",
    "schools",
    "sis_id",
    "student_number",
    "state_id",
    "grade",
    "graduation_year",
    "dob",
    "gender",
    "race",
    "hispanic_ethnicity",
    "ell_status",
    "enrollments",
    "location",
    "credentials",
    "legacy_id",
    "created",
    "last_modified",
    "ext",
];
const STAFF: &[&str] =
    &["department", "title", "schools", "staff_id", "roles", "credentials", "legacy_id", "ext"];
const DISTRICT_ADMIN: &[&str] = &["title", "legacy_id"];
const SECTION: &[&str] = &[
    "id",
    "district",
    "school",
    "course",
    "term_id",
    "name",
    "section_number",
    "sis_id",
    "period",
    "subject",
    "grade",
    "teacher",
    "teachers",
    "students",
    "created",
    "last_modified",
    "ext",
];
const DISTRICT: &[&str] = &[
    "id",
    "name",
    "sis_type",
    "launch_date",
    "portal_url",
    "login_methods",
    "state",
    "last_sync",
    "nces_id",
    "mdr_number",
    "error",
    "pause_start",
    "pause_end",
    "district_contact",
];
/// v3.1 adds this to users and sections.
const V31_ADDED: &str = "lms_status";

const GRADES: &[&str] = &[
    "InfantToddler",
    "Preschool",
    "PreKindergarten",
    "TransitionalKindergarten",
    "Kindergarten",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    "10",
    "11",
    "12",
    "13",
    "PostGraduate",
    "Ungraded",
    "Other",
    "",
];
const SUBJECTS: &[&str] = &[
    "english/language arts",
    "math",
    "science",
    "social studies",
    "language",
    "homeroom/advisory",
    "interventions/online learning",
    "technology and engineering",
    "PE and health",
    "arts and music",
    "other",
    "",
];

fn assert_keys(what: &str, value: &Value, allowed: &[&str], v31: bool) {
    for key in value.as_object().unwrap_or_else(|| panic!("{what} is an object: {value}")).keys() {
        let ok = allowed.contains(&key.as_str()) || (v31 && key == V31_ADDED);
        assert!(ok, "{what}.{key} is not a swagger property");
    }
}

fn check_user(user: &Value, v31: bool) {
    assert_keys("User", user, USER, v31);
    assert_keys("Name", &user["name"], NAME, false);
    assert_keys("Roles", &user["roles"], ROLES, false);
    let roles = &user["roles"];
    for (role, allowed) in
        [("teacher", TEACHER), ("student", STUDENT), ("staff", STAFF), ("district_admin", DISTRICT_ADMIN)]
    {
        if let Some(detail) = roles.get(role) {
            assert_keys(role, detail, allowed, false);
        }
    }
    if let Some(grade) = roles["student"].get("grade") {
        assert!(GRADES.contains(&grade.as_str().unwrap()), "grade {grade}");
    }
}

#[tokio::test]
async fn full_views_use_only_swagger_properties_and_enum_values() {
    let te = TestEmulator::start().await;
    let token = district_token(&te);
    for version in ["v3.0", "v3.1"] {
        let v31 = version == "v3.1";
        let users = ok(&te, &token, &format!("/{version}/users")).await;
        let users = users["data"].as_array().unwrap();
        assert!(users.len() >= 14, "every demo user is listed");
        for item in users {
            check_user(&item["data"], v31);
        }
        let sections = ok(&te, &token, &format!("/{version}/sections")).await;
        for item in sections["data"].as_array().unwrap() {
            let section = &item["data"];
            assert_keys("Section", section, SECTION, v31);
            assert!(GRADES.contains(&section["grade"].as_str().unwrap()), "{section}");
            assert!(SUBJECTS.contains(&section["subject"].as_str().unwrap()), "{section}");
        }
        let me = ok(&te, &token, &format!("/{version}/me")).await;
        let district =
            ok(&te, &token, &format!("/{version}/districts/{}", me["data"]["id"].as_str().unwrap())).await;
        assert_keys("District", &district["data"], DISTRICT, false);
    }
}
