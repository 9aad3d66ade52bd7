//! Admin tokens: HS256 JWTs that live 15 minutes (no refresh: log in again). Verification pins
//! the algorithm (a token saying `alg: none` or RS256 is refused before its claims are read),
//! requires issuer, audience, expiry and subject, and refuses a token issued in the future or for
//! longer than [`TOKEN_LIFETIME`] (even one signed with our secret). Whether its admin still
//! exists, is enabled and has not ended the session (`gen`) is the guard's check, in the store.

use chrono::{DateTime, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const TOKEN_LIFETIME: chrono::Duration = chrono::Duration::minutes(15);
pub const ISSUER: &str = "herald";
pub const AUDIENCE: &str = "herald-admin-api";
pub const ADMIN_ROLE: &str = "admin";
/// Clock difference tolerated between replicas.
const LEEWAY_SECS: u64 = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The admin's id.
    pub sub: String,
    pub name: String,
    pub role: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    /// The admin's token generation when it was issued (see `store::admins`).
    #[serde(rename = "gen")]
    pub generation: u32,
}

impl Claims {
    /// The claims of a fresh admin token issued at `now`.
    pub fn admin(id: Uuid, name: &str, now: DateTime<Utc>) -> Self {
        Self {
            sub: id.to_string(),
            name: name.to_owned(),
            role: ADMIN_ROLE.to_owned(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat: now.timestamp(),
            exp: (now + TOKEN_LIFETIME).timestamp(),
            jti: Uuid::new_v4().to_string(),
            generation: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("token expired")]
    Expired,
    #[error("invalid token")]
    Invalid,
    #[error("token does not grant the admin role")]
    NotAdmin,
    #[error("token ended: its admin logged out, changed password, was disabled or is gone")]
    Revoked,
    #[error("cannot sign the token")]
    Signing,
}

/// The signing secret, ready to sign and verify. Cheap to clone.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    pub fn sign(&self, claims: &Claims) -> Result<String, JwtError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|_| JwtError::Signing)
    }

    /// A token for this admin in its current token `generation`, and when it expires.
    pub fn issue(
        &self,
        id: Uuid,
        name: &str,
        generation: u32,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), JwtError> {
        let claims = Claims {
            generation,
            ..Claims::admin(id, name, now)
        };
        Ok((self.sign(&claims)?, now + TOKEN_LIFETIME))
    }

    /// The admin behind a token: signature, algorithm, issuer, audience, expiry, subject and role
    /// all checked.
    pub fn verify(&self, token: &str) -> Result<(Uuid, Claims), JwtError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|err| match err.kind() {
                ErrorKind::ExpiredSignature => JwtError::Expired,
                _ => JwtError::Invalid,
            })?;
        let claims = data.claims;
        let leeway = i64::try_from(LEEWAY_SECS).unwrap_or(0);
        let issued_in_future = claims.iat > Utc::now().timestamp() + leeway;
        if issued_in_future || claims.exp - claims.iat > TOKEN_LIFETIME.num_seconds() {
            return Err(JwtError::Invalid);
        }
        let id = Uuid::parse_str(&claims.sub).map_err(|_| JwtError::Invalid)?;
        if claims.role != ADMIN_ROLE {
            return Err(JwtError::NotAdmin);
        }
        Ok((id, claims))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn a_fresh_token_verifies_and_names_the_admin() {
        let keys = JwtKeys::new(SECRET);
        let id = Uuid::now_v7();
        let (token, expires) = keys.issue(id, "alice", 0, Utc::now()).unwrap();
        assert!(expires > Utc::now() + chrono::Duration::minutes(14));
        let (verified, claims) = keys.verify(&token).unwrap();
        assert_eq!(verified, id);
        assert_eq!(claims.name, "alice");
    }

    #[test]
    fn expired_foreign_unsigned_and_tampered_tokens_are_refused() {
        let keys = JwtKeys::new(SECRET);
        let id = Uuid::now_v7();
        let (old, _) = keys
            .issue(id, "alice", 0, Utc::now() - chrono::Duration::minutes(16))
            .unwrap();
        assert_eq!(keys.verify(&old), Err(JwtError::Expired));

        let (foreign, _) = JwtKeys::new(b"another secret, just as long, 32+")
            .issue(id, "alice", 0, Utc::now())
            .unwrap();
        assert_eq!(keys.verify(&foreign), Err(JwtError::Invalid));

        let claims = URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(&Claims::admin(id, "alice", Utc::now())).unwrap());
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert_eq!(
            keys.verify(&format!("{header}.{claims}.")),
            Err(JwtError::Invalid)
        );

        let (good, _) = keys.issue(id, "alice", 0, Utc::now()).unwrap();
        let mut parts: Vec<&str> = good.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&Claims::admin(Uuid::now_v7(), "mallory", Utc::now())).unwrap(),
        );
        parts[1] = &forged;
        assert_eq!(keys.verify(&parts.join(".")), Err(JwtError::Invalid));
    }

    #[test]
    fn wrong_audience_issuer_or_role_is_refused() {
        let keys = JwtKeys::new(SECRET);
        let base = Claims::admin(Uuid::now_v7(), "alice", Utc::now());
        let cases = [
            (
                Claims {
                    aud: "other".into(),
                    ..base.clone()
                },
                JwtError::Invalid,
            ),
            (
                Claims {
                    iss: "other".into(),
                    ..base.clone()
                },
                JwtError::Invalid,
            ),
            (
                Claims {
                    sub: "not-a-uuid".into(),
                    ..base.clone()
                },
                JwtError::Invalid,
            ),
            (
                Claims {
                    role: "viewer".into(),
                    ..base.clone()
                },
                JwtError::NotAdmin,
            ),
            // Signed with our secret, yet longer-lived than any token we issue.
            (
                Claims {
                    exp: base.iat + 10 * 365 * 86_400,
                    ..base.clone()
                },
                JwtError::Invalid,
            ),
            (
                Claims {
                    iat: base.iat + 3600,
                    exp: base.iat + 3600 + 60,
                    ..base.clone()
                },
                JwtError::Invalid,
            ),
        ];
        for (claims, expected) in cases {
            let token = keys.sign(&claims).unwrap();
            assert_eq!(keys.verify(&token), Err(expected), "{claims:?}");
        }
    }
}
