//! Channels as delivery targets: `@username`, posts signed by the channel, 20 per minute.

use serde_json::json;
use telegram_emulator::{EmulatorError, Limits};

use crate::harness::Tg;

#[tokio::test]
async fn a_channel_is_found_by_username_and_posted_to() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let channel = tg
        .emu
        .create_channel("Herald Free", "herald_free", &[alice]);
    assert!(channel < -1_000_000_000_000, "{channel} is a -100… id");

    let info = tg.ok("getChat", json!({"chat_id": "@Herald_Free"})).await;
    assert_eq!(
        (&info["id"], &info["type"], &info["username"]),
        (&json!(channel), &json!("channel"), &json!("herald_free"))
    );
    let parsed: teloxide_core::types::ChatFullInfo = serde_json::from_value(info).unwrap();
    assert!(parsed.is_channel());
    assert_eq!(
        tg.err("getChat", json!({"chat_id": "@nobody_here"}))
            .await
            .1,
        "Bad Request: chat not found"
    );
    // Users are not found by username.
    assert_eq!(
        tg.err("getChat", json!({"chat_id": "@alice"})).await.1,
        "Bad Request: chat not found"
    );

    let post = tg
        .ok(
            "sendMessage",
            json!({"chat_id": "@herald_free", "text": "BUY BTC"}),
        )
        .await;
    assert_eq!(post["chat"]["id"], channel);
    assert_eq!(post["sender_chat"]["id"], channel);
    assert!(
        post.get("from").is_none(),
        "channel posts have no from: {post}"
    );
    let parsed: teloxide_core::types::Message = serde_json::from_value(post).unwrap();
    assert!(parsed.from.is_none());
    assert_eq!(tg.emu.messages(channel).len(), 1);

    assert_eq!(
        tg.emu.try_send_text(alice, channel, "hi"),
        Err(EmulatorError::NotAllowedToPost {
            user_id: alice,
            chat_id: channel
        })
    );
}

#[tokio::test]
async fn channels_take_twenty_messages_a_minute() {
    let tg = Tg::start().await;
    tg.emu.set_limits(Limits {
        per_chat_per_sec: 1000.0,
        per_chat_burst: 1000,
        ..Limits::telegram()
    });
    let channel = tg.emu.create_channel("Herald Free", "herald_free", &[]);
    for n in 0..20 {
        tg.ok(
            "sendMessage",
            json!({"chat_id": channel, "text": format!("post {n}")}),
        )
        .await;
    }
    let (status, answer) = tg
        .call(
            "sendMessage",
            json!({"chat_id": "@herald_free", "text": "one too many"}),
        )
        .await;
    assert_eq!(status, 429);
    assert_eq!(answer["parameters"]["retry_after"], 3);
}
