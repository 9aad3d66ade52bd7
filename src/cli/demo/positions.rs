//! The demo's trader buttons: Alice (English) and Bruno (Spanish) tap `✅ I took it` under a
//! buy, reply to the confirmation with their own entry and size, read `/positions` as the price
//! moves and `/positions closed` once the engine's price reaches the target; Chen mutes the
//! asset from the same message and undoes it.

use std::time::Duration;

use telegram_emulator::{ButtonKind, EmulatorHandle};

use super::{poll, post_price, say};
use crate::delivery::buttons::took_data;

/// The newest message of `user` with a callback button whose data starts with `prefix`: its
/// id, the button's label and data.
fn button(emulator: &EmulatorHandle, user: i64, prefix: &str) -> Option<(i64, String, String)> {
    emulator.messages(user).into_iter().rev().find_map(|m| {
        m.buttons.iter().flatten().find_map(|b| match &b.kind {
            ButtonKind::Callback(data) if data.starts_with(prefix) => {
                Some((m.message_id, b.text.clone(), data.clone()))
            }
            _ => None,
        })
    })
}

/// Taps a button as a person would and prints the toast Telegram shows for the answer.
async fn tap(
    emulator: &EmulatorHandle,
    name: &str,
    user: i64,
    (message_id, label, data): &(i64, String, String),
) {
    println!("[{name}] → taps “{label}”\n");
    let Ok(query) = emulator.press_button(user, user, *message_id, data) else {
        return;
    };
    let answer = poll(|| {
        emulator
            .callback_answers()
            .into_iter()
            .find(|a| a.callback_query_id == query)
    })
    .await;
    if let Some(text) = answer.and_then(|a| a.text) {
        println!("[{name}] ← (toast) {text}\n");
    }
}

/// Waits until `user` has more than `before` bot messages.
async fn wait_past(emulator: &EmulatorHandle, user: i64, before: usize) {
    let _ = emulator
        .wait_for_messages(user, before + 1, Duration::from_secs(10))
        .await;
}

pub(super) async fn show(emulator: &EmulatorHandle, api: &str, api_key: &str, users: &[i64]) {
    let (Some(&alice), Some(&bruno), Some(&chen)) = (users.first(), users.get(1), users.get(2))
    else {
        return;
    };
    let client = reqwest::Client::new();
    let buy = serde_json::json!({"type": "buy", "asset": "SOL/USD", "entry_price": 150,
        "target_price": 156, "stop_loss": 146, "timeframe": "4H", "confidence": 84,
        "source_model": "lstm-v3", "market_context": "Breakout above resistance"});
    let sent = client
        .post(format!("{api}/api/signals"))
        .header("X-API-Key", api_key)
        .json(&buy)
        .send()
        .await;
    let answer = match sent {
        Ok(response) => {
            let status = response.status();
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            println!("[engine] POST /api/signals buy SOL/USD → {status}\n");
            body
        }
        Err(err) => {
            println!("[engine] POST /api/signals buy SOL/USD → {err}\n");
            return;
        }
    };
    let Some(id) = answer["id"]
        .as_str()
        .and_then(|id| uuid::Uuid::parse_str(id).ok())
    else {
        return;
    };
    let took = took_data(id);
    // The delivery is recorded a moment after the message arrives; a person is never faster.
    let settle = || tokio::time::sleep(Duration::from_millis(500));

    for (user, name, own) in [(alice, "Alice", "149.80 10"), (bruno, "Bruno", "150.20 25")] {
        let Some(button) = poll(|| button(emulator, user, &took)).await else {
            continue;
        };
        settle().await;
        let signal_message = button.0;
        tap(emulator, name, user, &button).await;
        let confirmation = poll(|| {
            emulator
                .messages(user)
                .into_iter()
                .find(|m| m.reply_to_message_id == Some(signal_message))
                .map(|m| m.message_id)
        })
        .await;
        let Some(confirmation) = confirmation else {
            continue;
        };
        println!("[{name}] → replies to it: {own}\n");
        let before = emulator.messages(user).len();
        if emulator.send_reply(user, user, confirmation, own).is_ok() {
            wait_past(emulator, user, before).await;
        }
    }

    if let Some(mute) = poll(|| button(emulator, chen, "mute:SOL/USD")).await {
        settle().await;
        let before = emulator.messages(chen).len();
        tap(emulator, "Chen", chen, &mute).await;
        wait_past(emulator, chen, before).await;
        if let Some(undo) = poll(|| button(emulator, chen, "unmute:")).await {
            tap(emulator, "Chen", chen, &undo).await;
        }
    }

    post_price(&client, api, api_key, "SOL/USD", "153").await;
    for (user, name) in [(alice, "Alice"), (bruno, "Bruno")] {
        let before = emulator.messages(user).len();
        say(emulator, name, user, "/positions");
        wait_past(emulator, user, before).await;
    }
    // The target is reached: Herald closes the signal, and the positions with it.
    let before: Vec<usize> = [alice, bruno]
        .iter()
        .map(|u| emulator.messages(*u).len())
        .collect();
    post_price(&client, api, api_key, "SOL/USD", "156.4").await;
    for (user, before) in [alice, bruno].iter().zip(before) {
        wait_past(emulator, *user, before).await;
    }
    for (user, name) in [(alice, "Alice"), (bruno, "Bruno")] {
        let before = emulator.messages(user).len();
        say(emulator, name, user, "/positions closed");
        wait_past(emulator, user, before).await;
    }
}
