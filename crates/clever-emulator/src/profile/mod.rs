//! Profiles: switches that make the emulator answer like the other Clever-compatible servers apps
//! meet in practice, instead of like strict Clever. Each one changes exactly what its doc comment
//! says (the crate README has the table); they combine freely, and none is on by default.
//!
//! Where each takes effect: the Data API's answers in [`crate::api::wire`] (records, links,
//! extra keys) and [`crate::api::sections::users`] (the missing path); the token endpoint's
//! answer (`oauth/tokens.rs`); code and token lifetimes where they are issued
//! ([`crate::state`]); ids where a world is built ([`crate::ids::IdScheme`]). The profiles in
//! force are the configuration's plus the seed's, or what `PUT /__admin/profiles` set.
//!
//! A client that assumes Clever's exact shape (a section always lists its students, `/me` says
//! `"user"`, ids are 24 hex digits, lists carry `links`) fails against a profile in a test instead
//! of in a school.

pub mod enums;
pub mod json;

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How long a user token lives under `expiring-tokens` (at most; a shorter configured
/// `token_ttl` wins), and what its `expires_in` says.
pub const EXPIRING_TOKEN_LIFETIME: time::Duration = time::Duration::hours(1);

/// How long an authorization code lives under `long-codes`.
pub const LONG_CODE_LIFETIME: time::Duration = time::Duration::minutes(10);

/// One way a Clever-compatible server differs from Clever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Profile {
    /// Sections are sent without their `students`, `teachers` and `teacher` fields, in every
    /// answer (`/sections`, `/sections/{id}`, `/users/{id}/sections`); `/users/{id}/mystudents`
    /// and `/sections/{id}/users` still list the members.
    NoMemberLists,
    /// `/me` says the role (`"teacher"`, `"student"`) in `type`, as Clever's v2 API did, not `"user"`.
    LegacyMe,
    /// Data API answers carry no `links` (and lists are not paged: one answer holds every item,
    /// whatever `limit`, `starting_after` and `ending_before` say).
    NoLinks,
    /// Ids are readable strings made from the seed keys, such as `section-class4b`, not 24 hex
    /// digits. Ids are made when the world is built, so this takes effect at load and reset (and
    /// turning it on or off at runtime rebuilds the world).
    ForeignIds,
    /// `/sections/{id}/users` does not exist (404, before the token is looked at).
    NoSectionUsers,
    /// Section subjects and grades and student grades use values outside Clever's lists
    /// (`"Mathematics"`, `"K"`, `"4th"`; the mapping is in [`enums`]).
    LooseEnums,
    /// Every envelope and record (users, sections, districts, `/me` data), `/userinfo`,
    /// `/oauth/tokeninfo` and the token response carry `"x_vendor": {"source": "emulator"}`,
    /// a key Clever does not define.
    ExtraFields,
    /// The token endpoint sends `expires_in` (the token really expires then: after at most an
    /// hour), an `id_token` (a JWT) and `"token_type": "Bearer"`.
    ExpiringTokens,
    /// Authorization codes live 10 minutes instead of `code_ttl` (60 seconds).
    LongCodes,
}

impl Profile {
    /// Every profile, in the order of the README's table.
    pub const ALL: &'static [Profile] = &[
        Profile::NoMemberLists,
        Profile::LegacyMe,
        Profile::NoLinks,
        Profile::ForeignIds,
        Profile::NoSectionUsers,
        Profile::LooseEnums,
        Profile::ExtraFields,
        Profile::ExpiringTokens,
        Profile::LongCodes,
    ];

    /// The name used on the command line, in seed files and in the admin API.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::NoMemberLists => "no-member-lists",
            Profile::LegacyMe => "legacy-me",
            Profile::NoLinks => "no-links",
            Profile::ForeignIds => "foreign-ids",
            Profile::NoSectionUsers => "no-section-users",
            Profile::LooseEnums => "loose-enums",
            Profile::ExtraFields => "extra-fields",
            Profile::ExpiringTokens => "expiring-tokens",
            Profile::LongCodes => "long-codes",
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown emulator profile {0:?} (known: {known})", known = known_names())]
pub struct UnknownProfile(pub String);

fn known_names() -> String {
    Profile::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")
}

impl FromStr for Profile {
    type Err = UnknownProfile;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::ALL.iter().copied().find(|p| p.as_str() == s).ok_or_else(|| UnknownProfile(s.to_owned()))
    }
}

impl Serialize for Profile {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Profile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A set of profiles. Empty (the default) is strict Clever.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Profiles(BTreeSet<Profile>);

impl Profiles {
    /// Strict Clever: no profile.
    pub fn strict() -> Self {
        Self::default()
    }

    /// Parses a comma-separated list (`"no-links,legacy-me"`); blanks around names are ignored
    /// and an empty string is strict Clever.
    pub fn parse(list: &str) -> Result<Self, UnknownProfile> {
        list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::parse).collect()
    }

    /// Whether `profile` is on.
    pub fn has(&self, profile: Profile) -> bool {
        self.0.contains(&profile)
    }

    /// True for strict Clever.
    pub fn is_strict(&self) -> bool {
        self.0.is_empty()
    }

    /// The profiles on in either set.
    pub fn union(&self, other: &Profiles) -> Profiles {
        Profiles(self.0.union(&other.0).copied().collect())
    }

    /// The profiles that are on, in table order.
    pub fn iter(&self) -> impl Iterator<Item = Profile> + '_ {
        self.0.iter().copied()
    }
}

impl FromIterator<Profile> for Profiles {
    fn from_iter<I: IntoIterator<Item = Profile>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl fmt::Display for Profiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_strict() {
            return f.write_str("strict");
        }
        let names: Vec<&str> = self.iter().map(Profile::as_str).collect();
        f.write_str(&names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused_with_the_list() {
        for p in Profile::ALL {
            assert_eq!(p.as_str().parse::<Profile>().unwrap(), *p);
        }
        let set = Profiles::parse(" no-links , legacy-me,").unwrap();
        assert!(set.has(Profile::NoLinks) && set.has(Profile::LegacyMe) && !set.has(Profile::LongCodes));
        assert_eq!(set.to_string(), "legacy-me,no-links");
        let err = Profiles::parse("no-links,nope").unwrap_err();
        assert!(err.to_string().contains("\"nope\"") && err.to_string().contains("long-codes"), "{err}");
        assert!(Profiles::parse("").unwrap().is_strict());
    }
}
