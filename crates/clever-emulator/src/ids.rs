//! Identifiers and secrets: deterministic 24-hex ids for seeded records, random tokens and codes,
//! and the SHA-256 digests under which tokens and codes are stored.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// SHA-256 of a secret; tokens, codes and sessions are stored only under this digest.
pub type Digest32 = [u8; 32];

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
    fn secrets_are_random_and_prefixed() {
        let a = random_secret("il");
        assert!(a.starts_with("il") && a.len() == 66);
        assert_ne!(a, random_secret("il"));
    }
}
