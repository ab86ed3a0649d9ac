//! The Data API's answers as the profiles in force shape them: the one place between the records'
//! scoped views ([`super::views`]) and the bytes a client reads. Under strict Clever (no profile)
//! every answer is the view serialized as it is.
//!
//! - `no-member-lists`: sections lose `students`, `teachers` and `teacher`;
//! - `loose-enums`: section subjects and grades and student grades use other servers' values
//!   ([`crate::profile::enums`]);
//! - `legacy-me`: `/me` says the user's role in `type`;
//! - `no-links` and `extra-fields`: the serialized body loses its `links` or gains extra keys
//!   ([`crate::profile::json`]); lists under `no-links` are not paged (see [`super::pagination`]).

use axum::response::Response;
use serde::Serialize;

use super::auth::Version;
use super::scope::{SectionView, UserView};
use super::views;
use crate::model::{SectionRec, UserRec};
use crate::profile::{Profile, Profiles, enums, json};

/// How one request's answer is put on the wire: its API version and the profiles in force when
/// it arrived.
#[derive(Debug, Clone)]
pub struct Wire {
    version: Version,
    profiles: Profiles,
}

impl Wire {
    /// The wire for a request under `version` with `profiles` in force.
    pub fn new(version: Version, profiles: Profiles) -> Self {
        Self { version, profiles }
    }

    /// The API version of the request.
    pub fn version(&self) -> Version {
        self.version
    }

    /// Whether `profile` is in force for this request.
    pub fn has(&self, profile: Profile) -> bool {
        self.profiles.has(profile)
    }

    /// A section as `view` allows, shaped by the profiles.
    pub fn section(&self, section: &SectionRec, view: SectionView) -> clever_types::Section {
        let mut wire = views::section(section, view, self.version);
        if self.has(Profile::NoMemberLists) {
            wire.students = None;
            wire.teachers = None;
            wire.teacher = None;
        }
        if self.has(Profile::LooseEnums) {
            wire.subject = wire.subject.as_ref().map(enums::subject);
            wire.grade = wire.grade.as_ref().map(enums::grade);
        }
        wire
    }

    /// A user as `view` allows, shaped by the profiles.
    pub fn user(&self, user: &UserRec, view: UserView) -> clever_types::User {
        let mut wire = views::user(user, view, self.version);
        if self.has(Profile::LooseEnums)
            && let Some(student) = wire.roles.student.as_mut()
        {
            student.grade = student.grade.as_ref().map(enums::grade);
        }
        wire
    }

    /// `/me`'s `data.type` for a user: `"user"` (v3), or the user's role under `legacy-me`, as
    /// Clever's v2 API said it.
    pub fn me_type(&self, user: &UserRec) -> String {
        if self.has(Profile::LegacyMe) { user.primary_role().as_str().to_owned() } else { "user".to_owned() }
    }

    /// The answer's body as JSON: serialized as it is, or through the JSON-level profiles.
    pub fn body<T: Serialize>(&self, body: T) -> Response {
        json::respond(body, &self.profiles, true)
    }
}
