//! The demo's price alerts, one in each language, fired by the engine's next prices.

use std::time::Duration;

use telegram_emulator::EmulatorHandle;

use super::say;

/// Price alerts in both languages: Alice asks to hear when ETH/USD rises 2% and Bruno when
/// BTC/USD crosses 46,000; the engine's next prices get there and each is told once.
pub(super) async fn show(emulator: &EmulatorHandle, api: &str, api_key: &str, users: &[i64]) {
    let (Some(&alice), Some(&bruno)) = (users.first(), users.get(1)) else {
        return;
    };
    let client = reqwest::Client::new();
    // Written as the engine writes prices: `46120`, not `46120.0`.
    let post_price = |asset: &'static str, price: &'static str| {
        let at = chrono::Utc::now().to_rfc3339();
        let body = format!(r#"{{"asset": "{asset}", "price": {price}, "at": "{at}"}}"#);
        let request = client
            .post(format!("{api}/api/prices"))
            .header("X-API-Key", api_key)
            .header("Content-Type", "application/json")
            .body(body)
            .send();
        async move {
            let status = request.await.map(|r| r.status().to_string());
            println!(
                "[engine] POST /api/prices {asset} {price} → {}\n",
                status.unwrap_or_else(|err| err.to_string())
            );
        }
    };
    post_price("ETH/USD", "3000").await;
    post_price("BTC/USD", "45800").await;
    for (user, name, words) in [
        (alice, "Alice", "/alert ETH/USD +2%"),
        (bruno, "Bruno", "/alert BTC/USD crosses 46000"),
    ] {
        let before = emulator.messages(user).len();
        say(emulator, name, user, words);
        let _ = emulator
            .wait_for_messages(user, before + 1, Duration::from_secs(10))
            .await;
    }
    let waiting = [
        (alice, emulator.messages(alice).len()),
        (bruno, emulator.messages(bruno).len()),
    ];
    post_price("ETH/USD", "3075.5").await;
    post_price("BTC/USD", "46120").await;
    for (user, before) in waiting {
        let _ = emulator
            .wait_for_messages(user, before + 1, Duration::from_secs(10))
            .await;
    }
}
