//! Identifiers. Every synced record is keyed on its Clever id; local ids are the store's.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A Clever id (24 hex digits in practice). Parsed, never trusted: 1–64 ASCII letters, digits,
/// `-` or `_`, so it is safe in URLs, logs and SQL parameters alike.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CleverId(String);

/// Why a string is not a Clever id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a Clever id (expected 1–64 letters, digits, '-' or '_')")]
pub struct InvalidCleverId(pub String);

impl CleverId {
    /// Parses a Clever id.
    pub fn parse(s: &str) -> Result<Self, InvalidCleverId> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
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
        assert!(CleverId::parse("5f1e2d3c4b5a697887766554").is_ok());
        for bad in ["", "a b", "../etc", "x'; drop table users;--", &"a".repeat(65)] {
            assert!(CleverId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
