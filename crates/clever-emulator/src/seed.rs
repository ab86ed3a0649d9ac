//! Seed files: the district an emulator starts with, written by hand (TOML or JSON).
//!
//! Records refer to each other by `key`; ids are derived from `namespace` + kind + key (see
//! [`crate::ids::derive_id`]) unless a record gives an explicit `id`, so the same file yields the
//! same ids on every run. The format is documented in the crate README.

use std::collections::{BTreeSet, HashMap};

use clever_types::{Grade, Subject};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{derive_id, digest, is_clever_id};
use crate::model::check_roles;
use crate::model::{AppKind, AppRec, DistrictRec, PersonName, Role, SchoolRec, SectionRec, UserRec, World};

/// A whole seed file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// Mixed into every derived id; two seeds with different namespaces never share ids.
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// OAuth clients.
    #[serde(default)]
    pub apps: Vec<SeedApp>,
    /// Districts (usually one).
    #[serde(default)]
    pub districts: Vec<SeedDistrict>,
    /// Schools.
    #[serde(default)]
    pub schools: Vec<SeedSchool>,
    /// Teachers.
    #[serde(default)]
    pub teachers: Vec<SeedPerson>,
    /// Students.
    #[serde(default)]
    pub students: Vec<SeedPerson>,
    /// School staff.
    #[serde(default)]
    pub staff: Vec<SeedPerson>,
    /// District administrators.
    #[serde(default)]
    pub district_admins: Vec<SeedPerson>,
    /// Sections with their teachers (primary first) and students.
    #[serde(default)]
    pub sections: Vec<SeedSection>,
    /// Library apps a teacher has already installed from the portal.
    #[serde(default)]
    pub installs: Vec<SeedInstall>,
}

fn default_namespace() -> String {
    "default".to_owned()
}

/// An OAuth client.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedApp {
    /// Client id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
    /// Name shown on consent and in the Library.
    #[serde(default)]
    pub name: Option<String>,
    /// Registered redirect URIs, primary first. Compared by exact string match.
    pub redirect_uris: Vec<String>,
    /// `library` (default) or `district`.
    #[serde(default)]
    pub kind: AppKind,
    /// Keys of the districts that authorized a district app.
    #[serde(default)]
    pub districts: Vec<String>,
}

/// A district.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedDistrict {
    /// Reference key.
    pub key: String,
    /// Explicit 24-hex id (otherwise derived).
    #[serde(default)]
    pub id: Option<String>,
    /// Display name.
    pub name: String,
}

/// A school.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSchool {
    /// Reference key.
    pub key: String,
    /// Explicit 24-hex id.
    #[serde(default)]
    pub id: Option<String>,
    /// Display name.
    pub name: String,
    /// District key; defaults to the first district.
    #[serde(default)]
    pub district: Option<String>,
}

/// A teacher, student, staff member or district admin.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedPerson {
    /// Reference key (also shown on the emulator's login page).
    pub key: String,
    /// Explicit 24-hex id.
    #[serde(default)]
    pub id: Option<String>,
    /// Given name.
    pub first: String,
    /// Middle name.
    #[serde(default)]
    pub middle: Option<String>,
    /// Family name.
    pub last: String,
    /// Email (optional; never unique in Clever).
    #[serde(default)]
    pub email: Option<String>,
    /// School key (teachers, students, staff).
    #[serde(default)]
    pub school: Option<String>,
    /// District key, for district admins or people without a school; defaults to the first district.
    #[serde(default)]
    pub district: Option<String>,
    /// Student grade.
    #[serde(default)]
    pub grade: Option<Grade>,
    /// Job title.
    #[serde(default)]
    pub title: Option<String>,
    /// SIS id.
    #[serde(default)]
    pub sis_id: Option<String>,
    /// Extra roles a teacher, staff member or admin also holds (`staff`, `district_admin`, `teacher`).
    #[serde(default)]
    pub also: Vec<Role>,
}

/// A section.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSection {
    /// Reference key.
    pub key: String,
    /// Explicit 24-hex id.
    #[serde(default)]
    pub id: Option<String>,
    /// Name.
    pub name: String,
    /// School key.
    #[serde(default)]
    pub school: Option<String>,
    /// Subject.
    #[serde(default)]
    pub subject: Option<Subject>,
    /// Grade.
    #[serde(default)]
    pub grade: Option<Grade>,
    /// Period.
    #[serde(default)]
    pub period: Option<String>,
    /// Section number.
    #[serde(default)]
    pub section_number: Option<String>,
    /// Teacher keys, primary first.
    #[serde(default)]
    pub teachers: Vec<String>,
    /// Student keys.
    #[serde(default)]
    pub students: Vec<String>,
}

