//! Inline keyboard button kinds: validation as Telegram does it, what a test sees, and opening a
//! Mini App from a `web_app` button.

use serde_json::{Value, json};
use telegram_emulator::{Button, ButtonKind, EmulatorEvent};

use crate::harness::{Tg, next_event};

fn keyboard(buttons: Value) -> Value {
    json!({"inline_keyboard": [buttons]})
}

#[tokio::test]
async fn every_kind_is_kept_and_shown_with_its_action() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let markup = keyboard(json!([
        {"text": "Took it", "callback_data": "took:1"},
        {"text": "Entry", "copy_text": {"text": "64250.5"}},
        {"text": "Settings", "web_app": {"url": "https://herald.example/app"}},
        {"text": "Share", "switch_inline_query": "sig 1"},
        {"text": "Here", "switch_inline_query_current_chat": ""},
        {"text": "Docs", "url": "https://herald.example/docs"},
    ]));
    let sent = tg
        .ok(
            "sendMessage",
            json!({"chat_id": alice, "text": "BUY BTC", "reply_markup": markup}),
        )
        .await;
    assert_eq!(
        sent["reply_markup"]["inline_keyboard"][0][1],
        json!({"text": "Entry", "copy_text": {"text": "64250.5"}})
    );
    let message = &tg.emu.messages(alice)[0];
    let kinds: Vec<ButtonKind> = message.buttons[0].iter().map(|b| b.kind.clone()).collect();
    assert_eq!(
        kinds,
        [
            ButtonKind::Callback("took:1".into()),
            ButtonKind::CopyText("64250.5".into()),
            ButtonKind::WebApp("https://herald.example/app".into()),
            ButtonKind::SwitchInlineQuery("sig 1".into()),
            ButtonKind::SwitchInlineQueryCurrentChat(String::new()),
            ButtonKind::Url("https://herald.example/docs".into()),
        ]
    );
    assert_eq!(
        message.buttons[0][1],
        Button {
            text: "Entry".into(),
            kind: ButtonKind::CopyText("64250.5".into())
        }
    );

    // teloxide-core parses every kind back.
    let parsed: teloxide_core::types::Message = serde_json::from_value(sent).unwrap();
    assert_eq!(parsed.reply_markup().unwrap().inline_keyboard[0].len(), 6);
}

#[tokio::test]
async fn button_fields_are_checked_as_telegram_does() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let refused = |button: Value| {
        let tg = &tg;
        async move {
            tg.err(
                "sendMessage",
                json!({"chat_id": alice, "text": "x", "reply_markup": keyboard(json!([button]))}),
            )
            .await
            .1
        }
    };
    assert_eq!(
        refused(json!({"text": "c", "copy_text": {"text": "x".repeat(257)}})).await,
        "Bad Request: BUTTON_COPY_TEXT_INVALID"
    );
    assert_eq!(
        refused(json!({"text": "c", "copy_text": {"text": ""}})).await,
        "Bad Request: BUTTON_COPY_TEXT_INVALID"
    );
    assert_eq!(
        refused(json!({"text": "c", "copy_text": "plain"})).await,
        "Bad Request: can't parse inline keyboard button: Field \"copy_text\" must be of type Object"
    );
    assert_eq!(
        refused(json!({"text": "w", "web_app": {"url": "http://herald.example/app"}})).await,
        "Bad Request: inline keyboard button Web App URL 'http://herald.example/app' is invalid: Only HTTPS links are allowed"
    );
    assert_eq!(
        refused(json!({"text": "w", "web_app": {}})).await,
        "Bad Request: can't parse inline keyboard button: Can't find field \"url\""
    );
    assert_eq!(
        refused(json!({"text": "two", "callback_data": "a", "url": "https://t.me"})).await,
        "Bad Request: can't parse inline keyboard button: exactly one of the optional fields must be used, found \"url\" and \"callback_data\""
    );
    assert_eq!(
        refused(json!({"text": "d", "callback_data": "d".repeat(65)})).await,
        "Bad Request: BUTTON_DATA_INVALID"
    );
    // An empty callback_data is no action at all, as on the server.
    assert!(
        refused(json!({"text": "e", "callback_data": ""}))
            .await
            .ends_with("Text buttons are unallowed in the inline keyboard")
    );
    let copy_256 = json!({"text": "c", "copy_text": {"text": "é".repeat(256)}});
    tg.ok(
        "sendMessage",
        json!({"chat_id": alice, "text": "x", "reply_markup": keyboard(json!([copy_256]))}),
    )
    .await;
}

#[tokio::test]
async fn web_app_buttons_are_for_private_chats_and_open_their_url() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let group = tg.emu.create_group("Traders", &[alice]);
    let markup =
        keyboard(json!([{"text": "Open settings", "web_app": {"url": "https://h.example/app"}}]));
    let (_, description) = tg
        .err(
            "sendMessage",
            json!({"chat_id": group, "text": "x", "reply_markup": markup}),
        )
        .await;
    assert_eq!(description, "Bad Request: BUTTON_TYPE_INVALID");

    let sent = tg
        .ok(
            "sendMessage",
            json!({"chat_id": alice, "text": "Settings", "reply_markup": markup}),
        )
        .await;
    let message_id = sent["message_id"].as_i64().unwrap();
    let mut events = tg.emu.subscribe();
    let url = tg
        .emu
        .open_web_app(alice, message_id, "Open settings")
        .unwrap();
    // The launch parameters ride in the fragment, initData signed for this user and bot.
    let (base, fragment) = url.split_once('#').unwrap();
    assert_eq!(base, "https://h.example/app");
    let params: std::collections::HashMap<String, String> =
        form_urlencoded::parse(fragment.as_bytes())
            .into_owned()
            .collect();
    let init_data = &params["tgWebAppData"];
    let fields: Vec<(String, String)> = form_urlencoded::parse(init_data.as_bytes())
        .into_owned()
        .collect();
    let hash = &fields.iter().find(|(k, _)| k == "hash").unwrap().1;
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        *hash,
        telegram_emulator::init_data_hash(&tg.emu.token(), &borrowed)
    );
    assert!(params["tgWebAppThemeParams"].contains("bg_color"));
    next_event(&mut events, |e| {
        *e == EmulatorEvent::WebAppOpened {
            user_id: alice,
            url: url.clone(),
        }
    })
    .await;
    assert!(tg.emu.open_web_app(alice, message_id, "Other").is_err());
    // Opening a Mini App sends the bot nothing.
    assert_eq!(tg.emu.pending_updates(), 0);
}
