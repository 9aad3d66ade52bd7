//! Personal data and secrets at rest: AES-256-GCM with a fresh random nonce per value, written as
//! `enc:v1:<key id>:<base64(nonce ‖ ciphertext)>`. The key id (the first bytes of the key's SHA-256)
//! says which key sealed a value, so `herald rotate-key` can re-encrypt old rows while the previous
//! key still opens them. Without a key (allowed on SQLite only) values are stored as given.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

const PREFIX: &str = "enc:v1:";
const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("value was sealed with key {0}, which is not configured")]
    UnknownKey(String),
    #[error("value is encrypted but no HERALD_ENCRYPTION_KEY is configured")]
    NoKey,
    #[error("value is corrupt or was tampered with")]
    Corrupt,
}

#[derive(Clone)]
struct Key {
    id: String,
    aead: Aes256Gcm,
}

impl Key {
    fn new(bytes: &[u8; 32]) -> Self {
        let id = hex::encode(&Sha256::digest(bytes)[..4]);
        Self {
            id,
            aead: Aes256Gcm::new(bytes.into()),
        }
    }
}

/// Seals and opens stored values. Cheap to clone.
#[derive(Clone, Default)]
pub struct Cipher {
    current: Option<Key>,
    previous: Vec<Key>,
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cipher")
            .field("key_id", &self.key_id())
            .finish_non_exhaustive()
    }
}

impl Cipher {
    /// No encryption: values are stored as given (SQLite without `HERALD_ENCRYPTION_KEY`).
    pub fn plaintext() -> Self {
        Self::default()
    }

    pub fn new(key: &[u8; 32]) -> Self {
        Self {
            current: Some(Key::new(key)),
            previous: Vec::new(),
        }
    }

    /// Also opens values sealed with `old` (during a key rotation).
    pub fn with_previous(mut self, old: &[u8; 32]) -> Self {
        self.previous.push(Key::new(old));
        self
    }

    pub fn key_id(&self) -> Option<&str> {
        self.current.as_ref().map(|key| key.id.as_str())
    }

    pub fn seal(&self, plaintext: &str) -> String {
        let Some(key) = &self.current else {
            return plaintext.to_owned();
        };
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        // Encrypting into a Vec cannot fail for inputs below AES-GCM's 64 GiB bound.
        let ciphertext = key
            .aead
            .encrypt(&Nonce::from(nonce), plaintext.as_bytes())
            .unwrap_or_default();
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ciphertext);
        format!("{PREFIX}{}:{}", key.id, STANDARD_NO_PAD.encode(blob))
    }

    pub fn seal_opt(&self, plaintext: Option<&str>) -> Option<String> {
        plaintext.map(|text| self.seal(text))
    }

    pub fn open(&self, stored: &str) -> Result<String, CryptoError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        let (key_id, encoded) = rest.split_once(':').ok_or(CryptoError::Corrupt)?;
        let key = self
            .current
            .iter()
            .chain(&self.previous)
            .find(|key| key.id == key_id)
            .ok_or_else(|| {
                if self.current.is_none() {
                    CryptoError::NoKey
                } else {
                    CryptoError::UnknownKey(key_id.to_owned())
                }
            })?;
        let blob = STANDARD_NO_PAD
            .decode(encoded)
            .map_err(|_| CryptoError::Corrupt)?;
        if blob.len() < NONCE_LEN {
            return Err(CryptoError::Corrupt);
        }
        let (nonce, ciphertext) = blob.split_at(NONCE_LEN);
        let nonce = Nonce::try_from(nonce).map_err(|_| CryptoError::Corrupt)?;
        let plaintext = key
            .aead
            .decrypt(&nonce, ciphertext)
            .map_err(|_| CryptoError::Corrupt)?;
        String::from_utf8(plaintext).map_err(|_| CryptoError::Corrupt)
    }

    pub fn open_opt(&self, stored: Option<&str>) -> Result<Option<String>, CryptoError> {
        stored.map(|text| self.open(text)).transpose()
    }

    /// Whether a stored value should be re-sealed with the current key.
    pub fn is_stale(&self, stored: &str) -> bool {
        match (&self.current, stored.strip_prefix(PREFIX)) {
            (Some(key), Some(rest)) => !rest.starts_with(&format!("{}:", key.id)),
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}

/// HMAC-SHA256 of `message` under `key` (invoice payloads, Mini App launch data).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    let Ok(mut mac) = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key) else {
        unreachable!("HMAC takes keys of any length")
    };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];
    const OTHER: [u8; 32] = [9; 32];

    #[test]
    fn sealed_values_round_trip_and_hide_the_plaintext() {
        let cipher = Cipher::new(&KEY);
        let sealed = cipher.seal("Alice Müller");
        assert!(sealed.starts_with("enc:v1:"));
        assert!(!sealed.contains("Alice"));
        assert_eq!(cipher.open(&sealed).unwrap(), "Alice Müller");
    }

    #[test]
    fn each_seal_uses_a_fresh_nonce() {
        let cipher = Cipher::new(&KEY);
        assert_ne!(cipher.seal("same"), cipher.seal("same"));
    }

    #[test]
    fn tampering_and_wrong_keys_are_detected() {
        let sealed = Cipher::new(&KEY).seal("secret");
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(Cipher::new(&KEY).open(&tampered), Err(CryptoError::Corrupt));
        assert!(matches!(
            Cipher::new(&OTHER).open(&sealed),
            Err(CryptoError::UnknownKey(_))
        ));
        assert_eq!(Cipher::plaintext().open(&sealed), Err(CryptoError::NoKey));
    }

    #[test]
    fn rotation_opens_old_values_and_marks_them_stale() {
        let old = Cipher::new(&KEY).seal("bob");
        let rotated = Cipher::new(&OTHER).with_previous(&KEY);
        assert_eq!(rotated.open(&old).unwrap(), "bob");
        assert!(rotated.is_stale(&old));
        assert!(!rotated.is_stale(&rotated.seal("bob")));
        assert!(rotated.is_stale("plain text from before encryption"));
    }

    #[test]
    fn without_a_key_values_pass_through() {
        let cipher = Cipher::plaintext();
        assert_eq!(cipher.seal("carol"), "carol");
        assert_eq!(cipher.open("carol").unwrap(), "carol");
    }
}
