//! The demo's charts and analytics, in both languages: the engine's prices, then a buy that
//! arrives with its chart (uploaded once, re-sent to the other reader by file_id), `📈 Chart`
//! with the latest price, and `/performance` turned to its page by asset.

use std::time::Duration;

use serde_json::{Value, json};
use telegram_emulator::EmulatorHandle;

use super::{poll, say};

pub(super) async fn show(emulator: &EmulatorHandle, api: &str, api_key: &str, users: &[i64]) {
    let (Some(&alice), Some(&bruno)) = (users.first(), users.get(1)) else {
        return;
    };
    let client = reqwest::Client::new();
    let post = |path: &'static str, body: Value| {
        let request = client
            .post(format!("{api}{path}"))
            .header("X-API-Key", api_key)
            .json(&body)
            .send();
        async move { request.await.map(|r| r.status().to_string()) }
    };
    // Forty minutes of ETH/USD, one price a minute, drifting up.
    let now = chrono::Utc::now();
    let prices: Vec<Value> = (0..40)
        .map(|i| {
            let wave = [0.0, 4.5, -3.0, 6.0, 1.5][i % 5];
            let price = (3010.0 + i as f64 * 1.2 + wave) * 100.0;
            json!({"asset": "ETH/USD", "price": price.round() / 100.0,
                   "at": (now - chrono::Duration::minutes(40 - i as i64)).to_rfc3339()})
        })
        .collect();
    let status = post("/api/prices", Value::Array(prices)).await;
    println!(
        "[engine] POST /api/prices 40 × ETH/USD → {}\n",
        status.unwrap_or_else(|err| err.to_string())
    );
    let before = [alice, bruno].map(|user| emulator.messages(user).len());
    let signal = json!({"type": "buy", "asset": "ETH/USD", "entry_price": 3062.5,
        "target_price": 3180, "stop_loss": 2995, "timeframe": "1H", "confidence": 82,
        "source_model": "lstm-v3", "market_context": "Higher lows, rising volume"});
    let status = post("/api/signals", signal).await;
    println!(
        "[engine] POST /api/signals buy ETH/USD → {}\n",
        status.unwrap_or_else(|err| err.to_string())
    );
    let chart_of = |user: i64, skip: usize| {
        move || {
            emulator.messages(user).into_iter().skip(skip).find(|m| {
                m.photo.is_some() && m.caption.as_deref().is_some_and(|c| c.contains("ETH/USD"))
            })
        }
    };
    let (Some(delivered), Some(_)) = (
        poll(chart_of(alice, before[0])).await,
        poll(chart_of(bruno, before[1])).await,
    ) else {
        println!("(the chart did not arrive)\n");
        return;
    };
    let uploads = emulator.counters().photo_uploads;
    println!("(each language's chart was uploaded once; {uploads} uploads so far in this demo)\n");

    // Alice asks for the chart again: the same picture while no newer price has come.
    let chart_button = delivered
        .buttons
        .iter()
        .flatten()
        .find_map(|b| match &b.kind {
            telegram_emulator::ButtonKind::Callback(data) if data.starts_with("chart:") => {
                Some((b.text.clone(), data.clone()))
            }
            _ => None,
        });
    if let Some((label, data)) = chart_button {
        println!("[Alice] → taps “{label}”\n");
        let count = emulator.messages(alice).len();
        if emulator
            .press_button(alice, alice, delivered.message_id, &data)
            .is_ok()
        {
            let _ = emulator
                .wait_for_messages(alice, count + 1, Duration::from_secs(10))
                .await;
        }
    }

    // Both open /performance and turn to the page by asset.
    for (user, name) in [(alice, "Alice"), (bruno, "Bruno")] {
        let count = emulator.messages(user).len();
        say(emulator, name, user, "/performance");
        let table = poll(|| {
            emulator
                .messages(user)
                .into_iter()
                .skip(count)
                .find(|m| m.reply_markup.is_some() && (m.text.is_some() || m.caption.is_some()))
                .filter(|m| super::has_button(m, "perf:a:7d:"))
        })
        .await;
        let Some(table) = table else { continue };
        let label = table
            .buttons
            .iter()
            .flatten()
            .find(|b| matches!(&b.kind, telegram_emulator::ButtonKind::Callback(d) if d == "perf:a:7d:"))
            .map(|b| b.text.clone())
            .unwrap_or_default();
        println!("[{name}] → taps “{label}”\n");
        let edits = table.edits.len();
        if emulator
            .press_button(user, user, table.message_id, "perf:a:7d:")
            .is_ok()
        {
            let _ = poll(|| {
                emulator
                    .messages(user)
                    .into_iter()
                    .find(|m| m.message_id == table.message_id && m.edits.len() > edits)
            })
            .await;
        }
    }
}
