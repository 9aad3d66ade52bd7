//! Mini App launch data signed for a user, as a bot's backend must verify it.

use telegram_emulator::sign_init_data;
use telegram_emulator::webapp::init_data_hash;

use crate::harness::Tg;

#[tokio::test]
async fn init_data_is_signed_with_the_bot_token() {
    let tg = Tg::start().await;
    let alice = tg.emu.create_user("Alice", Some("alice"), Some("en"));
    let data = sign_init_data(&tg.emu.token(), &alice, 1_700_000_000, "AAHdF6IQ", &[]);
    assert!(
        data.starts_with("query_id=AAHdF6IQ&user=%7B%22id%22%3A"),
        "{data}"
    );
    let fields: Vec<(String, String)> = form_urlencoded::parse(data.as_bytes())
        .into_owned()
        .collect();
    let hash = fields
        .iter()
        .find(|(k, _)| k == "hash")
        .map(|(_, v)| v.clone())
        .unwrap();
    let signed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(hash, init_data_hash(&tg.emu.token(), &signed));
    // `signature` is part of what the hash covers: dropping it breaks the check.
    let unsigned: Vec<(&str, &str)> = signed
        .iter()
        .copied()
        .filter(|(k, _)| *k != "signature")
        .collect();
    assert_ne!(hash, init_data_hash(&tg.emu.token(), &unsigned));
    let user = fields
        .iter()
        .find(|(k, _)| k == "user")
        .map(|(_, v)| v.as_str())
        .unwrap();
    let user: serde_json::Value = serde_json::from_str(user).unwrap();
    assert_eq!(user["id"], alice.id);
}
