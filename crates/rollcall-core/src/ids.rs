//! Identifiers. Every synced record is keyed on its Clever id; local ids are the store's.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A Clever id: 24 hex digits at Clever, other shapes at other Clever-compatible servers
/// (`class-alg1-A`, `urn:sis:42`). Parsed, never trusted: 1–128 printable ASCII characters (no
/// space, no control character) and not `.` or `..` (which a URL would read as a path step). The
/// client percent-encodes it into paths, askama escapes it in pages, and SQL binds it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CleverId(String);

/// Why a string is not a Clever id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a Clever id (expected 1–128 printable ASCII characters, no spaces)")]
pub struct InvalidCleverId(pub String);

/// The longest id accepted.
const MAX_LEN: usize = 128;

impl CleverId {
    /// Parses a Clever id.
    pub fn parse(s: &str) -> Result<Self, InvalidCleverId> {
        let ok = !s.is_empty()
            && s.len() <= MAX_LEN
            && s.bytes().all(|b| b.is_ascii_graphic())
            && s != "."
            && s != "..";
        if ok { Ok(Self(s.to_owned())) } else { Err(InvalidCleverId(s.to_owned())) }
    }

    /// The id as sent by Clever.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CleverId {
    type Error = InvalidCleverId;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<CleverId> for String {
    fn from(id: CleverId) -> Self {
        id.0
    }
}

impl fmt::Display for CleverId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A local user (account) id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UserId(pub i64);

/// A local section id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SectionId(pub i64);

/// A local assignment id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AssignmentId(pub i64);

impl fmt::Display for AssignmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for SectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clever_ids_are_parsed_not_trusted() {
        // Clever's, and the other shapes other Clever-compatible servers use.
        for good in
            ["5f1e2d3c4b5a697887766554", "class-alg1-A", "user_42", "urn:sis:42", "a.b", &"a".repeat(128)]
        {
            assert!(CleverId::parse(good).is_ok(), "{good:?}");
        }
        for bad in ["", "a b", ".", "..", "tab\there", "new\nline", "Zoë", &"a".repeat(129)] {
            assert!(CleverId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
