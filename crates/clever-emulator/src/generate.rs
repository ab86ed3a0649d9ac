//! Generator for large districts: thousands of students and hundreds of sections built straight
//! into a [`World`] (no seed file), deterministically, so load tests and "does my sync page
//! correctly?" tests can run against a realistic district with stable ids.
//!
//! The same [`GenerateSpec`] always yields the same ids, names and rosters: ids come from
//! [`crate::ids::derive_id`] and every random choice from a PRNG seeded by the namespace.

mod build;
mod names;

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::IdScheme;
use crate::model::World;

/// How big a district to generate, and its shape. Every field has a default, so `{}` (JSON) or
/// `""` (CLI form) is a valid spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct GenerateSpec {
    /// Mixed into every id; two namespaces never share ids.
    pub namespace: String,
    /// Number of schools (each is elementary, middle or high in turn).
    pub schools: usize,
    /// Number of teachers (at least 2: one of them never teaches a section).
    pub teachers: usize,
    /// Number of students.
    pub students: usize,
    /// Number of sections.
    pub sections: usize,
    /// Target roster size; each section is filled up to this from its school and grade.
    pub students_per_section: usize,
    /// Every Nth section gets a second teacher (0 = no co-taught sections).
    pub co_taught_every: usize,
    /// A Library app to register, so the district can be logged into at once.
    pub app: Option<GenerateApp>,
}

/// The Library app a generated district registers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateApp {
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: String,
    /// Registered redirect URIs, primary first.
    pub redirect_uris: Vec<String>,
    /// Display name (defaults to the client id).
    #[serde(default)]
    pub name: Option<String>,
}

impl Default for GenerateSpec {
    fn default() -> Self {
        Self {
            namespace: "generated".to_owned(),
            schools: 4,
            teachers: 40,
            students: 1000,
            sections: 60,
            students_per_section: 25,
            co_taught_every: 10,
            app: None,
        }
    }
}

/// Why a spec cannot be generated. The message says which setting to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct GenerateError(pub String);

/// Refuses absurd sizes that would only exhaust memory.
const MAX_PEOPLE: usize = 1_000_000;

impl GenerateSpec {
    /// Checks every count is in its range (sizes beyond them would only exhaust memory). Sums
    /// are checked too, so no count can overflow past the limit.
    pub fn check_bounds(&self) -> Result<(), GenerateError> {
        let counts = [
            ("schools", self.schools),
            ("teachers", self.teachers),
            ("students", self.students),
            ("sections", self.sections),
            ("students_per_section", self.students_per_section),
            ("co_taught_every", self.co_taught_every),
        ];
        for (name, n) in counts {
            if n > MAX_PEOPLE {
                return Err(GenerateError(format!("{name} must be between 0 and {MAX_PEOPLE}")));
            }
        }
        if self.students.checked_add(self.teachers).is_none_or(|people| people > MAX_PEOPLE) {
            return Err(GenerateError(format!(
                "students + teachers must be between 0 and {MAX_PEOPLE} people in all"
            )));
        }
        Ok(())
    }

    /// Checks the spec can be satisfied: every student needs a seat and a section needs a teacher.
    pub fn validate(&self) -> Result<(), GenerateError> {
        self.check_bounds()?;
        let fail = |m: String| Err(GenerateError(m));
        if self.namespace.is_empty() {
            return fail("namespace must not be empty".into());
        }
        if self.schools == 0 {
            return fail("schools must be at least 1".into());
        }
        if self.sections > 0 && self.teachers < 2 {
            return fail("teachers must be at least 2 when there are sections (one never teaches)".into());
        }
        if self.students > 0 && self.sections == 0 {
            return fail("sections must be at least 1 so every student has a section".into());
        }
        if self.students > 0 && self.students_per_section == 0 {
            return fail("students_per_section must be at least 1".into());
        }
        let seats = self.sections.saturating_mul(self.students_per_section);
        if seats < self.students {
            return fail(format!(
                "{} sections × {} students_per_section = {seats} seats, fewer than {} students; \
                 raise sections or students_per_section",
                self.sections, self.students_per_section, self.students
            ));
        }
        if let Some(app) = &self.app {
            if app.client_id.is_empty() || app.client_secret.is_empty() {
                return fail("app needs a client_id and a client_secret".into());
            }
            if app.redirect_uris.is_empty() {
                return fail(format!("app {:?} needs at least one redirect URI", app.client_id));
            }
            for uri in &app.redirect_uris {
                if let Err(why) = crate::seed::validate_redirect_uri(uri) {
                    return fail(format!("app {:?} redirect URI {uri:?} {why}", app.client_id));
                }
            }
        }
        Ok(())
    }
}

/// The keys the compact CLI form accepts, for the error message.
const KEYS: &str = "namespace, schools, teachers, students, sections, students_per_section, \
                    co_taught_every, client_id, client_secret, redirect_uri";

impl FromStr for GenerateSpec {
    type Err = GenerateError;

    /// Parses `students=10000,teachers=400,sections=500`: comma-separated `key=value` pairs over
    /// the defaults. The app is given as `client_id=…,client_secret=…,redirect_uri=…`
    /// (`redirect_uri` may repeat).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut spec = Self::default();
        let (mut client_id, mut secret, mut uris) = (None, None, Vec::new());
        for pair in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, value)) = pair.split_once('=') else {
                return Err(GenerateError(format!("{pair:?} is not key=value (keys: {KEYS})")));
            };
            let (key, value) = (key.trim(), value.trim());
            let number = || {
                value
                    .parse::<usize>()
                    .map_err(|_| GenerateError(format!("{key}={value:?}: expected a whole number")))
            };
            match key {
                "namespace" => spec.namespace = value.to_owned(),
                "schools" => spec.schools = number()?,
                "teachers" => spec.teachers = number()?,
                "students" => spec.students = number()?,
                "sections" => spec.sections = number()?,
                "students_per_section" => spec.students_per_section = number()?,
                "co_taught_every" => spec.co_taught_every = number()?,
                "client_id" => client_id = Some(value.to_owned()),
                "client_secret" => secret = Some(value.to_owned()),
                "redirect_uri" => uris.push(value.to_owned()),
                other => return Err(GenerateError(format!("unknown key {other:?} (keys: {KEYS})"))),
            }
        }
        match (client_id, secret) {
            (Some(client_id), Some(client_secret)) => {
                spec.app = Some(GenerateApp { client_id, client_secret, redirect_uris: uris, name: None });
            }
            (None, None) if uris.is_empty() => {}
            _ => {
                return Err(GenerateError(
                    "an app needs client_id, client_secret and at least one redirect_uri".into(),
                ));
            }
        }
        Ok(spec)
    }
}

/// Generates the district `spec` describes, stamping records with `now`, with Clever's ids.
pub fn generate(spec: &GenerateSpec, now: OffsetDateTime) -> Result<World, GenerateError> {
    generate_with_ids(spec, now, IdScheme::Clever)
}

/// Generates the district with ids made by `ids` (readable ones under `foreign-ids`).
pub fn generate_with_ids(
    spec: &GenerateSpec,
    now: OffsetDateTime,
    ids: IdScheme,
) -> Result<World, GenerateError> {
    spec.validate()?;
    Ok(build::Builder::new(spec, now, ids).run())
}

#[cfg(test)]
mod tests;