/// A teacher who already installed a Library app.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedInstall {
    /// The app's client id.
    pub app: String,
    /// The teacher's key.
    pub teacher: String,
}

/// Why a seed cannot be loaded. Each message names the record to fix.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The file is not valid TOML or JSON for this format.
    #[error("seed file is not valid {format}: {message}")]
    Syntax {
        /// `TOML` or `JSON`.
        format: &'static str,
        /// The parser's explanation, with line and column.
        message: String,
    },
    /// A reference to a key that no record has.
    #[error("{from} refers to {kind} {key:?}, which the seed does not define")]
    UnknownRef {
        /// The referring record.
        from: String,
        /// What kind of record was expected.
        kind: &'static str,
        /// The missing key.
        key: String,
    },
    /// Two records of one kind share a key or id.
    #[error("{kind} key or id {key:?} is used twice")]
    Duplicate {
        /// Record kind.
        kind: &'static str,
        /// The repeated key or id.
        key: String,
    },
    /// A record breaks one of Clever's rules.
    #[error("{0}")]
    Invalid(String),
}

impl Seed {
    /// Parses a seed from TOML.
    pub fn from_toml(text: &str) -> Result<Self, SeedError> {
        toml::from_str(text).map_err(|e| SeedError::Syntax { format: "TOML", message: e.to_string() })
    }

    /// Parses a seed from JSON.
    pub fn from_json(text: &str) -> Result<Self, SeedError> {
        serde_json::from_str(text).map_err(|e| SeedError::Syntax { format: "JSON", message: e.to_string() })
    }

    /// Parses TOML or JSON, guessing from the first non-blank character.
    pub fn parse(text: &str) -> Result<Self, SeedError> {
        if text.trim_start().starts_with('{') { Self::from_json(text) } else { Self::from_toml(text) }
    }

    /// The demo district shipped with the emulator (`seeds/demo.toml`).
    pub fn demo() -> Self {
        // The file is part of the crate and covered by a test, so parsing cannot fail at run time;
        // fall back to an empty seed rather than panic if it ever did.
        Self::from_toml(DEMO_SEED).unwrap_or_default()
    }

    /// Sets the redirect URIs of app `client_id` (e.g. once the app's port is known).
    pub fn set_redirect_uris(&mut self, client_id: &str, uris: Vec<String>) -> bool {
        match self.apps.iter_mut().find(|a| a.client_id == client_id) {
            Some(app) => {
                app.redirect_uris = uris;
                true
            }
            None => false,
        }
    }

    /// Builds the world this seed describes, stamping records with `now`.
    pub fn build(&self, now: OffsetDateTime) -> Result<World, SeedError> {
        Builder { seed: self, now, world: World::default(), keys: HashMap::new() }.run()
    }
}

/// The demo seed file's text.
pub const DEMO_SEED: &str = include_str!("../seeds/demo.toml");

struct Builder<'a> {
    seed: &'a Seed,
    now: OffsetDateTime,
    world: World,
    /// (kind, key) → id, for resolving references.
    keys: HashMap<(&'static str, String), String>,
}

