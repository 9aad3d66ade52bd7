//! sendMessage options: keyboards, replies, notification flags.

use serde_json::{Value, json};

use crate::harness::Tg;

fn keyboard(data: &str) -> Value {
    json!({"inline_keyboard": [[{"text": "Press", "callback_data": data}], [{"text": "Site", "url": "https://example.com"}]]})
}

#[tokio::test]
async fn callback_data_is_at_most_64_bytes() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let ok = "ж".repeat(32); // 64 bytes in 32 characters
    let msg = tg
        .ok(
            "sendMessage",
            json!({"chat_id": alice, "text": "k", "reply_markup": keyboard(&ok)}),
        )
        .await;
    assert_eq!(
        msg["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        ok.as_str()
    );
    let (status, d) = tg
        .err(
            "sendMessage",
            json!({"chat_id": alice, "text": "k", "reply_markup": keyboard(&"a".repeat(65))}),
        )
        .await;
    assert_eq!(
        (status, d.as_str()),
        (400, "Bad Request: BUTTON_DATA_INVALID")
    );
    let (_, d) = tg
        .err(
            "sendMessage",
            json!({"chat_id": alice, "text": "k", "reply_markup": keyboard(&format!("{ok}a"))}),
        )
        .await;
    assert_eq!(d, "Bad Request: BUTTON_DATA_INVALID");
}

#[tokio::test]
async fn buttons_are_validated() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let (_, d) = tg
        .err(
            "sendMessage",
            json!({"chat_id": alice, "text": "k", "reply_markup": {"inline_keyboard": [[{"text": "t"}]]}}),
        )
        .await;
    assert_eq!(
        d,
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
    );
    let (_, d) = tg
        .err(
            "sendMessage",
            json!({"chat_id": alice, "text": "k", "reply_markup": {"inline_keyboard": [[{"callback_data": "x"}]]}}),
        )
        .await;
    assert_eq!(
        d,
        "Bad Request: can't parse inline keyboard button: Can't find field \"text\""
    );
    let (_, d) = tg
        .err(
            "sendMessage",
            json!({"chat_id": alice, "text": "k", "reply_markup": {"inline_keyboard": [{"text": "t"}]}}),
        )
        .await;
    assert_eq!(
        d,
        "Bad Request: Field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays"
    );
}

#[tokio::test]
async fn replies_need_an_existing_message() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let asked = tg.emu.send_text(alice, alice, "what is BTC doing?");
    let msg = tg
        .ok(
            "sendMessage",
            json!({"chat_id": alice, "text": "up", "reply_parameters": {"message_id": asked}}),
        )
        .await;
    assert_eq!(msg["reply_to_message"]["message_id"], asked);
    assert_eq!(msg["reply_to_message"]["from"]["id"], alice);
    assert_eq!(msg["reply_to_message"]["text"], "what is BTC doing?");

    let (status, d) = tg
        .err(
            "sendMessage",
            json!({"chat_id": alice, "text": "x", "reply_parameters": {"message_id": 777}}),
        )
        .await;
    assert_eq!(
        (status, d.as_str()),
        (400, "Bad Request: message to be replied not found")
    );
    let (_, d) = tg
        .err(
            "sendMessage",
            json!({"chat_id": alice, "text": "x", "reply_to_message_id": 777}),
        )
        .await;
    assert_eq!(d, "Bad Request: message to be replied not found");

    let msg = tg
        .ok(
            "sendMessage",
            json!({"chat_id": alice, "text": "x",
                   "reply_parameters": {"message_id": 777, "allow_sending_without_reply": true}}),
        )
        .await;
    assert!(msg.get("reply_to_message").is_none());
    let legacy = tg
        .ok(
            "sendMessage",
            json!({"chat_id": alice, "text": "y", "reply_to_message_id": asked}),
        )
        .await;
    assert_eq!(legacy["reply_to_message"]["message_id"], asked);
    let stored = tg.emu.messages(alice);
    assert_eq!(stored[0].reply_to_message_id, Some(asked));
    assert_eq!(stored[1].reply_to_message_id, None);
}

#[tokio::test]
async fn flags_are_recorded() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let msg = tg
        .ok(
            "sendMessage",
            json!({"chat_id": alice, "text": "https://example.com", "disable_notification": true,
                   "protect_content": true, "link_preview_options": {"is_disabled": true},
                   "disable_web_page_preview": true}),
        )
        .await;
    assert_eq!(msg["has_protected_content"], true);
    let stored = &tg.emu.messages(alice)[0];
    assert!(stored.disable_notification && stored.protect_content);
    assert_eq!(stored.plain_text.as_deref(), Some("https://example.com"));
}

#[tokio::test]
async fn message_ids_are_per_chat_and_shared_with_the_user() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let bob = tg.user("Bob");
    let first = tg.emu.send_text(alice, alice, "/start");
    let reply = tg
        .ok("sendMessage", json!({"chat_id": alice, "text": "hi"}))
        .await;
    assert_eq!(first, 1);
    assert_eq!(reply["message_id"], 2);
    let other = tg
        .ok("sendMessage", json!({"chat_id": bob, "text": "hi"}))
        .await;
    assert_eq!(other["message_id"], 1);
}
