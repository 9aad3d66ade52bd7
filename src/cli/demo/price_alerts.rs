//! The demo's price alerts, one in each language, fired by the engine's next prices.

use std::time::Duration;

use telegram_emulator::EmulatorHandle;

use super::{post_price, say};

/// Price alerts in both languages: Alice asks to hear when ETH/USD rises 2% and Bruno when
/// BTC/USD crosses 46,000; the engine's next prices get there and each is told once.
pub(super) async fn show(emulator: &EmulatorHandle, api: &str, api_key: &str, users: &[i64]) {
    let (Some(&alice), Some(&bruno)) = (users.first(), users.get(1)) else {
        return;
    };
    let client = reqwest::Client::new();
    let post_price = |asset, price| post_price(&client, api, api_key, asset, price);
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
