//! The emulated district data: districts, schools, users, sections and the apps that may log in.
//!
//! `World` keeps every collection in a `BTreeMap` keyed by id, so lists come out sorted by
//! ascending id exactly as Clever pages them. All mutation goes through `World`'s methods, which
//! keep the user → sections index consistent.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use clever_types::{Grade, Subject};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{Digest32, IdScheme};

/// A district.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DistrictRec {
    /// 24-hex id (a readable one under `foreign-ids`).
    pub id: String,
    /// The seed key it was created from (empty when not known).
    #[serde(default)]
    pub key: String,
    /// Display name.
    pub name: String,
}

/// A school.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SchoolRec {
    /// 24-hex id (a readable one under `foreign-ids`).
    pub id: String,
    /// The seed key it was created from (empty when not known).
    #[serde(default)]
    pub key: String,
    /// Owning district.
    pub district: String,
    /// Display name.
    pub name: String,
}

/// A person's name parts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName {
    /// Given name.
    pub first: String,
    /// Middle name, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle: Option<String>,
    /// Family name.
    pub last: String,
}

/// The roles a user holds. `student` never combines with another role (Clever's rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Teaches sections.
    Teacher,
    /// Enrolled in sections.
    Student,
    /// School staff.
    Staff,
    /// District administrator.
    DistrictAdmin,
}

impl Role {
    /// The wire name (`teacher`, `student`, `staff`, `district_admin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Teacher => "teacher",
            Role::Student => "student",
            Role::Staff => "staff",
            Role::DistrictAdmin => "district_admin",
        }
    }
}

/// Clever's rule on role combinations: a student holds no other role (a person who is both gets
/// two user ids). Returns why a set is refused.
pub fn check_roles(roles: &BTreeSet<Role>) -> Result<(), &'static str> {
    if roles.contains(&Role::Student) && roles.len() > 1 {
        return Err("a student cannot hold other roles (Clever gives such a person two user ids)");
    }
    Ok(())
}

/// A user of any role.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserRec {
    /// 24-hex id (a readable one under `foreign-ids`).
    pub id: String,
    /// Owning district.
    pub district: String,
    /// The seed key the user was created from (shown on the login page).
    pub key: String,
    /// Name.
    pub name: PersonName,
    /// Email; students often have none.
    pub email: Option<String>,
    /// Roles held, in a fixed order; never empty.
    pub roles: BTreeSet<Role>,
    /// Primary school, if any (district admins have none).
    pub school: Option<String>,
    /// Student grade.
    pub grade: Option<Grade>,
    /// SIS id.
    pub sis_id: Option<String>,
    /// Teacher or student number.
    pub number: Option<String>,
    /// Job title (teachers, staff, admins).
    pub title: Option<String>,
    /// Creation time.
    pub created: OffsetDateTime,
    /// Last modification time.
    pub last_modified: OffsetDateTime,
}

impl UserRec {
    /// True when the user holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The role a login of this user stands for: teacher before staff before admin; a student is
    /// only ever a student.
    pub fn primary_role(&self) -> Role {
        self.roles.iter().next().copied().unwrap_or(Role::Staff)
    }
}

/// A section (class).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SectionRec {
    /// 24-hex id (a readable one under `foreign-ids`).
    pub id: String,
    /// Owning district.
    pub district: String,
    /// School.
    pub school: Option<String>,
    /// The seed key it was created from.
    pub key: String,
    /// Name (not unique).
    pub name: String,
    /// Section number.
    pub section_number: Option<String>,
    /// Period.
    pub period: Option<String>,
    /// Subject.
    pub subject: Option<Subject>,
    /// Grade.
    pub grade: Option<Grade>,
    /// SIS id.
    pub sis_id: Option<String>,
    /// Teacher ids; the first is the primary teacher.
    pub teachers: Vec<String>,
    /// Student ids, in insertion order.
    pub students: Vec<String>,
    /// Creation time.
    pub created: OffsetDateTime,
    /// Last modification time.
    pub last_modified: OffsetDateTime,
}

/// Whether an app is a Library ("Sign up with Clever", teacher-shared data) app or a district
/// Secure Sync app (district-shared data, district-app tokens).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppKind {
    /// Clever Library: teacher-shared data only.
    #[default]
    Library,
    /// District (Secure Sync) app: district-shared data and district-app tokens.
    District,
}

/// An OAuth client registered with the emulator.
#[derive(Debug, Clone)]
pub struct AppRec {
    /// The client id.
    pub client_id: String,
    /// SHA-256 of the client secret (compared in constant time).
    pub secret_digest: Digest32,
    /// The secret as written in the seed, so `rollcall emulator` can print it for a developer.
    /// Never logged, never returned by the admin API.
    pub secret_for_display: String,
    /// Display name on the consent page and in the Library.
    pub name: String,
    /// Registered redirect URIs; the first is the primary one (Portal and Library launches).
    pub redirect_uris: Vec<String>,
    /// Library or district app.
    pub kind: AppKind,
    /// Districts that authorized this app (district-app tokens).
    pub districts: Vec<String>,
}

impl AppRec {
    /// The primary redirect URI, where Portal and Library Install launches land.
    pub fn primary_redirect(&self) -> Option<&str> {
        self.redirect_uris.first().map(String::as_str)
    }
}

