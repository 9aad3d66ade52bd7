//! The invoice payload: which plan, for whom, when offered — signed, because Telegram hands it
//! back in the pre-checkout query and the payment exactly as the bot wrote it, and a payload made
//! up by anyone else must not buy anything.
//!
//! `h1.<plan>.<telegram id>.<issued, unix seconds>.<tag>`, where the tag is the first 16 bytes
//! (base64url) of HMAC-SHA256 over the same fields and the plan's price, under a key derived from
//! the bot token: every replica derives the same key, and a price change voids older links.
//! At most 1 + 32 + 20 + 10 + 22 + 4 separators and the version: well inside Telegram's 128 bytes.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

use super::plans::Plan;
use crate::crypto::hmac_sha256;

const VERSION: &str = "h1";
const TAG_BYTES: usize = 16;
/// An invoice link shown longer ago than this is not paid: its offer may have changed since.
pub const OFFER_LIFETIME: chrono::Duration = chrono::Duration::days(7);

/// The key invoice payloads are signed with.
#[derive(Clone)]
pub struct PayloadKey([u8; 32]);

impl PayloadKey {
    pub fn from_bot_token(token: &str) -> Self {
        Self(hmac_sha256(b"herald invoice payload", token.as_bytes()))
    }

    pub fn sign(&self, plan: &Plan, telegram_id: i64, issued: DateTime<Utc>) -> String {
        let fields = format!("{VERSION}.{}.{telegram_id}.{}", plan.id, issued.timestamp());
        format!("{fields}.{}", self.tag(&fields, plan.stars))
    }

    /// The fields of a payload whose tag is right for `price_of` its plan; `None` for anything
    /// else (forged, mangled, another bot's, or a plan whose price has changed or is gone).
    pub fn verify(&self, payload: &str, price_of: impl Fn(&str) -> Option<u32>) -> Option<Offer> {
        let (fields, tag) = payload.rsplit_once('.')?;
        let mut parts = fields.split('.');
        let (version, plan, telegram_id, issued) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if version != VERSION || parts.next().is_some() {
            return None;
        }
        let stars = price_of(plan)?;
        let expected = self.tag(fields, stars);
        let same: bool = subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), tag.as_bytes()).into();
        if !same {
            return None;
        }
        Some(Offer {
            plan: plan.to_owned(),
            telegram_id: telegram_id.parse().ok()?,
            issued: DateTime::from_timestamp(issued.parse().ok()?, 0)?,
        })
    }

    fn tag(&self, fields: &str, stars: u32) -> String {
        let digest = hmac_sha256(&self.0, format!("{fields}.{stars}").as_bytes());
        URL_SAFE_NO_PAD.encode(&digest[..TAG_BYTES])
    }
}

/// What a genuine payload says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub plan: String,
    pub telegram_id: i64,
    pub issued: DateTime<Utc>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::preferences::Tier;

    fn plan(stars: u32) -> Plan {
        Plan {
            id: "premium_monthly".into(),
            stars,
            period: chrono::Duration::days(30),
            renews: true,
            tier: Tier::Premium,
        }
    }

    #[test]
    fn a_signed_payload_verifies_and_nothing_else_does() {
        let key = PayloadKey::from_bot_token("123:abc");
        let issued = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let payload = key.sign(&plan(500), 42, issued);
        assert!(payload.len() <= 128);
        let price = |id: &str| (id == "premium_monthly").then_some(500);
        assert_eq!(
            key.verify(&payload, price),
            Some(Offer {
                plan: "premium_monthly".into(),
                telegram_id: 42,
                issued
            })
        );
        // Another user, another time, another plan, another price, another bot: all refused.
        let forged = [
            payload.replace(".42.", ".43."),
            payload.replace(".1800000000.", ".1800000001."),
            payload.replacen("h1.", "h2.", 1),
            format!("{payload}x"),
            String::new(),
        ];
        for forged in forged {
            assert_eq!(key.verify(&forged, price), None, "{forged}");
        }
        assert_eq!(key.verify(&payload, |_| Some(400)), None);
        assert_eq!(key.verify(&payload, |_| None), None);
        let other_bot = PayloadKey::from_bot_token("124:abc");
        assert_eq!(other_bot.verify(&payload, price), None);
    }
}
