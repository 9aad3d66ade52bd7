//! Users who block the bot or delete their account.

use serde_json::json;
use telegram_emulator::EmulatorEvent;

use crate::harness::{Tg, next_event};

#[tokio::test]
async fn blocked_bot_gets_403_and_a_my_chat_member_update() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let mut events = tg.emu.subscribe();
    tg.emu.block_bot(alice);
    next_event(&mut events, |e| {
        *e == EmulatorEvent::Blocked { chat_id: alice }
    })
    .await;

    let (status, d) = tg
        .err("sendMessage", json!({"chat_id": alice, "text": "signal"}))
        .await;
    assert_eq!(
        (status, d.as_str()),
        (403, "Forbidden: bot was blocked by the user")
    );
    assert_eq!(tg.emu.counters().forbidden, 1);
    assert!(tg.emu.messages(alice).is_empty());

    let updates = tg.ok("getUpdates", json!({})).await;
    let change = &updates[0]["my_chat_member"];
    assert_eq!(change["chat"]["id"], alice);
    assert_eq!(change["from"]["id"], alice);
    assert_eq!(change["old_chat_member"]["status"], "member");
    assert_eq!(change["new_chat_member"]["status"], "kicked");
    assert_eq!(change["new_chat_member"]["until_date"], 0);
    assert_eq!(
        change["new_chat_member"]["user"]["id"], 123456,
        "the member is the bot"
    );
    assert_eq!(change["new_chat_member"]["user"]["is_bot"], true);

    tg.emu.unblock_bot(alice);
    let next = updates[0]["update_id"].as_i64().unwrap() + 1;
    let updates = tg.ok("getUpdates", json!({"offset": next})).await;
    let change = &updates[0]["my_chat_member"];
    assert_eq!(change["old_chat_member"]["status"], "kicked");
    assert_eq!(change["new_chat_member"]["status"], "member");
    tg.ok(
        "sendMessage",
        json!({"chat_id": alice, "text": "welcome back"}),
    )
    .await;
}

#[tokio::test]
async fn writing_to_a_blocked_bot_unblocks_it() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    tg.emu.block_bot(alice);
    tg.emu.send_text(alice, alice, "/start");
    let updates = tg.ok("getUpdates", json!({})).await;
    let kinds: Vec<String> = updates
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            u.as_object()
                .unwrap()
                .keys()
                .find(|k| *k != "update_id")
                .unwrap()
                .clone()
        })
        .collect();
    assert_eq!(kinds, ["my_chat_member", "my_chat_member", "message"]);
    tg.ok("sendMessage", json!({"chat_id": alice, "text": "hi again"}))
        .await;
}

#[tokio::test]
async fn deactivated_user_gets_403() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    tg.emu.deactivate_user(alice);
    let (status, d) = tg
        .err("sendMessage", json!({"chat_id": alice, "text": "x"}))
        .await;
    assert_eq!(
        (status, d.as_str()),
        (403, "Forbidden: user is deactivated")
    );
    assert!(tg.emu.try_send_text(alice, alice, "ghost").is_err());
}