impl Builder<'_> {
    fn run(mut self) -> Result<World, SeedError> {
        let seed = self.seed;
        for d in &seed.districts {
            let id = self.assign("district", &d.key, d.id.as_deref())?;
            self.world.districts.insert(id.clone(), DistrictRec { id, name: d.name.clone() });
        }
        for s in &seed.schools {
            let district = self.district_of(&format!("school {:?}", s.key), s.district.as_deref(), None)?;
            let id = self.assign("school", &s.key, s.id.as_deref())?;
            self.world.schools.insert(id.clone(), SchoolRec { id, district, name: s.name.clone() });
        }
        for (people, role) in [
            (&seed.teachers, Role::Teacher),
            (&seed.students, Role::Student),
            (&seed.staff, Role::Staff),
            (&seed.district_admins, Role::DistrictAdmin),
        ] {
            for p in people {
                self.person(p, role)?;
            }
        }
        for s in &seed.sections {
            self.section(s)?;
        }
        for a in &seed.apps {
            self.app(a)?;
        }
        for i in &seed.installs {
            if !self.world.apps.contains_key(&i.app) {
                return Err(unknown(format!("install of {:?}", i.app), "app", &i.app));
            }
            let teacher = self.resolve("user", &format!("install of {:?}", i.app), &i.teacher)?;
            self.world.installs.insert((i.app.clone(), teacher));
        }
        Ok(self.world)
    }

    /// Records `key` for `kind` and returns its id (explicit or derived).
    fn assign(&mut self, kind: &'static str, key: &str, explicit: Option<&str>) -> Result<String, SeedError> {
        let id = match explicit {
            Some(id) if is_clever_id(id) => id.to_owned(),
            Some(id) => {
                return Err(SeedError::Invalid(format!(
                    "{kind} {key:?} has id {id:?}; ids must be 24 lowercase hex digits"
                )));
            }
            None => derive_id(&self.seed.namespace, kind, key),
        };
        if self.keys.insert((kind, key.to_owned()), id.clone()).is_some() {
            return Err(SeedError::Duplicate { kind, key: key.to_owned() });
        }
        Ok(id)
    }

    fn resolve(&self, kind: &'static str, from: &str, key: &str) -> Result<String, SeedError> {
        self.keys.get(&(kind, key.to_owned())).cloned().ok_or_else(|| unknown(from.to_owned(), kind, key))
    }

    /// The district of a record: its own `district` key, else its school's, else the first one.
    fn district_of(
        &self,
        from: &str,
        district: Option<&str>,
        school: Option<&str>,
    ) -> Result<String, SeedError> {
        if let Some(key) = district {
            return self.resolve("district", from, key);
        }
        if let Some(s) = school.and_then(|id| self.world.schools.get(id)) {
            return Ok(s.district.clone());
        }
        self.world
            .districts
            .keys()
            .next()
            .cloned()
            .ok_or_else(|| SeedError::Invalid(format!("{from} needs a district, and the seed defines none")))
    }

    fn person(&mut self, p: &SeedPerson, role: Role) -> Result<(), SeedError> {
        let from = format!("{} {:?}", role.as_str(), p.key);
        let school = p.school.as_deref().map(|k| self.resolve("school", &from, k)).transpose()?;
        let district = self.district_of(&from, p.district.as_deref(), school.as_deref())?;
        let mut roles = BTreeSet::from([role]);
        roles.extend(p.also.iter().copied());
        check_roles(&roles).map_err(|why| SeedError::Invalid(format!("{from}: {why}")))?;
        let id = self.assign("user", &p.key, p.id.as_deref())?;
        self.world.users.insert(
            id.clone(),
            UserRec {
                id,
                district,
                key: p.key.clone(),
                name: PersonName { first: p.first.clone(), middle: p.middle.clone(), last: p.last.clone() },
                email: p.email.clone(),
                roles,
                school: if role == Role::DistrictAdmin { None } else { school },
                grade: p.grade.clone(),
                sis_id: p.sis_id.clone(),
                number: None,
                title: p.title.clone(),
                created: self.now,
                last_modified: self.now,
            },
        );
        Ok(())
    }

    fn section(&mut self, s: &SeedSection) -> Result<(), SeedError> {
        let from = format!("section {:?}", s.key);
        let school = s.school.as_deref().map(|k| self.resolve("school", &from, k)).transpose()?;
        let district = self.district_of(&from, None, school.as_deref())?;
        let mut teachers = Vec::new();
        for key in &s.teachers {
            let id = self.resolve("user", &from, key)?;
            if !self.world.users.get(&id).is_some_and(|u| u.has(Role::Teacher)) {
                return Err(SeedError::Invalid(format!(
                    "{from} lists {key:?} as a teacher, but they are not one"
                )));
            }
            teachers.push(id);
        }
        let mut students = Vec::new();
        for key in &s.students {
            let id = self.resolve("user", &from, key)?;
            if !self.world.users.get(&id).is_some_and(|u| u.has(Role::Student)) {
                return Err(SeedError::Invalid(format!(
                    "{from} lists {key:?} as a student, but they are not one"
                )));
            }
            if !students.contains(&id) {
                students.push(id);
            }
        }
        let id = self.assign("section", &s.key, s.id.as_deref())?;
        self.world.put_section(SectionRec {
            id,
            district,
            school,
            key: s.key.clone(),
            name: s.name.clone(),
            section_number: s.section_number.clone(),
            period: s.period.clone(),
            subject: s.subject.clone(),
            grade: s.grade.clone(),
            sis_id: None,
            teachers,
            students,
            created: self.now,
            last_modified: self.now,
        });
        Ok(())
    }

    fn app(&mut self, a: &SeedApp) -> Result<(), SeedError> {
        if self.world.apps.contains_key(&a.client_id) {
            return Err(SeedError::Duplicate { kind: "app", key: a.client_id.clone() });
        }
        if a.redirect_uris.is_empty() {
            return Err(SeedError::Invalid(format!("app {:?} needs at least one redirect URI", a.client_id)));
        }
        for uri in &a.redirect_uris {
            validate_redirect_uri(uri).map_err(|why| {
                SeedError::Invalid(format!("app {:?} redirect URI {uri:?} {why}", a.client_id))
            })?;
        }
        let mut districts = Vec::new();
        for key in &a.districts {
            districts.push(self.resolve("district", &format!("app {:?}", a.client_id), key)?);
        }
        self.world.apps.insert(
            a.client_id.clone(),
            AppRec {
                client_id: a.client_id.clone(),
                secret_digest: digest(&a.client_secret),
                secret_for_display: a.client_secret.clone(),
                name: a.name.clone().unwrap_or_else(|| a.client_id.clone()),
                redirect_uris: a.redirect_uris.clone(),
                kind: a.kind,
                districts,
            },
        );
        Ok(())
    }
}

