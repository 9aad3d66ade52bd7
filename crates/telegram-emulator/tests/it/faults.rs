//! Injected faults: 5xx, slow answers, dropped connections, scripted 429s.

use std::time::{Duration, Instant};

use serde_json::json;
use telegram_emulator::{EmulatorConfig, Faults, Limits};

use crate::harness::{PATIENCE, Tg};

async fn seeded(seed: u64) -> Tg {
    Tg::start_with(EmulatorConfig {
        limits: Limits::unlimited(),
        seed,
        ..EmulatorConfig::default()
    })
    .await
}

/// Statuses of 40 sends with a 30% server error rate.
async fn error_run(seed: u64) -> Vec<u16> {
    let tg = seeded(seed).await;
    tg.emu.set_faults(Faults {
        server_error_rate: 0.3,
        ..Faults::default()
    });
    let alice = tg.user("Alice");
    let mut statuses = Vec::new();
    for n in 0..40 {
        let (status, answer) = tg
            .call(
                "sendMessage",
                json!({"chat_id": alice, "text": format!("{n}")}),
            )
            .await;
        match status {
            500 => assert_eq!(answer["description"], "Internal Server Error"),
            502 => assert_eq!(answer["description"], "Bad Gateway"),
            _ => assert_eq!(status, 200),
        }
        statuses.push(status);
    }
    let failed = statuses.iter().filter(|s| **s >= 500).count();
    assert_eq!(
        tg.emu.messages(alice).len(),
        40 - failed,
        "a 5xx never sends"
    );
    assert_eq!(tg.emu.counters().server_errors, failed as u64);
    statuses
}

#[tokio::test]
async fn server_errors_follow_the_seed() {
    let first = error_run(42).await;
    assert_eq!(first, error_run(42).await, "same seed, same faults");
    let failed = first.iter().filter(|s| **s >= 500).count();
    assert!((3..=25).contains(&failed), "about 30% of 40, got {failed}");
    assert_ne!(first, error_run(43).await);
}

#[tokio::test]
async fn faults_only_hit_sending_methods() {
    let tg = seeded(1).await;
    tg.emu.set_faults(Faults {
        server_error_rate: 1.0,
        ..Faults::default()
    });
    tg.ok("getMe", json!({})).await;
    tg.ok("getUpdates", json!({})).await;
    assert_eq!(tg.emu.faults().server_error_rate, 1.0);
}

#[tokio::test]
async fn drop_before_does_not_send() {
    let tg = seeded(1).await;
    let alice = tg.user("Alice");
    tg.emu.set_faults(Faults {
        drop_before_rate: 1.0,
        ..Faults::default()
    });
    let result = tg
        .http
        .post(tg.url("sendMessage"))
        .json(&json!({"chat_id": alice, "text": "lost"}))
        .send()
        .await;
    assert!(result.is_err(), "the connection closes without an answer");
    assert!(tg.emu.messages(alice).is_empty());
    assert_eq!(tg.emu.counters().dropped, 1);
    tg.emu.set_faults(Faults::default());
    tg.ok("sendMessage", json!({"chat_id": alice, "text": "back"}))
        .await;
}

#[tokio::test]
async fn drop_after_sends_but_never_answers() {
    let tg = seeded(1).await;
    let alice = tg.user("Alice");
    tg.emu.set_faults(Faults {
        drop_after_rate: 1.0,
        ..Faults::default()
    });
    let result = tg
        .http
        .post(tg.url("sendMessage"))
        .json(&json!({"chat_id": alice, "text": "delivered, unknown to the client"}))
        .send()
        .await;
    assert!(result.is_err());
    let messages = tg.emu.wait_for_messages(alice, 1, PATIENCE).await.unwrap();
    assert_eq!(
        messages[0].text.as_deref(),
        Some("delivered, unknown to the client")
    );
}

#[tokio::test]
async fn slow_answers_still_send() {
    let tg = seeded(1).await;
    let alice = tg.user("Alice");
    tg.emu.set_faults(Faults {
        slow_rate: 1.0,
        slow_ms: 300,
        ..Faults::default()
    });
    let started = Instant::now();
    tg.ok(
        "sendMessage",
        json!({"chat_id": alice, "text": "eventually"}),
    )
    .await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(tg.emu.counters().slowed, 1);
}

#[tokio::test]
async fn scripted_429s_run_out() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let bob = tg.user("Bob");
    tg.emu.fail_next_sends(alice, 2, 7);
    for _ in 0..2 {
        let (status, answer) = tg
            .call("sendMessage", json!({"chat_id": alice, "text": "x"}))
            .await;
        assert_eq!(status, 429);
        assert_eq!(answer["parameters"]["retry_after"], 7);
        assert_eq!(answer["description"], "Too Many Requests: retry after 7");
    }
    tg.ok("sendMessage", json!({"chat_id": bob, "text": "unaffected"}))
        .await;
    tg.ok(
        "sendMessage",
        json!({"chat_id": alice, "text": "third time"}),
    )
    .await;
    assert_eq!(tg.emu.messages(alice).len(), 1);
    assert_eq!(tg.emu.counters().rate_limited, 2);
}