/// Everything the Data API serves.
#[derive(Debug, Clone, Default)]
pub struct World {
    /// Districts by id.
    pub districts: BTreeMap<String, DistrictRec>,
    /// Schools by id.
    pub schools: BTreeMap<String, SchoolRec>,
    /// Users by id.
    pub users: BTreeMap<String, UserRec>,
    /// Sections by id.
    sections: BTreeMap<String, SectionRec>,
    /// Apps by client id.
    pub apps: BTreeMap<String, AppRec>,
    /// (client id, teacher id) pairs: a teacher authorized this Library app (allowed it on the
    /// consent page, installed it from the portal Library, or the seed says so). Such a teacher's
    /// logins and their students' go straight through, and the students see the app on the portal.
    pub installs: BTreeSet<(String, String)>,
    /// user id → ids of the sections they teach or attend.
    sections_by_user: HashMap<String, BTreeSet<String>>,
    /// How the ids were made from the records' keys; records created later (admin API) get ids
    /// of the same shape.
    pub ids: IdScheme,
}

impl World {
    /// An empty world whose ids are made by `ids`.
    pub fn with_ids(ids: IdScheme) -> Self {
        Self { ids, ..Self::default() }
    }

    /// All sections, by id.
    pub fn sections(&self) -> &BTreeMap<String, SectionRec> {
        &self.sections
    }

    /// One section.
    pub fn section(&self, id: &str) -> Option<&SectionRec> {
        self.sections.get(id)
    }

    /// Ids of the sections `user_id` teaches or attends, ascending.
    pub fn section_ids_of(&self, user_id: &str) -> impl Iterator<Item = &String> {
        self.sections_by_user.get(user_id).into_iter().flatten()
    }

    /// Inserts or replaces a section and re-indexes its members.
    pub fn put_section(&mut self, section: SectionRec) {
        self.remove_section(&section.id.clone());
        for member in section.teachers.iter().chain(&section.students) {
            self.sections_by_user.entry(member.clone()).or_default().insert(section.id.clone());
        }
        self.sections.insert(section.id.clone(), section);
    }

    /// Removes a section and its index entries.
    pub fn remove_section(&mut self, id: &str) -> Option<SectionRec> {
        let old = self.sections.remove(id)?;
        for member in old.teachers.iter().chain(&old.students) {
            if let Some(set) = self.sections_by_user.get_mut(member) {
                set.remove(id);
            }
        }
        Some(old)
    }

    /// Applies `change` to a section and re-indexes it. Returns false if there is no such section.
    pub fn update_section(&mut self, id: &str, change: impl FnOnce(&mut SectionRec)) -> bool {
        let Some(mut section) = self.remove_section(id) else { return false };
        change(&mut section);
        self.put_section(section);
        true
    }

    /// Removes a user and every membership they had.
    pub fn remove_user(&mut self, id: &str) -> Option<UserRec> {
        let user = self.users.remove(id)?;
        let sections: Vec<String> = self.section_ids_of(id).cloned().collect();
        for section_id in sections {
            self.update_section(&section_id, |s| {
                s.teachers.retain(|t| t != id);
                s.students.retain(|t| t != id);
            });
        }
        self.sections_by_user.remove(id);
        self.installs.retain(|(_, teacher)| teacher != id);
        Some(user)
    }

    /// True when `teacher_id` teaches (as primary or co-teacher) a section `student_id` attends.
    pub fn teaches_student(&self, teacher_id: &str, student_id: &str) -> bool {
        self.section_ids_of(teacher_id)
            .filter_map(|sid| self.sections.get(sid))
            .any(|s| s.teachers.iter().any(|t| t == teacher_id) && s.students.iter().any(|t| t == student_id))
    }

    /// Ids of all students in the sections `teacher_id` teaches, ascending and without repeats.
    pub fn students_of_teacher(&self, teacher_id: &str) -> Vec<&String> {
        let taught = self
            .section_ids_of(teacher_id)
            .filter_map(|sid| self.sections.get(sid))
            .filter(|s| s.teachers.iter().any(|t| t == teacher_id));
        sorted_unique(taught.flat_map(|s| s.students.iter()).collect())
    }

    /// Ids of all teachers of the sections `student_id` attends, ascending and without repeats.
    pub fn teachers_of_student(&self, student_id: &str) -> Vec<&String> {
        let attended = self
            .section_ids_of(student_id)
            .filter_map(|sid| self.sections.get(sid))
            .filter(|s| s.students.iter().any(|t| t == student_id));
        sorted_unique(attended.flat_map(|s| s.teachers.iter()).collect())
    }

    /// Library apps a user can launch from the portal: apps the user authorized, and for a
    /// student, apps any of their teachers authorized.
    pub fn launchable_apps(&self, user_id: &str) -> Vec<&AppRec> {
        let teachers = self.teachers_of_student(user_id);
        self.apps
            .values()
            .filter(|app| app.kind == AppKind::Library)
            .filter(|app| {
                self.installs.iter().any(|(client, teacher)| {
                    client == &app.client_id && (teacher == user_id || teachers.contains(&teacher))
                })
            })
            .collect()
    }
}

/// Sorts `ids` and drops repeats: cheaper than gathering a few hundred ids into a `BTreeSet`.
fn sorted_unique(mut ids: Vec<&String>) -> Vec<&String> {
    ids.sort_unstable();
    ids.dedup();
    ids
}