fn unknown(from: String, kind: &'static str, key: &str) -> SeedError {
    SeedError::UnknownRef { from, kind, key: key.to_owned() }
}

/// Checks a redirect URI the way Clever registers them: absolute http(s), no fragment. (http is
/// allowed so local development works; Clever requires https in production.)
pub fn validate_redirect_uri(uri: &str) -> Result<(), &'static str> {
    let rest = uri
        .strip_prefix("https://")
        .or_else(|| uri.strip_prefix("http://"))
        .ok_or("must start with https:// (or http:// for local development)")?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err("has no host");
    }
    if uri.contains('#') {
        return Err("must not contain a fragment (#)");
    }
    if uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces or control characters");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-01-01 0:00 UTC);

    #[test]
    fn demo_seed_builds_and_covers_the_edge_cases() {
        let seed = Seed::from_toml(DEMO_SEED).expect("demo seed parses");
        let world = seed.build(NOW).expect("demo seed builds");
        let teachers: Vec<_> = world.users.values().filter(|u| u.has(Role::Teacher)).collect();
        assert!(
            teachers.iter().any(|t| world.section_ids_of(&t.id).next().is_none()),
            "a teacher with no sections"
        );
        assert!(world.sections().values().any(|s| s.teachers.len() > 1), "a co-taught section");
        assert!(
            world.users.values().any(|u| u.has(Role::Student) && u.email.is_none()),
            "a student with no email"
        );
        assert!(
            world.users.values().any(|u| !u.name.last.is_ascii() || !u.name.first.is_ascii()),
            "non-ASCII names"
        );
        let multi = world
            .users
            .values()
            .filter(|u| u.has(Role::Student))
            .any(|u| world.section_ids_of(&u.id).count() > 1);
        assert!(multi, "a student in several sections");
    }

    #[test]
    fn ids_are_stable_across_builds() {
        let a = Seed::demo().build(NOW).unwrap();
        let b = Seed::demo().build(NOW).unwrap();
        assert_eq!(a.users.keys().collect::<Vec<_>>(), b.users.keys().collect::<Vec<_>>());
    }

    #[test]
    fn unknown_reference_names_the_record() {
        let err = Seed::from_toml(
            r#"
            [[districts]]
            key = "d"
            name = "D"
            [[sections]]
            key = "s1"
            name = "Math"
            teachers = ["nobody"]
            "#,
        )
        .unwrap()
        .build(NOW)
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "section \"s1\" refers to user \"nobody\", which the seed does not define"
        );
    }

    #[test]
    fn redirect_uris_with_fragments_are_refused() {
        assert!(validate_redirect_uri("https://app.example/cb#x").is_err());
        assert!(validate_redirect_uri("ftp://app.example/cb").is_err());
        assert!(validate_redirect_uri("https://app.example/cb?x=1").is_ok());
    }

    #[test]
    fn a_student_cannot_also_be_a_teacher() {
        let err = Seed::from_toml(
            r#"
            [[districts]]
            key = "d"
            name = "D"
            [[students]]
            key = "s"
            first = "A"
            last = "B"
            also = ["teacher"]
            "#,
        )
        .unwrap()
        .build(NOW)
        .unwrap_err();
        assert!(err.to_string().contains("cannot hold other roles"), "{err}");
    }
}
