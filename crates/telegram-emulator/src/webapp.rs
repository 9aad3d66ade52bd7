//! Mini App launch data: the `initData` query string Telegram hands a Mini App, signed as
//! <https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app> describes.
//!
//! `hash` is the hex HMAC-SHA256 of the data-check-string (every field but `hash`, sorted by key,
//! `key=value` lines joined by `\n`) under the key HMAC-SHA256(key "WebAppData", bot token).
//! `signature` stands in for Telegram's Ed25519 signature, which only third parties check: it is
//! 64 bytes in base64url, derived from the data so the same input signs the same way.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256, Sha512};

use crate::types::TgUser;

/// The constant Telegram keys the bot token with to get the initData secret.
const WEB_APP_DATA: &[u8] = b"WebAppData";

/// The `user` field: WebAppUser, the JSON a Mini App receives about its user.
#[derive(Serialize)]
struct WebAppUser<'a> {
    id: i64,
    first_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language_code: Option<&'a str>,
    allows_write_to_pm: bool,
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts every key length"),
    };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Every field but `hash`, sorted by key, as `key=value` lines joined by `\n`.
pub fn data_check_string(fields: &[(&str, &str)]) -> String {
    let mut pairs: Vec<_> = fields.iter().filter(|(k, _)| *k != "hash").collect();
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `hash` Telegram puts on these (decoded) fields for the bot with this token.
pub fn init_data_hash(token: &str, fields: &[(&str, &str)]) -> String {
    let secret = hmac_sha256(WEB_APP_DATA, token.as_bytes());
    let digest = hmac_sha256(&secret, data_check_string(fields).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The initData query string a Mini App opened by `user` would receive: `query_id`, `user`,
/// `auth_date`, the `extra` fields (e.g. `("start_param", "x")`), `signature` and `hash`, each
/// value URL-encoded as Telegram sends them.
pub fn sign_init_data(
    token: &str,
    user: &TgUser,
    auth_date: i64,
    query_id: &str,
    extra: &[(&str, &str)],
) -> String {
    let user_json = serde_json::to_string(&WebAppUser {
        id: user.id,
        first_name: &user.first_name,
        last_name: user.last_name.as_deref(),
        username: user.username.as_deref(),
        language_code: user.language_code.as_deref(),
        allows_write_to_pm: true,
    })
    .unwrap_or_default();
    let auth_date = auth_date.to_string();
    let mut fields: Vec<(&str, &str)> = vec![
        ("query_id", query_id),
        ("user", &user_json),
        ("auth_date", &auth_date),
    ];
    fields.extend_from_slice(extra);
    let signature = URL_SAFE_NO_PAD.encode(
        Sha512::new()
            .chain_update(token.as_bytes())
            .chain_update(data_check_string(&fields).as_bytes())
            .finalize(),
    );
    fields.push(("signature", &signature));
    let hash = init_data_hash(token, &fields);
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in &fields {
        query.append_pair(key, value);
    }
    query.append_pair("hash", &hash);
    query.finish()
}

/// Telegram's light theme, as a client hands it to Mini Apps in `tgWebAppThemeParams`.
const THEME: &str = r##"{"bg_color":"#ffffff","text_color":"#000000","hint_color":"#999999","link_color":"#2481cc","button_color":"#2481cc","button_text_color":"#ffffff","secondary_bg_color":"#efeff3","section_bg_color":"#ffffff","accent_text_color":"#2481cc","destructive_text_color":"#ff3b30"}"##;

/// What a client opens for a Mini App at `url`: the URL with the launch parameters in its
/// fragment, the initData signed for `user` at `auth_date`.
pub fn launch_url(token: &str, user: &TgUser, url: &str, auth_date: i64) -> String {
    let query_id = format!("AAE{}{auth_date}", user.id);
    let init_data = sign_init_data(token, user, auth_date, &query_id, &[]);
    let mut fragment = form_urlencoded::Serializer::new(String::new());
    fragment.append_pair("tgWebAppData", &init_data);
    fragment.append_pair("tgWebAppVersion", "8.0");
    fragment.append_pair("tgWebAppPlatform", "tdesktop");
    fragment.append_pair("tgWebAppThemeParams", THEME);
    let base = url.split('#').next().unwrap_or(url);
    format!("{base}#{}", fragment.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A launch string signed by Telegram, published with its bot token in Mini App guides
    /// (signed before `signature` existed).
    #[test]
    fn published_example_hash() {
        let token = "5768337691:AAH5YkoiEuPk8-FZa32hStHTqXiLPtAEhx8";
        let fields = [
            ("query_id", "AAHdF6IQAAAAAN0XohDhrOrc"),
            (
                "user",
                r#"{"id":279058397,"first_name":"Vladislav","last_name":"Kibenko","username":"vdkfrost","language_code":"ru","is_premium":true}"#,
            ),
            ("auth_date", "1662771648"),
        ];
        assert_eq!(
            init_data_hash(token, &fields),
            "c501b71e775f74ce10e377dea85a7ea24ecd640b223ea86dfe453e0eaed2e2b2"
        );
        assert_eq!(
            data_check_string(&fields).lines().next(),
            Some("auth_date=1662771648")
        );
    }

    #[test]
    fn signed_data_verifies_and_names_every_field() {
        let user = TgUser {
            id: 42,
            is_bot: false,
            first_name: "Ana María".to_owned(),
            last_name: None,
            username: Some("ana".to_owned()),
            language_code: Some("es".to_owned()),
        };
        let token = "123456:TEST-TOKEN";
        let data = sign_init_data(
            token,
            &user,
            1_700_000_000,
            "AAQ1",
            &[("start_param", "r_1")],
        );
        let decoded: Vec<(String, String)> = form_urlencoded::parse(data.as_bytes())
            .into_owned()
            .collect();
        let keys: Vec<&str> = decoded.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "query_id",
                "user",
                "auth_date",
                "start_param",
                "signature",
                "hash"
            ]
        );
        let get = |key: &str| {
            decoded
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
                .unwrap_or_default()
        };
        assert_eq!(
            get("user"),
            r#"{"id":42,"first_name":"Ana María","username":"ana","language_code":"es","allows_write_to_pm":true}"#
        );
        let signature = URL_SAFE_NO_PAD.decode(get("signature")).unwrap_or_default();
        assert_eq!(signature.len(), 64);
        let fields: Vec<(&str, &str)> = decoded
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(get("hash"), init_data_hash(token, &fields));
        assert_ne!(get("hash"), init_data_hash("654321:OTHER", &fields));
    }
}
