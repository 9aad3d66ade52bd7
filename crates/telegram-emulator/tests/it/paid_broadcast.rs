//! `allow_paid_broadcast`: past the free 30/s, counted apart and paid for in Stars.

use serde_json::json;
use telegram_emulator::Limits;
use tokio::task::JoinSet;

use crate::harness::Tg;

/// Sends one message to each chat at once; returns how many were refused with 429.
async fn broadcast(tg: &Tg, chats: &[i64], paid: bool) -> usize {
    let mut sends = JoinSet::new();
    for &chat in chats {
        let (url, http) = (tg.url("sendMessage"), tg.http.clone());
        sends.spawn(async move {
            let mut body = json!({"chat_id": chat, "text": "signal"});
            if paid {
                body["allow_paid_broadcast"] = json!(true);
            }
            let res = http.post(url).json(&body).send().await.unwrap();
            res.status().as_u16()
        });
    }
    let statuses = sends.join_all().await;
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 429),
        "{statuses:?}"
    );
    statuses.iter().filter(|s| **s == 429).count()
}

#[tokio::test]
async fn paid_sends_pass_the_free_bulk_limit_and_cost_a_tenth_of_a_star() {
    let tg = Tg::start().await;
    let chats: Vec<i64> = (0..200).map(|n| tg.user(&format!("U{n}"))).collect();
    assert_eq!(broadcast(&tg, &chats, true).await, 0);
    let counters = tg.emu.counters();
    assert_eq!(counters.paid_broadcast_messages, 200);
    assert!(
        (counters.stars_spent - 20.0).abs() < 1e-9,
        "{}",
        counters.stars_spent
    );
    assert!(tg.emu.messages(chats[0])[0].paid_broadcast);

    // The same burst without the flag meets the free limit (and costs nothing).
    let others: Vec<i64> = (0..60).map(|n| tg.user(&format!("V{n}"))).collect();
    assert!(broadcast(&tg, &others, false).await >= 25);
    assert_eq!(tg.emu.counters().paid_broadcast_messages, 200);
    assert!(!tg.emu.messages(others[0])[0].paid_broadcast);
}

#[tokio::test]
async fn the_paid_rate_is_configurable_and_chats_keep_their_own_limit() {
    let tg = Tg::start().await;
    tg.emu.set_limits(Limits {
        paid_per_sec: 1.0,
        paid_burst: 10,
        ..Limits::telegram()
    });
    let chats: Vec<i64> = (0..80).map(|n| tg.user(&format!("U{n}"))).collect();
    let refused = broadcast(&tg, &chats, true).await;
    assert!((60..=70).contains(&refused), "{refused} of 80 refused");

    // One chat still takes one message a second after its burst of 3, paid or not.
    tg.emu.set_limits(Limits::telegram());
    let alice = tg.user("Alice");
    for n in 0..3 {
        tg.ok(
            "sendMessage",
            json!({"chat_id": alice, "text": format!("{n}"), "allow_paid_broadcast": true}),
        )
        .await;
    }
    let (status, _) = tg
        .call(
            "sendMessage",
            json!({"chat_id": alice, "text": "4th", "allow_paid_broadcast": true}),
        )
        .await;
    assert_eq!(status, 429);
}

#[tokio::test]
async fn edits_have_no_paid_broadcast() {
    let tg = Tg::unlimited().await;
    let alice = tg.user("Alice");
    let sent = tg
        .ok("sendMessage", json!({"chat_id": alice, "text": "one"}))
        .await;
    tg.ok(
        "editMessageText",
        json!({"chat_id": alice, "message_id": sent["message_id"], "text": "two",
               "allow_paid_broadcast": true}),
    )
    .await;
    assert_eq!(tg.emu.counters().paid_broadcast_messages, 0);
}
