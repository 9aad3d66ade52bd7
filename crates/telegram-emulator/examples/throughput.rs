//! Measures sendMessage throughput with limits off:
//! `cargo run --release -p telegram-emulator --example throughput -- [clients] [seconds]`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use telegram_emulator::{Emulator, EmulatorConfig, Limits};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let clients: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(32);
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let tg = Emulator::start(EmulatorConfig {
        limits: Limits::unlimited(),
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts");
    let users: Vec<i64> = (0..1000)
        .map(|n| tg.create_user(&format!("U{n}"), None, None).id)
        .collect();
    let url = format!("{}/bot{}/sendMessage", tg.base_url(), tg.token());
    let sent = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (http, url, sent, users) = (http.clone(), url.clone(), sent.clone(), users.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = c;
            while Instant::now() < deadline {
                let chat_id = users[n % users.len()];
                let res = http
                    .post(&url)
                    .json(&json!({
                        "chat_id": chat_id,
                        "text": "<b>BUY</b> BTC/USD at 64,210 — confidence 82%, target 66,000, stop 63,100",
                        "parse_mode": "HTML",
                        "reply_markup": {"inline_keyboard": [[{"text": "Details", "callback_data": "sig:123"}]]}
                    }))
                    .send()
                    .await
                    .expect("send");
                assert!(res.status().is_success());
                let _ = res.bytes().await;
                sent.fetch_add(1, Ordering::Relaxed);
                n += clients;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let total = sent.load(Ordering::Relaxed);
    let counters = tg.counters();
    println!(
        "{clients} clients, {seconds}s: {total} sends, {:.0}/s (emulator counted {}, peak {} in 1s)",
        total as f64 / seconds as f64,
        counters.sends_ok,
        counters.max_sends_in_one_second
    );
    tg.stop().await;
}
