//! Seed files: the district an emulator starts with, written by hand (TOML or JSON).
//!
//! Records refer to each other by `key`; ids are derived from `namespace` + kind + key (see
//! [`crate::ids::derive_id`]) unless a record gives an explicit `id`, so the same file yields the
//! same ids on every run. Under the `foreign-ids` profile every id is `<kind>-<key>` instead
//! ([`crate::ids::readable_id`]) and explicit ids are ignored. The format is documented in the
//! crate README.

mod build;

use clever_types::{Grade, Subject};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::IdScheme;
use crate::model::{AppKind, Role, World};
use crate::profile::Profiles;

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
    /// Library apps a teacher has already authorized (installed from the portal Library).
    #[serde(default)]
    pub installs: Vec<SeedInstall>,
    /// Profiles this district is served with, added to the emulator's configured ones (see
    /// [`crate::profile`]); `reset` returns to them.
    #[serde(default, skip_serializing_if = "Profiles::is_strict")]
    pub profiles: Profiles,
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
    /// Explicit id, otherwise derived from the key: 24 hex digits (under `foreign-ids` a readable
    /// id; a 24-hex one is then replaced by the derived readable id).
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
    /// Explicit id, otherwise derived from the key (see [`SeedDistrict::id`]).
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
    /// Explicit id, otherwise derived from the key (see [`SeedDistrict::id`]).
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
    /// Explicit id, otherwise derived from the key (see [`SeedDistrict::id`]).
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
    /// A setting of the emulator (not of the seed) is outside its range.
    #[error("emulator settings: {0}")]
    Config(#[from] crate::config::ConfigError),
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

    /// Builds the world this seed describes, stamping records with `now`, with the ids its own
    /// `profiles` ask for.
    pub fn build(&self, now: OffsetDateTime) -> Result<World, SeedError> {
        self.build_with_ids(now, IdScheme::for_profiles(&self.profiles))
    }

    /// Builds the world with ids made by `ids` (the emulator passes the scheme of the profiles of
    /// its configuration and the seed together).
    pub fn build_with_ids(&self, now: OffsetDateTime, ids: IdScheme) -> Result<World, SeedError> {
        build::Builder::new(self, now, ids).run()
    }
}

/// The demo seed file's text.
pub const DEMO_SEED: &str = include_str!("../../seeds/demo.toml");

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
