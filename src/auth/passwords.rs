//! Admin passwords: generated (so they are strong), hashed with Argon2id (RustCrypto defaults, the
//! OWASP minimum: 19 MiB, 2 passes), verified against the PHC string. Hashing is deliberately slow,
//! so callers on the async runtime run it with `spawn_blocking`.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::Rng;
use rand::distr::Alphanumeric;

/// Generated passwords: 24 letters and digits, about 142 bits.
const GENERATED_LEN: usize = 24;

#[derive(Debug, thiserror::Error)]
#[error("cannot hash the password: {0}")]
pub struct HashError(String);

pub fn generate() -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(GENERATED_LEN)
        .map(char::from)
        .collect()
}

pub fn hash(password: &str) -> Result<String, HashError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|err| HashError(err.to_string()))
}

/// Whether `password` matches the stored PHC string; a malformed string matches nothing.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash no password matches, verified against when the admin name is unknown, so the answer
/// takes as long as for a known name and timing does not reveal which names exist.
static DECOY: LazyLock<Option<String>> = LazyLock::new(|| hash(&generate()).ok());

pub fn verify_decoy(password: &str) {
    if let Some(decoy) = DECOY.as_deref() {
        let _ = verify(password, decoy);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let password = generate();
        assert_eq!(password.len(), GENERATED_LEN);
        let first = hash(&password).unwrap();
        assert!(first.starts_with("$argon2id$"), "{first}");
        assert_ne!(
            first,
            hash(&password).unwrap(),
            "each hash has its own salt"
        );
        assert!(verify(&password, &first));
        assert!(!verify("wrong password", &first));
        assert!(!verify(&password, "not a phc string"));
    }
}
