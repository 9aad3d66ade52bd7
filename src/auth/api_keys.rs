//! API keys made by `herald apikey create`: `hk_<id>_<secret>`, where the id (16 hex digits) is
//! public and finds the stored row, and the secret is 256 random bits. Only the SHA-256 of the whole
//! key is stored: the key is random, so a slow password hash would add nothing but latency.
//! Digests are compared in constant time.

use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const PREFIX: &str = "hk_";
const ID_HEX: usize = 16;
const SECRET_HEX: usize = 64;

/// A new key: shown once, then only `hash` is kept.
pub struct GeneratedKey {
    pub id: String,
    pub key: String,
    pub hash: String,
}

pub fn generate() -> GeneratedKey {
    let mut id = [0u8; ID_HEX / 2];
    let mut secret = [0u8; SECRET_HEX / 2];
    rand::rng().fill_bytes(&mut id);
    rand::rng().fill_bytes(&mut secret);
    let id = hex::encode(id);
    let key = format!("{PREFIX}{id}_{}", hex::encode(secret));
    let hash = digest(&key);
    GeneratedKey { id, key, hash }
}

/// The id part of a well-formed key; `None` for anything else (such as a `HERALD_API_KEYS` key).
pub fn key_id(presented: &str) -> Option<&str> {
    let rest = presented.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let hex = |text: &str, len: usize| {
        text.len() == len
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    (hex(id, ID_HEX) && hex(secret, SECRET_HEX)).then_some(id)
}

/// Hex SHA-256 of a key, as stored.
pub fn digest(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Whether `presented` hashes to `stored_hash`, in time independent of where they differ.
pub fn matches(stored_hash: &str, presented: &str) -> bool {
    bool::from(stored_hash.as_bytes().ct_eq(digest(presented).as_bytes()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_and_match_only_themselves() {
        let first = generate();
        let second = generate();
        assert_ne!(first.key, second.key);
        assert_eq!(key_id(&first.key), Some(first.id.as_str()));
        assert!(matches(&first.hash, &first.key));
        assert!(!matches(&first.hash, &second.key));
        assert!(!first.key.contains(&first.hash));
    }

    #[test]
    fn malformed_keys_have_no_id() {
        for bad in [
            "",
            "hk_",
            "hk_0123456789abcdef",
            "hk_0123456789abcdef_short",
            "hk_0123456789ABCDEF_0000000000000000000000000000000000000000000000000000000000000000",
            "test-key-0123456789abcdef",
            "hk_0123456789abcde'_0000000000000000000000000000000000000000000000000000000000000000",
        ] {
            assert_eq!(key_id(bad), None, "{bad}");
        }
    }
}
