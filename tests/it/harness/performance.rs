//! Helpers shared by the performance tests.

use std::sync::Arc;

use herald::domain::performance::Horizons;
use herald::signals::ingest::Ingest;
use herald::signals::outcomes::Outcomes;
use herald::store::Store;
use reqwest::StatusCode;
use serde_json::{Value, json};
use telegram_emulator::ChatMessage;

use crate::harness::app::{API_KEY, TestApp};

pub fn text(message: &ChatMessage) -> String {
    message.plain_text.clone().unwrap_or_default()
}

pub async fn post(app: &TestApp, path: &str, body: &Value) -> (StatusCode, Value) {
    app.post_raw(path, Some(API_KEY), body.to_string()).await
}

/// A buy with its levels, generated a minute ago.
pub fn buy(asset: &str, entry: &str, target: &str, stop: &str) -> Value {
    let generated = chrono::Utc::now() - chrono::Duration::minutes(1);
    let number = |text: &str| serde_json::from_str::<Value>(text).expect("a JSON number");
    json!({
        "type": "buy", "asset": asset, "entry_price": number(entry),
        "target_price": number(target), "stop_loss": number(stop), "timeframe": "1H",
        "confidence": 80, "source_model": "lstm-v3",
        "generated_at": generated.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}

/// Posts a signal and returns its id.
pub async fn post_signal(app: &TestApp, signal: &Value) -> String {
    let (status, body) = app.post_signal(signal).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    body["id"].as_str().expect("an id").to_owned()
}

/// A closing service of our own, with its own horizons (e.g. `[("1H", "1s")]`), for driving
/// expiry without waiting for the real session close.
pub fn outcomes(store: &Store, horizons: &[(&str, &str)]) -> Outcomes {
    let ingest = Ingest::new(store.clone());
    let horizons: std::collections::BTreeMap<String, String> = horizons
        .iter()
        .map(|(tf, h)| ((*tf).to_owned(), (*h).to_owned()))
        .collect();
    let horizons = Horizons::configured(None, None, &horizons).expect("valid horizons");
    Outcomes::new(store.clone(), ingest, Arc::new(horizons))
}

/// Gives a user the premium tier (what an admin's /grant will do).
pub async fn make_premium(app: &TestApp, chat: i64) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.db.url).await.expect("connect");
    let result = sqlx::query(
        "UPDATE user_subscriptions SET subscription_type = 'premium' \
         WHERE user_id = (SELECT id FROM users WHERE telegram_id = $1)",
    )
    .bind(chat)
    .execute(&pool)
    .await
    .expect("update");
    assert_eq!(result.rows_affected(), 1);
    pool.close().await;
}
