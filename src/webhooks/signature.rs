//! Standard Webhooks signatures (<https://www.standardwebhooks.com>): the secret is `whsec_` and
//! base64 of random bytes; a message is signed as `v1,` + base64 of HMAC-SHA256 over
//! `{webhook-id}.{webhook-timestamp}.{body}` with the decoded secret. `verify` is what a
//! receiver runs (and our tests do): timestamp within five minutes, each `v1,` signature decoded
//! and length-checked before a constant-time compare, so a bare `v1,` matches nothing.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;

const PREFIX: &str = "whsec_";
const SECRET_BYTES: usize = 24;
/// How far a receiver lets `webhook-timestamp` be from its clock (replay protection).
pub const TOLERANCE: chrono::Duration = chrono::Duration::minutes(5);

#[derive(Clone)]
pub struct WebhookSecret(Vec<u8>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("webhook-timestamp is not a number")]
    BadTimestamp,
    #[error("webhook-timestamp is more than five minutes away")]
    Stale,
    #[error("no v1 signature matches")]
    NoMatch,
}

impl WebhookSecret {
    /// A new secret, as shown once to whoever registers the endpoint.
    pub fn generate() -> String {
        let mut bytes = [0u8; SECRET_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        format!("{PREFIX}{}", STANDARD.encode(bytes))
    }

    /// `whsec_<base64>`, at least 16 bytes of key.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = STANDARD.decode(text.strip_prefix(PREFIX)?).ok()?;
        (bytes.len() >= 16).then_some(Self(bytes))
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> [u8; 32] {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            unreachable!("HMAC takes keys of any length")
        };
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body);
        mac.finalize().into_bytes().into()
    }

    /// The `webhook-signature` header value.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        format!("v1,{}", STANDARD.encode(self.mac(id, timestamp, body)))
    }

    /// Checks the three headers against the body as a receiver must.
    pub fn verify(
        &self,
        id: &str,
        timestamp: &str,
        signatures: &str,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), VerifyError> {
        let seconds: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| VerifyError::BadTimestamp)?;
        let sent = DateTime::from_timestamp(seconds, 0).ok_or(VerifyError::BadTimestamp)?;
        if (now - sent).abs() > TOLERANCE {
            return Err(VerifyError::Stale);
        }
        let expected = self.mac(id, seconds, body);
        let matched = signatures
            .split(' ')
            .filter_map(|entry| entry.strip_prefix("v1,"))
            .filter_map(|encoded| STANDARD.decode(encoded).ok())
            // The length first: an empty or short signature must never compare equal.
            .filter(|given| given.len() == expected.len())
            .any(|given| bool::from(given.ct_eq(&expected)));
        if matched {
            Ok(())
        } else {
            Err(VerifyError::NoMatch)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification's reference tests.
    #[test]
    fn the_specifications_example_signs_the_same() {
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn only_the_right_signature_in_time_verifies() {
        let text = WebhookSecret::generate();
        assert!(text.starts_with("whsec_"));
        let secret = WebhookSecret::parse(&text).unwrap();
        let now = Utc::now();
        let ts = now.timestamp();
        let body = br#"{"type":"signal.created"}"#;
        let good = secret.sign("msg_1", ts, body);
        assert_eq!(
            secret.verify("msg_1", &ts.to_string(), &good, body, now),
            Ok(())
        );
        // Among several (key rotation), one match is enough.
        let several = format!("v1,AAAA {good}");
        assert_eq!(
            secret.verify("msg_1", &ts.to_string(), &several, body, now),
            Ok(())
        );
        let refused = [
            ("msg_2", ts.to_string(), good.clone(), &body[..]),
            ("msg_1", (ts + 1).to_string(), good.clone(), &body[..]),
            (
                "msg_1",
                ts.to_string(),
                good.clone(),
                &br#"{"type":"x"}"#[..],
            ),
            ("msg_1", ts.to_string(), "v1,".to_owned(), &body[..]),
            ("msg_1", ts.to_string(), "v1".to_owned(), &body[..]),
            (
                "msg_1",
                ts.to_string(),
                good.replace("v1,", "v2,"),
                &body[..],
            ),
            ("msg_1", ts.to_string(), good[..10].to_owned(), &body[..]),
        ];
        for (id, stamp, signature, body) in refused {
            assert!(
                secret.verify(id, &stamp, &signature, body, now).is_err(),
                "{id} {stamp} {signature}"
            );
        }
        let old = (now - chrono::Duration::minutes(6)).timestamp();
        let late = secret.sign("msg_1", old, body);
        assert_eq!(
            secret.verify("msg_1", &old.to_string(), &late, body, now),
            Err(VerifyError::Stale)
        );
        let other = WebhookSecret::parse(&WebhookSecret::generate()).unwrap();
        assert!(
            other
                .verify("msg_1", &ts.to_string(), &good, body, now)
                .is_err()
        );
        assert!(WebhookSecret::parse("whsec_short").is_none());
        assert!(WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_none());
    }
}
