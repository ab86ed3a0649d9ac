//! Records → wire types at a given scope. Every Library view is built field by field from an
//! empty value, so a field added to the records later can never leak into teacher-shared data.

use clever_types::{
    District, DistrictAdminRole, LmsStatus, Name, Roles, Section, StaffRole, StudentRole, TeacherRole, User,
};

use super::auth::Version;
use super::scope::{SectionView, UserView};
use crate::clock::rfc3339;
use crate::model::{DistrictRec, PersonName, Role, SectionRec, UserRec};

/// `user` as `view` allows, in the shape of API version `version`.
pub fn user(user: &UserRec, view: UserView, version: Version) -> User {
    match view {
        UserView::Full => full_user(user, version),
        UserView::LibrarySelf => User {
            id: user.id.clone(),
            // A student's own token sees no email: Clever shares only id, name and grade.
            email: if user.has(Role::Student) { None } else { user.email.clone() },
            name: Some(full_name(&user.name)),
            roles: library_roles(user),
            ..User::default()
        },
        UserView::LibraryStudent => User {
            id: user.id.clone(),
            name: Some(Name {
                first: Some(user.name.first.clone()),
                middle: None,
                last: initial(&user.name.last),
            }),
            roles: library_roles(user),
            ..User::default()
        },
        UserView::LibraryColleague => User {
            id: user.id.clone(),
            name: Some(full_name(&user.name)),
            roles: Roles { teacher: Some(TeacherRole::default()), ..Roles::default() },
            ..User::default()
        },
    }
}

/// `section` as `view` allows.
pub fn section(section: &SectionRec, view: SectionView, version: Version) -> Section {
    let library = Section {
        id: section.id.clone(),
        name: Some(section.name.clone()),
        section_number: section.section_number.clone(),
        subject: section.subject.clone(),
        grade: section.grade.clone(),
        teachers: Some(section.teachers.clone()),
        students: Some(section.students.clone()),
        ..Section::default()
    };
    match view {
        SectionView::Library => library,
        SectionView::Full => Section {
            district: Some(section.district.clone()),
            school: section.school.clone(),
            sis_id: section.sis_id.clone(),
            period: section.period.clone(),
            teacher: section.teachers.first().cloned(),
            created: Some(rfc3339(section.created)),
            last_modified: Some(rfc3339(section.last_modified)),
            lms_status: lms_status(version),
            ..library
        },
    }
}

/// A district (district-shared only).
pub fn district(district: &DistrictRec) -> District {
    District { id: district.id.clone(), name: district.name.clone(), ..District::default() }
}

/// Role keys the user holds, with only the student's grade filled in: Library data carries no
/// district, school or SIS fields, but an app still needs to tell teachers from students.
fn library_roles(user: &UserRec) -> Roles {
    Roles {
        teacher: user.has(Role::Teacher).then(TeacherRole::default),
        student: user
            .has(Role::Student)
            .then(|| StudentRole { grade: user.grade.clone(), ..StudentRole::default() }),
        staff: user.has(Role::Staff).then(StaffRole::default),
        district_admin: user.has(Role::DistrictAdmin).then(DistrictAdminRole::default),
        contact: None,
    }
}

fn full_user(user: &UserRec, version: Version) -> User {
    let created = Some(rfc3339(user.created));
    let last_modified = Some(rfc3339(user.last_modified));
    let schools = user.school.as_ref().map(|s| vec![s.clone()]);
    let roles = Roles {
        teacher: user.has(Role::Teacher).then(|| TeacherRole {
            district: Some(user.district.clone()),
            school: user.school.clone(),
            schools: schools.clone(),
            sis_id: user.sis_id.clone(),
            teacher_number: user.number.clone(),
            title: user.title.clone(),
            created: created.clone(),
            last_modified: last_modified.clone(),
            ..TeacherRole::default()
        }),
        student: user.has(Role::Student).then(|| StudentRole {
            school: user.school.clone(),
            schools: schools.clone(),
            sis_id: user.sis_id.clone(),
            student_number: user.number.clone(),
            grade: user.grade.clone(),
            created: created.clone(),
            last_modified: last_modified.clone(),
            ..StudentRole::default()
        }),
        staff: user.has(Role::Staff).then(|| StaffRole {
            title: user.title.clone(),
            schools: schools.clone(),
            ..StaffRole::default()
        }),
        district_admin: user
            .has(Role::DistrictAdmin)
            .then(|| DistrictAdminRole { title: user.title.clone(), ..DistrictAdminRole::default() }),
        contact: None,
    };
    User {
        id: user.id.clone(),
        district: Some(user.district.clone()),
        email: user.email.clone(),
        name: Some(full_name(&user.name)),
        created,
        last_modified,
        roles,
        lms_status: lms_status(version),
    }
}

/// The emulator has no LMS, so v3.1 records say they are not synced into one.
fn lms_status(version: Version) -> Option<LmsStatus> {
    (version == Version::V31).then_some(LmsStatus { synced_in_lms: false })
}

fn full_name(name: &PersonName) -> Name {
    Name { first: Some(name.first.clone()), middle: name.middle.clone(), last: Some(name.last.clone()) }
}

/// The first character of a family name ("Núñez" → "N", "李" → "李"), as Clever's Library gives
/// teachers only their students' last initial.
fn initial(last: &str) -> Option<String> {
    last.chars().next().map(String::from)
}
