//! setChatMenuButton / getChatMenuButton, per chat and for every chat, and opening its Mini App.

use serde_json::json;
use telegram_emulator::{EmulatorEvent, TgMenuButton};

use crate::harness::{Tg, next_event};

#[tokio::test]
async fn menu_buttons_per_chat_and_by_default() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let bob = tg.user("Bob");
    assert_eq!(
        tg.ok("getChatMenuButton", json!({})).await,
        json!({"type": "commands"})
    );
    let app =
        json!({"type": "web_app", "text": "Settings", "web_app": {"url": "https://h.example/app"}});
    let mut events = tg.emu.subscribe();
    tg.ok("setChatMenuButton", json!({"menu_button": app}))
        .await;
    next_event(&mut events, |e| {
        *e == EmulatorEvent::MenuButtonSet { chat_id: None }
    })
    .await;
    tg.ok(
        "setChatMenuButton",
        json!({"chat_id": bob, "menu_button": {"type": "commands"}}),
    )
    .await;
    assert_eq!(
        tg.ok("getChatMenuButton", json!({"chat_id": alice})).await,
        app
    );
    assert_eq!(
        tg.ok("getChatMenuButton", json!({"chat_id": bob})).await,
        json!({"type": "commands"})
    );
    assert!(matches!(
        tg.emu.menu_button(Some(alice)),
        TgMenuButton::WebApp { .. }
    ));

    let opened = tg.emu.open_menu_app(alice).unwrap();
    assert!(
        opened.starts_with("https://h.example/app#tgWebAppData=query_id%3D"),
        "{opened}"
    );
    assert!(tg.emu.open_menu_app(bob).is_err());

    // "default" (or no menu_button) puts the chat back on the bot-wide button.
    tg.ok("setChatMenuButton", json!({"chat_id": bob})).await;
    assert_eq!(
        tg.ok("getChatMenuButton", json!({"chat_id": bob})).await,
        app
    );

    // teloxide-core reads the answer.
    let parsed: teloxide_core::types::MenuButton =
        serde_json::from_value(tg.ok("getChatMenuButton", json!({"chat_id": bob})).await).unwrap();
    assert!(matches!(
        parsed,
        teloxide_core::types::MenuButton::WebApp { .. }
    ));
}

#[tokio::test]
async fn menu_buttons_are_validated() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let group = tg.emu.create_group("G", &[alice]);
    let cases = [
        (
            json!({"menu_button": {"type": "web_app", "text": "S", "web_app": {"url": "http://h.example"}}}),
            "Bad Request: menu button Web App URL 'http://h.example' is invalid: Only HTTPS links are allowed",
        ),
        (
            json!({"menu_button": {"type": "web_app", "text": "S"}}),
            "Bad Request: Can't parse menu button: Can't find field \"web_app\"",
        ),
        (
            json!({"menu_button": {"type": "web_app", "text": " ", "web_app": {"url": "https://h.example"}}}),
            "Bad Request: BUTTON_TEXT_INVALID",
        ),
        (
            json!({"menu_button": {"type": "nope"}}),
            "Bad Request: Can't parse menu button: MenuButton has unsupported type",
        ),
        (
            json!({"chat_id": group}),
            "Bad Request: Invalid chat_id specified",
        ),
        (json!({"chat_id": 42}), "Bad Request: chat not found"),
    ];
    for (body, expected) in cases {
        assert_eq!(
            tg.err("setChatMenuButton", body.clone()).await.1,
            expected,
            "{body}"
        );
    }
}
