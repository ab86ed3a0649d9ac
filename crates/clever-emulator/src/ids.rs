//! Identifiers and secrets: deterministic ids for seeded records (24 hex digits as Clever's, or
//! readable ones under the `foreign-ids` profile), random tokens and codes, and the SHA-256
//! digests under which tokens and codes are stored.

use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::profile::{Profile, Profiles};

/// SHA-256 of a secret; tokens, codes and sessions are stored only under this digest.
pub type Digest32 = [u8; 32];

/// Longest readable id (`foreign-ids`): other servers' ids are rarely longer, and a client's
/// columns should not need more.
pub const MAX_READABLE_ID: usize = 64;

/// How a world's ids are made from its records' keys. A world is built with one scheme (see
/// [`crate::model::World::ids`]); it changes only when the world is built again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IdScheme {
    /// Clever's shape: 24 lowercase hex digits derived from namespace, kind and key.
    #[default]
    Clever,
    /// The `foreign-ids` profile: `<kind>-<key>`, e.g. `user-tkrabappel`.
    Readable,
}

impl IdScheme {
    /// The scheme `profiles` ask for.
    pub fn for_profiles(profiles: &Profiles) -> Self {
        if profiles.has(Profile::ForeignIds) { IdScheme::Readable } else { IdScheme::Clever }
    }

    /// The id of the record of `kind` with `key`.
    pub fn id(self, namespace: &str, kind: &str, key: &str) -> String {
        match self {
            IdScheme::Clever => derive_id(namespace, kind, key),
            IdScheme::Readable => readable_id(kind, key),
        }
    }

    /// Whether `id`, given explicitly, has this scheme's shape. A readable id is never in
    /// Clever's shape, so that under `foreign-ids` no id looks like Clever's.
    pub fn accepts(self, id: &str) -> bool {
        match self {
            IdScheme::Clever => is_clever_id(id),
            IdScheme::Readable => is_readable_id(id) && !is_clever_id(id),
        }
    }

    /// The shape rule, for error messages.
    pub fn rule(self) -> &'static str {
        match self {
            IdScheme::Clever => "ids must be 24 lowercase hex digits",
            IdScheme::Readable => {
                "ids must be 1 to 64 letters, digits, '-' or '_', and not 24 hex digits (the foreign-ids \
                 profile is on)"
            }
        }
    }
}

/// A readable id for the `foreign-ids` profile: `<kind>-<key>` (`section-class4b`). A key with
/// characters other than ASCII letters, digits, `-` and `_`, or one too long for
/// [`MAX_READABLE_ID`], is cleaned and shortened and gets 8 hex digits of its hash, so distinct
/// keys keep distinct ids; the seed builder still refuses the (astronomically unlikely) clash.
pub fn readable_id(kind: &str, key: &str) -> String {
    let plain = format!("{kind}-{key}");
    if plain.len() <= MAX_READABLE_ID && is_readable_id(&plain) {
        return plain;
    }
    let hash = hex::encode(&Sha256::digest(key.as_bytes())[..4]);
    let room = MAX_READABLE_ID - kind.len() - hash.len() - 2;
    let cleaned: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .take(room)
        .collect();
    format!("{kind}-{cleaned}-{hash}")
}

/// True when `s` is a valid readable id: 1 to 64 ASCII letters, digits, `-` or `_`.
pub fn is_readable_id(s: &str) -> bool {
    (1..=MAX_READABLE_ID).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A stable 24-hex id (the shape of Clever's ids) derived from a namespace and a key, so a seed
/// file gives the same ids on every run and tests can hard-code them.
pub fn derive_id(namespace: &str, kind: &str, key: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"clever-emulator/id/v1\0");
    hasher.update(namespace.as_bytes());
    hasher.update(b"\0");
    hasher.update(kind.as_bytes());
    hasher.update(b"\0");
    hasher.update(key.as_bytes());
    hex::encode(&hasher.finalize()[..12])
}

/// True when `s` looks like a Clever id (24 lowercase hex digits).
pub fn is_clever_id(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// 256 random bits, hex-encoded, behind `prefix` (`il` for Library/SSO tokens, as Clever does).
pub fn random_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// SHA-256 of `secret`.
pub fn digest(secret: &str) -> Digest32 {
    Sha256::digest(secret.as_bytes()).into()
}

/// A short, non-secret label for a digest, for admin listings and logs.
pub fn digest_label(d: &Digest32) -> String {
    hex::encode(&d[..6])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable_clever_shaped_and_distinct() {
        let a = derive_id("demo", "user", "skelly");
        assert_eq!(a, derive_id("demo", "user", "skelly"));
        assert!(is_clever_id(&a));
        assert_ne!(a, derive_id("demo", "section", "skelly"));
        assert_ne!(a, derive_id("other", "user", "skelly"));
    }

    #[test]
    fn readable_ids_are_kind_and_key_and_stay_valid_and_distinct_for_awkward_keys() {
        assert_eq!(readable_id("user", "tkrabappel"), "user-tkrabappel");
        assert_eq!(IdScheme::Readable.id("any", "section", "class4b"), "section-class4b");
        let awkward = ["María José", "maría_jos_", &"k".repeat(100), &format!("{}x", "k".repeat(99))];
        let ids: Vec<String> = awkward.iter().map(|k| readable_id("district", k)).collect();
        for id in &ids {
            assert!(is_readable_id(id) && !is_clever_id(id), "{id}");
        }
        let unique: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "{ids:?}");
        assert!(!is_readable_id("") && !is_readable_id("a b") && !is_readable_id(&"a".repeat(65)));
    }

    #[test]
    fn secrets_are_random_and_prefixed() {
        let a = random_secret("il");
        assert!(a.starts_with("il") && a.len() == 66);
        assert_ne!(a, random_secret("il"));
    }
}
