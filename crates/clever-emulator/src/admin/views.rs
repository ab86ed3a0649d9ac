//! What the admin API returns for users and sections, plus lookups shared by the handlers.

use clever_types::{Grade, Subject};
use serde::Serialize;

use super::error::{AdminError, AdminResult};
use crate::clock::rfc3339;
use crate::ids::IdScheme;
use crate::model::{SectionRec, UserRec, World};
use crate::state::Emulator;

/// A user as the admin API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    /// 24-hex id (a readable one under `foreign-ids`).
    pub id: String,
    /// Seed key.
    pub key: String,
    /// District id.
    pub district: String,
    /// Given name.
    pub first: String,
    /// Middle name.
    pub middle: Option<String>,
    /// Family name.
    pub last: String,
    /// Email.
    pub email: Option<String>,
    /// Roles (`teacher`, `student`, `staff`, `district_admin`).
    pub roles: Vec<&'static str>,
    /// School id.
    pub school: Option<String>,
    /// Student grade.
    #[schema(value_type = Option<String>)]
    pub grade: Option<Grade>,
    /// Job title.
    pub title: Option<String>,
    /// SIS id.
    pub sis_id: Option<String>,
    /// Ids of the sections the user teaches or attends.
    pub sections: Vec<String>,
    /// Creation time (RFC 3339).
    pub created: String,
    /// Last modification time (RFC 3339).
    pub last_modified: String,
}

impl UserView {
    /// The view of `user` in `world`.
    pub fn of(world: &World, user: &UserRec) -> Self {
        Self {
            id: user.id.clone(),
            key: user.key.clone(),
            district: user.district.clone(),
            first: user.name.first.clone(),
            middle: user.name.middle.clone(),
            last: user.name.last.clone(),
            email: user.email.clone(),
            roles: user.roles.iter().map(|r| r.as_str()).collect(),
            school: user.school.clone(),
            grade: user.grade.clone(),
            title: user.title.clone(),
            sis_id: user.sis_id.clone(),
            sections: world.section_ids_of(&user.id).cloned().collect(),
            created: rfc3339(user.created),
            last_modified: rfc3339(user.last_modified),
        }
    }
}

/// A section as the admin API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SectionView {
    /// 24-hex id (a readable one under `foreign-ids`).
    pub id: String,
    /// Seed key.
    pub key: String,
    /// District id.
    pub district: String,
    /// School id.
    pub school: Option<String>,
    /// Name.
    pub name: String,
    /// Subject.
    #[schema(value_type = Option<String>)]
    pub subject: Option<Subject>,
    /// Grade.
    #[schema(value_type = Option<String>)]
    pub grade: Option<Grade>,
    /// Period.
    pub period: Option<String>,
    /// Section number.
    pub section_number: Option<String>,
    /// SIS id.
    pub sis_id: Option<String>,
    /// Teacher ids, primary first.
    pub teachers: Vec<String>,
    /// Student ids.
    pub students: Vec<String>,
    /// Creation time (RFC 3339).
    pub created: String,
    /// Last modification time (RFC 3339).
    pub last_modified: String,
}

impl From<&SectionRec> for SectionView {
    fn from(s: &SectionRec) -> Self {
        Self {
            id: s.id.clone(),
            key: s.key.clone(),
            district: s.district.clone(),
            school: s.school.clone(),
            name: s.name.clone(),
            subject: s.subject.clone(),
            grade: s.grade.clone(),
            period: s.period.clone(),
            section_number: s.section_number.clone(),
            sis_id: s.sis_id.clone(),
            teachers: s.teachers.clone(),
            students: s.students.clone(),
            created: rfc3339(s.created),
            last_modified: rfc3339(s.last_modified),
        }
    }
}

/// The namespace ids are derived in: the loaded seed's, so an admin-created record with key `k`
/// gets the id a seed record with key `k` would have had.
pub fn namespace(emulator: &Emulator) -> String {
    emulator.seed().map_or_else(|| "admin".to_owned(), |s| s.namespace)
}

/// The school a request names, by id or by seed key (derived id); `None` if it names none.
pub fn resolve_school(
    world: &World,
    namespace: &str,
    id_or_key: Option<&str>,
) -> AdminResult<Option<String>> {
    let Some(id_or_key) = id_or_key else { return Ok(None) };
    if world.schools.contains_key(id_or_key) {
        return Ok(Some(id_or_key.to_owned()));
    }
    let derived = world.ids.id(namespace, "school", id_or_key);
    if world.schools.contains_key(&derived) {
        return Ok(Some(derived));
    }
    Err(AdminError::unprocessable(format!("school {id_or_key:?} does not exist; give a school id")))
}

/// The id of a record being created: the explicit one (which must have the shape of the world's
/// ids: 24 hex digits, or a readable id under `foreign-ids`), or one derived from the loaded
/// seed's namespace, the record kind and its key as the world's other ids are.
pub fn record_id(
    ids: IdScheme,
    namespace: &str,
    kind: &str,
    key: &str,
    explicit: Option<String>,
) -> AdminResult<String> {
    match explicit {
        Some(id) if !ids.accepts(&id) => match ids {
            IdScheme::Clever => {
                Err(AdminError::unprocessable(format!("id {id:?} must be 24 lowercase hex digits")))
            }
            IdScheme::Readable => Err(AdminError::unprocessable(format!("id {id:?}: {}", ids.rule()))),
        },
        Some(id) => Ok(id),
        None => Ok(ids.id(namespace, kind, key)),
    }
}
