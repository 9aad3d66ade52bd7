//! Flood limits over HTTP. The exact arithmetic is unit-tested in `src/limits.rs` with a fake
//! clock; these tests use margins that hold on a slow machine.

use std::time::{Duration, Instant};

use serde_json::json;
use telegram_emulator::{EmulatorEvent, Limits};
use tokio::task::JoinSet;

use crate::harness::{Tg, next_event};

fn roomy_chats() -> Limits {
    Limits {
        per_chat_per_sec: 1000.0,
        per_chat_burst: 1000,
        ..Limits::telegram()
    }
}

#[tokio::test]
async fn per_chat_burst_then_429_with_retry_after() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let bob = tg.user("Bob");
    let mut events = tg.emu.subscribe();
    for n in 0..3 {
        tg.ok(
            "sendMessage",
            json!({"chat_id": alice, "text": format!("burst {n}")}),
        )
        .await;
    }
    let (status, answer) = tg
        .call(
            "sendMessage",
            json!({"chat_id": alice, "text": "one too many"}),
        )
        .await;
    assert_eq!(status, 429);
    assert_eq!(
        answer,
        json!({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1",
               "parameters": {"retry_after": 1}})
    );
    next_event(&mut events, |e| {
        *e == EmulatorEvent::RateLimited { chat_id: alice }
    })
    .await;
    // Other chats are not held up.
    tg.ok("sendMessage", json!({"chat_id": bob, "text": "fine"}))
        .await;
    assert_eq!(tg.emu.messages(alice).len(), 3);
    assert_eq!(tg.emu.counters().rate_limited, 1);

    // Waiting the announced time is enough (the refused request took no token).
    tokio::time::sleep(Duration::from_secs(1)).await;
    tg.ok(
        "sendMessage",
        json!({"chat_id": alice, "text": "after waiting"}),
    )
    .await;
}

#[tokio::test]
async fn global_limit_is_30_per_second() {
    let tg = Tg::start().await;
    tg.emu.set_limits(roomy_chats());
    let users: Vec<i64> = (0..60).map(|n| tg.user(&format!("U{n}"))).collect();
    let started = Instant::now();
    let mut sends = JoinSet::new();
    for user in users {
        let (url, http) = (tg.url("sendMessage"), tg.http.clone());
        sends.spawn(async move {
            let res = http
                .post(url)
                .json(&json!({"chat_id": user, "text": "news"}))
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let body: serde_json::Value = res.json().await.unwrap();
            (status, body)
        });
    }
    let mut ok = 0u64;
    let mut limited = 0u64;
    while let Some(result) = sends.join_next().await {
        let (status, body) = result.unwrap();
        match status {
            200 => ok += 1,
            429 => {
                limited += 1;
                assert_eq!(body["parameters"]["retry_after"], 1);
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    // The bucket holds 30 and refills 30/s while the burst is in flight.
    let allowed = 30 + (elapsed * 30.0).ceil() as u64;
    assert!(ok >= 30, "ok={ok}");
    assert!(ok <= allowed, "ok={ok} allowed={allowed} elapsed={elapsed}");
    assert_eq!(ok + limited, 60);
    let counters = tg.emu.counters();
    assert_eq!(counters.sends_ok, ok);
    assert_eq!(counters.rate_limited, limited);
    assert_eq!(
        counters
            .sends_per_second
            .iter()
            .map(|(_, n)| n)
            .sum::<u64>(),
        ok
    );
    assert!(counters.max_sends_in_one_second <= allowed);
}

#[tokio::test]
async fn groups_get_20_per_minute() {
    let tg = Tg::start().await;
    tg.emu.set_limits(roomy_chats());
    let alice = tg.user("Alice");
    let group = tg.emu.create_group("Traders", &[alice]);
    for n in 0..20 {
        tg.ok(
            "sendMessage",
            json!({"chat_id": group, "text": format!("g{n}")}),
        )
        .await;
    }
    let (status, answer) = tg
        .call("sendMessage", json!({"chat_id": group, "text": "21st"}))
        .await;
    assert_eq!(status, 429);
    // One message every three seconds refills the group bucket.
    assert_eq!(answer["parameters"]["retry_after"], 3);
    assert_eq!(answer["description"], "Too Many Requests: retry after 3");
    tg.ok(
        "sendMessage",
        json!({"chat_id": alice, "text": "private chats are separate"}),
    )
    .await;
}

#[tokio::test]
async fn limits_change_at_runtime() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    tg.emu.set_limits(Limits::unlimited());
    for n in 0..50 {
        tg.ok(
            "sendMessage",
            json!({"chat_id": alice, "text": format!("{n}")}),
        )
        .await;
    }
    tg.emu.set_limits(Limits::paid_broadcast());
    assert_eq!(tg.emu.limits().global_per_sec, 1000.0);
    for n in 0..3 {
        tg.ok(
            "sendMessage",
            json!({"chat_id": alice, "text": format!("p{n}")}),
        )
        .await;
    }
    let (status, _) = tg
        .call("sendMessage", json!({"chat_id": alice, "text": "x"}))
        .await;
    assert_eq!(
        status, 429,
        "per-chat limits still apply under paid broadcast"
    );
}

#[tokio::test]
async fn edits_count_against_the_chat_limit() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let msg = tg
        .ok("sendMessage", json!({"chat_id": alice, "text": "v0"}))
        .await;
    let id = msg["message_id"].as_i64().unwrap();
    for n in 1..3 {
        tg.ok(
            "editMessageText",
            json!({"chat_id": alice, "message_id": id, "text": format!("v{n}")}),
        )
        .await;
    }
    let (status, answer) = tg
        .call(
            "editMessageText",
            json!({"chat_id": alice, "message_id": id, "text": "v3"}),
        )
        .await;
    assert_eq!(status, 429, "{answer}");
    assert_eq!(tg.emu.messages(alice)[0].text.as_deref(), Some("v2"));
}
