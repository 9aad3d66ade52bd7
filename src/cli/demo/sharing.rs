//! The demo's sharing: a closed result shared into a group, a friend joining through the link.

use std::time::Duration;

use telegram_emulator::EmulatorHandle;

use super::{Names, poll, say};

/// Sharing in both languages: a buy closes in profit; Alice (English) and Bruno (Spanish) press
/// 📤 Share under its result and send the card to a group with a friend, the friend starts the
/// bot through the card's link, and `/invite` counts them.
pub(super) async fn show(
    emulator: &EmulatorHandle,
    api: &str,
    api_key: &str,
    users: &[i64],
    names: &Names,
) {
    let (Some(&alice), Some(&bruno)) = (users.first(), users.get(1)) else {
        return;
    };
    let id = uuid::Uuid::new_v4().to_string();
    let client = reqwest::Client::new();
    for body in [
        serde_json::json!({"id": id, "type": "buy", "asset": "BTC/USD", "entry_price": 45250,
            "target_price": 46500, "stop_loss": 44500, "timeframe": "1H", "confidence": 88,
            "source_model": "lstm-v3"}),
        serde_json::json!({"type": "close", "asset": "BTC/USD", "closes": id, "exit_price": 46100}),
    ] {
        let sent = client
            .post(format!("{api}/api/signals"))
            .header("X-API-Key", api_key)
            .json(&body)
            .send()
            .await;
        let status = sent.map(|r| r.status().to_string());
        println!(
            "[engine] POST /api/signals {} BTC/USD → {}\n",
            body["type"].as_str().unwrap_or("?"),
            status.unwrap_or_else(|err| err.to_string())
        );
    }
    let friends = [
        (alice, "Alice", ("Dana", "dana_fx", "en")),
        (bruno, "Bruno", ("Eva", "eva_cripto", "es")),
    ];
    for (sharer, name, friend) in friends {
        share_and_invite(emulator, sharer, name, friend, names).await;
    }
}

async fn share_and_invite(
    emulator: &EmulatorHandle,
    sharer: i64,
    name: &'static str,
    (friend_name, friend_username, friend_lang): (&'static str, &'static str, &'static str),
    names: &Names,
) {
    let share_button = || {
        emulator.messages(sharer).into_iter().rev().find_map(|m| {
            let button =
                m.buttons.iter().flatten().find(|b| {
                    matches!(b.kind, telegram_emulator::ButtonKind::SwitchInlineQuery(_))
                })?;
            Some((m.message_id, button.text.clone()))
        })
    };
    let Some((message_id, label)) = poll(share_button).await else {
        println!("({name} got no result to share)\n");
        return;
    };
    let friend = emulator.create_user(friend_name, Some(friend_username), Some(friend_lang));
    if let Ok(mut names) = names.lock() {
        names.insert(friend.id, friend_name);
    }
    let group = emulator.create_group(&format!("{name} & {friend_name}"), &[sharer, friend.id]);
    println!("[{name}] → presses “{label}” and picks the group “{name} & {friend_name}”\n");
    let Ok(query) = emulator.press_switch_inline(sharer, sharer, message_id, &label, group) else {
        return;
    };
    let answer = || {
        emulator
            .inline_answers()
            .into_iter()
            .find(|a| a.inline_query_id == query)
    };
    let Some(card) = poll(answer)
        .await
        .and_then(|a| a.results.into_iter().next())
    else {
        println!("(no card was offered)\n");
        return;
    };
    let _ = emulator.choose_inline_result(sharer, &query, &card.id);
    println!("[{name}] → sends the card to the group (via the bot):");
    let text = &card.input_message_content.plain_text;
    for line in text.lines() {
        println!("    │ {line}");
    }
    println!();
    // Opening the link, Telegram starts the bot with its payload.
    let payload = text
        .split_whitespace()
        .find_map(|word| word.split_once("?start=").map(|(_, p)| p.to_owned()));
    if let Some(payload) = payload {
        say(
            emulator,
            friend_name,
            friend.id,
            &format!("/start {payload}"),
        );
        let _ = emulator
            .wait_for_messages(friend.id, 2, Duration::from_secs(10))
            .await;
    }
    say(emulator, name, sharer, "/invite");
}
