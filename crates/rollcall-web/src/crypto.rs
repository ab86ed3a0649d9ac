//! Secrets at rest and in cookies: random values, SHA-256 digests, and the sealing of Clever
//! tokens (AES-256-GCM), which must be usable later (background sync) and so cannot be hashed.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The app's 32-byte secret key: it seals stored Clever tokens and signs the links mailed to
/// prove an email address. `Debug` prints none of it, so a logged or printed configuration
/// never carries it.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenKey([u8; 32]);

impl TokenKey {
    /// The key's bytes, for the cipher and the MAC that use it.
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl From<[u8; 32]> for TokenKey {
    fn from(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(***)")
    }
}

/// 256 random bits, base64url without padding (cookie- and URL-safe).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a secret; sessions and codes are stored only under this.
pub fn sha256(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Seals and opens Clever tokens.
#[derive(Clone)]
pub struct TokenSealer {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for TokenSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSealer(***)")
    }
}

/// A sealed value could not be opened (wrong key or tampering).
#[derive(Debug, thiserror::Error)]
#[error("a stored Clever token could not be decrypted (was the token key changed?)")]
pub struct OpenError;

impl TokenSealer {
    /// A sealer with a 32-byte key.
    pub fn new(key: &[u8; 32]) -> Self {
        Self { cipher: Aes256Gcm::new(key.into()) }
    }

    /// Encrypts `plaintext`; the output is nonce (12 bytes) followed by ciphertext.
    pub fn seal(&self, plaintext: &str) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let mut out = nonce.to_vec();
        // Encryption with a valid key and nonce size cannot fail for inputs this small.
        if let Ok(ciphertext) = self.cipher.encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes()) {
            out.extend(ciphertext);
        }
        out
    }

    /// Decrypts what `seal` produced.
    pub fn open(&self, sealed: &[u8]) -> Result<String, OpenError> {
        if sealed.len() < 12 {
            return Err(OpenError);
        }
        let (nonce, ciphertext) = sealed.split_at(12);
        let plain = self.cipher.decrypt(Nonce::from_slice(nonce), ciphertext).map_err(|_| OpenError)?;
        String::from_utf8(plain).map_err(|_| OpenError)
    }
}

/// A value sealed into a cookie-safe string (JSON, AES-256-GCM with the token key, base64url):
/// the browser can carry it but neither read nor alter it.
pub fn seal_json<T: serde::Serialize>(sealer: &TokenSealer, value: &T) -> String {
    let json = serde_json::to_string(value).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sealer.seal(&json))
}

/// Opens what [`seal_json`] made; `None` if it was altered, sealed with another key, or is not a `T`.
pub fn open_json<T: serde::de::DeserializeOwned>(sealer: &TokenSealer, sealed: &str) -> Option<T> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sealed).ok()?;
    serde_json::from_str(&sealer.open(&bytes).ok()?).ok()
}

/// A stand-in for an email in the logs: the same email always gives the same 16 hex digits in
/// one deployment (so an operator can follow one account's failures), but without the
/// deployment's key nobody can test guesses against it.
pub fn pseudonym(key: &TokenKey, email: &str) -> String {
    use hmac::{Hmac, Mac};
    let Ok(mut mac) = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key.expose()) else {
        return "unknown".to_owned();
    };
    mac.update(b"rollcall log pseudonym\0");
    mac.update(email.as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_tokens_round_trip_and_reveal_nothing() {
        let sealer = TokenSealer::new(&[3; 32]);
        let sealed = sealer.seal("il-secret-token");
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(sealer.open(&sealed).unwrap(), "il-secret-token");
        assert!(TokenSealer::new(&[4; 32]).open(&sealed).is_err(), "another key cannot open it");
        assert_ne!(sealer.seal("x"), sealer.seal("x"), "fresh nonce each time");
    }
}
