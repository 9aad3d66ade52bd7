//! Trader tools under a signal, as a user meets them: the buttons of every signal message (each
//! marks the delivery read), muting an asset and undoing it, and positions — opened from `✅ I
//! took it`, given the user's own entry by a reply, closed by a close signal, a target hit or
//! the user's Close, listed by `/positions`, counted in `/performance`, erased by `/delete`.

mod buttons;
mod trades;

use herald::store::DeliveryRow;
use reqwest::StatusCode;
use serde_json::Value;
use telegram_emulator::{ButtonKind, ChatMessage};
use uuid::Uuid;

use crate::harness::app::{API_KEY, TestApp};

/// Posts a signal; returns its id.
async fn post(app: &TestApp, signal: &Value) -> Uuid {
    let (status, body) = app.post_signal(signal).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    body["id"].as_str().unwrap().parse().unwrap()
}

/// Posts one price for `asset` now, written as the engine writes it.
async fn price(app: &TestApp, asset: &str, price: &str) -> Value {
    let at = chrono::Utc::now().to_rfc3339();
    let body = format!(r#"{{"asset": "{asset}", "price": {price}, "at": "{at}"}}"#);
    let (status, answer) = app.post_raw("/api/prices", Some(API_KEY), body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer
}

/// The next bot message of `chat` after its `before` first ones.
async fn next(app: &TestApp, chat: i64, before: usize) -> ChatMessage {
    app.wait_for(chat, before + 1).await.remove(before)
}

/// The message that delivers `signal` to `chat` (its next after `before`), once its delivery is
/// recorded: a tap can only be matched to a signal after that (milliseconds after the send; a
/// person is slower, a test is not).
async fn delivered(app: &TestApp, chat: i64, before: usize, signal: Uuid) -> ChatMessage {
    let message = next(app, chat, before).await;
    let id = message.message_id;
    app.eventually("the delivery to be recorded", || async {
        delivery(app, signal, chat).await.telegram_message_id == Some(id)
    })
    .await;
    message
}

/// The callback data of the button labelled `label`.
fn data(message: &ChatMessage, label: &str) -> String {
    message
        .buttons
        .iter()
        .flatten()
        .find_map(|b| match &b.kind {
            ButtonKind::Callback(data) if b.text == label => Some(data.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no button {label:?} in {:?}", message.buttons))
}

/// The delivery of `signal` to `chat`, once it is written.
async fn delivery(app: &TestApp, signal: Uuid, chat: i64) -> DeliveryRow {
    let find = || async {
        app.store
            .deliveries_of_signal(signal)
            .await
            .unwrap()
            .into_iter()
            .find(|row| row.chat_id == Some(chat))
    };
    app.eventually("the delivery row", || async { find().await.is_some() })
        .await;
    find().await.unwrap()
}
