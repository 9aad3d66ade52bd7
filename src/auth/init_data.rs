//! Mini App launch data (`initData`), validated as Telegram specifies
//! (<https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app>): the
//! secret is HMAC-SHA256 of the bot token under the key "WebAppData"; the data-check-string is
//! every field but `hash` — `signature` included — sorted by key, `key=value` joined by `\n`; its
//! HMAC under the secret, in hex, must equal `hash` (compared in constant time), and `auth_date`
//! must be at most a day old. Anything else is refused, with no hint of which check failed.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::crypto::hmac_sha256;

/// Launch data older than this is refused: a leaked initData cannot be replayed for long.
pub const MAX_AGE: chrono::Duration = chrono::Duration::hours(24);
/// Clocks differ a little; launch data from further in the future is not Telegram's.
const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(5);
/// Far above any real launch string (a few hundred bytes), low enough to bound the work.
const MAX_LEN: usize = 8 * 1024;

/// The user a Mini App was opened by.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WebAppUser {
    pub id: i64,
    pub first_name: String,
    #[serde(default)]
    pub language_code: Option<String>,
}

/// Why launch data was refused (logged, never told to the client).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InitDataError {
    #[error("not a launch string (empty, too long, repeated or missing fields)")]
    Malformed,
    #[error("the hash does not match: not signed with this bot's token, or changed")]
    BadHash,
    #[error("auth_date is older than a day, or in the future")]
    Stale,
    #[error("no readable user")]
    NoUser,
}

pub fn validate(
    init_data: &str,
    bot_token: &str,
    now: DateTime<Utc>,
) -> Result<WebAppUser, InitDataError> {
    if init_data.is_empty() || init_data.len() > MAX_LEN {
        return Err(InitDataError::Malformed);
    }
    let mut fields: Vec<(String, String)> = form_urlencoded::parse(init_data.as_bytes())
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    fields.sort();
    if fields.windows(2).any(|pair| pair[0].0 == pair[1].0) {
        return Err(InitDataError::Malformed);
    }
    let hash_at = fields
        .iter()
        .position(|(key, _)| key == "hash")
        .ok_or(InitDataError::Malformed)?;
    let (_, hash) = fields.remove(hash_at);
    let check_string = fields
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join("\n");
    let secret = hmac_sha256(b"WebAppData", bot_token.as_bytes());
    let expected = hex::encode(hmac_sha256(&secret, check_string.as_bytes()));
    let matches: bool = expected.as_bytes().ct_eq(hash.as_bytes()).into();
    if !matches {
        return Err(InitDataError::BadHash);
    }
    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let auth_date = field("auth_date")
        .and_then(|value| value.parse::<i64>().ok())
        .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
        .ok_or(InitDataError::Stale)?;
    if now - auth_date > MAX_AGE || auth_date - now > CLOCK_SKEW {
        return Err(InitDataError::Stale);
    }
    field("user")
        .and_then(|json| serde_json::from_str::<WebAppUser>(json).ok())
        .filter(|user| user.id > 0)
        .ok_or(InitDataError::NoUser)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A launch string signed by Telegram, published with its bot token in Mini App guides.
    const TOKEN: &str = "5768337691:AAH5YkoiEuPk8-FZa32hStHTqXiLPtAEhx8";
    const PUBLISHED: &str = "query_id=AAHdF6IQAAAAAN0XohDhrOrc&user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%22%2C%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C%22is_premium%22%3Atrue%7D&auth_date=1662771648&hash=c501b71e775f74ce10e377dea85a7ea24ecd640b223ea86dfe453e0eaed2e2b2";

    fn published_now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_662_771_648 + 3600, 0).unwrap()
    }

    fn emulator_user() -> telegram_emulator::TgUser {
        telegram_emulator::TgUser {
            id: 42,
            is_bot: false,
            first_name: "Ana".into(),
            last_name: None,
            username: Some("ana".into()),
            language_code: Some("es".into()),
        }
    }

    #[test]
    fn telegrams_published_example_validates() {
        let user = validate(PUBLISHED, TOKEN, published_now()).unwrap();
        assert_eq!(user.id, 279_058_397);
        assert_eq!(user.first_name, "Vladislav");
        assert_eq!(user.language_code.as_deref(), Some("ru"));
    }

    #[test]
    fn every_single_field_change_is_refused() {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(PUBLISHED.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        for changed in 0..pairs.len() {
            let mut query = form_urlencoded::Serializer::new(String::new());
            for (index, (key, value)) in pairs.iter().enumerate() {
                let value = if index == changed {
                    // One character different (the hash keeps its hex form).
                    let mut chars: Vec<char> = value.chars().collect();
                    let last = chars.len() - 1;
                    chars[last] = if chars[last] == '1' { '2' } else { '1' };
                    chars.into_iter().collect()
                } else {
                    value.clone()
                };
                query.append_pair(key, &value);
            }
            let query = query.finish();
            assert!(
                validate(&query, TOKEN, published_now()).is_err(),
                "{} changed: {query}",
                pairs[changed].0
            );
        }
        // A field added, or one removed, is a change too.
        let added = format!("{PUBLISHED}&start_param=x");
        assert_eq!(
            validate(&added, TOKEN, published_now()),
            Err(InitDataError::BadHash)
        );
        let removed = PUBLISHED.replacen("query_id=AAHdF6IQAAAAAN0XohDhrOrc&", "", 1);
        assert_eq!(
            validate(&removed, TOKEN, published_now()),
            Err(InitDataError::BadHash)
        );
    }

    #[test]
    fn signature_is_part_of_what_is_signed() {
        let now = Utc::now();
        let token = "1:emulated";
        let signed =
            telegram_emulator::sign_init_data(token, &emulator_user(), now.timestamp(), "q1", &[]);
        assert_eq!(validate(&signed, token, now).unwrap().id, 42);
        assert!(signed.contains("signature="));
        let without: Vec<&str> = signed
            .split('&')
            .filter(|pair| !pair.starts_with("signature="))
            .collect();
        assert_eq!(
            validate(&without.join("&"), token, now),
            Err(InitDataError::BadHash)
        );
    }

    #[test]
    fn stale_foreign_and_malformed_data_are_refused() {
        let now = Utc::now();
        let token = "1:emulated";
        let user = emulator_user();
        let old = telegram_emulator::sign_init_data(
            token,
            &user,
            (now - MAX_AGE - chrono::Duration::seconds(1)).timestamp(),
            "q",
            &[],
        );
        assert_eq!(validate(&old, token, now), Err(InitDataError::Stale));
        let future = telegram_emulator::sign_init_data(
            token,
            &user,
            (now + chrono::Duration::hours(1)).timestamp(),
            "q",
            &[],
        );
        assert_eq!(validate(&future, token, now), Err(InitDataError::Stale));
        let fresh = telegram_emulator::sign_init_data(token, &user, now.timestamp(), "q", &[]);
        assert_eq!(
            validate(&fresh, "2:another-bot", now),
            Err(InitDataError::BadHash)
        );
        let doubled = format!("{fresh}&auth_date=1");
        assert_eq!(
            validate(&doubled, token, now),
            Err(InitDataError::Malformed)
        );
        for junk in ["", "hash=", "a=b", &"x".repeat(MAX_LEN + 1)] {
            assert!(validate(junk, token, now).is_err(), "{junk}");
        }
    }
}
