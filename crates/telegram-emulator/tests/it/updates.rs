//! getUpdates: update shapes, offsets, limit, long polling, the one-poller rule.

use std::time::{Duration, Instant};

use serde_json::json;
use telegram_emulator::EmulatorEvent;

use crate::harness::{Tg, next_event};

#[tokio::test]
async fn user_text_becomes_a_message_update() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let id = tg.emu.send_text(alice, alice, "/start ref_42");
    let updates = tg.ok("getUpdates", json!({})).await;
    let u = &updates[0];
    assert!(u["update_id"].as_i64().unwrap() > 0);
    let m = &u["message"];
    assert_eq!(m["message_id"], id);
    assert_eq!(m["text"], "/start ref_42");
    assert_eq!(m["from"]["id"], alice);
    assert_eq!(m["from"]["is_bot"], false);
    assert_eq!(m["from"]["language_code"], "en");
    assert_eq!(
        m["chat"],
        json!({"id": alice, "type": "private", "first_name": "Alice", "username": "alice"})
    );
    assert_eq!(
        m["entities"],
        json!([{"type": "bot_command", "offset": 0, "length": 6}])
    );
}

#[tokio::test]
async fn offset_confirms_and_limit_caps() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    for text in ["one", "two", "three"] {
        tg.emu.send_text(alice, alice, text);
    }
    let all = tg.ok("getUpdates", json!({"offset": 0})).await;
    let ids: Vec<i64> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["update_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(
        ids.windows(2).all(|w| w[1] == w[0] + 1),
        "ids increase by one: {ids:?}"
    );

    let first = tg.ok("getUpdates", json!({"limit": 1})).await;
    assert_eq!(first.as_array().unwrap().len(), 1);
    assert_eq!(tg.emu.pending_updates(), 3, "reading does not confirm");

    let rest = tg.ok("getUpdates", json!({"offset": ids[0] + 1})).await;
    assert_eq!(rest[0]["update_id"], ids[1]);
    assert_eq!(
        tg.emu.pending_updates(),
        2,
        "offset confirms everything below it"
    );

    // Out-of-range limits are clamped, not refused.
    assert_eq!(
        tg.ok("getUpdates", json!({"limit": 0}))
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        tg.ok("getUpdates", json!({"limit": 1000}))
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let tail = tg.ok("getUpdates", json!({"offset": -1})).await;
    assert_eq!(tail.as_array().unwrap().len(), 1);
    assert_eq!(tail[0]["update_id"], ids[2]);
    assert_eq!(
        tg.emu.pending_updates(),
        1,
        "a negative offset forgets older updates"
    );

    tg.ok("getUpdates", json!({"offset": ids[2] + 1})).await;
    assert_eq!(tg.emu.pending_updates(), 0);
}

#[tokio::test]
async fn long_poll_wakes_on_new_update() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let mut events = tg.emu.subscribe();
    let started = Instant::now();
    let poll = tg.spawn_call("getUpdates", json!({"timeout": 30}));
    next_event(&mut events, |e| *e == EmulatorEvent::PollWaiting).await;
    tg.emu.send_text(alice, alice, "wake up");
    let (_, body) = poll.await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(body["result"][0]["message"]["text"], "wake up");
    assert!(
        elapsed < Duration::from_secs(30),
        "answered on the update, not the timeout"
    );
}

/// Messages sent together wake a waiting long poll once, and its answer carries them all.
#[tokio::test]
async fn messages_sent_together_come_in_one_answer() {
    let tg = Tg::start().await;
    let (alice, bob) = (tg.user("Alice"), tg.user("Bob"));
    let mut events = tg.emu.subscribe();
    let poll = tg.spawn_call("getUpdates", json!({"timeout": 30}));
    next_event(&mut events, |e| *e == EmulatorEvent::PollWaiting).await;
    let ids = tg.emu.send_texts_together(&[
        (alice, alice, "one"),
        (bob, bob, "two"),
        (alice, alice, "three"),
    ]);
    let (_, body) = poll.await.unwrap();
    let texts: Vec<&str> = body["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["message"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["one", "two", "three"]);
    assert_eq!(body["result"][2]["message"]["message_id"], ids[2]);
}

/// The ids of the next getUpdates answer that carried updates.
async fn next_fetch(events: &mut tokio::sync::broadcast::Receiver<EmulatorEvent>) -> Vec<i64> {
    let event = next_event(events, |e| {
        matches!(e, EmulatorEvent::UpdatesFetched { .. })
    })
    .await;
    match event {
        EmulatorEvent::UpdatesFetched { update_ids } => update_ids,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn subscribers_see_which_updates_each_poll_answered() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let mut events = tg.emu.subscribe();
    for text in ["one", "two"] {
        tg.emu.send_text(alice, alice, text);
    }
    let updates = tg.ok("getUpdates", json!({"limit": 1})).await;
    let first = updates[0]["update_id"].as_i64().unwrap();
    assert_eq!(next_fetch(&mut events).await, vec![first]);
    // Not confirmed yet: the next poll lists it again, with the second.
    tg.ok("getUpdates", json!({})).await;
    assert_eq!(next_fetch(&mut events).await, vec![first, first + 1]);
}

// Several threads, so the poll could answer while the update is still being queued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_is_announced_before_the_poll_it_wakes_answers() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let mut events = tg.emu.subscribe();
    let poll = tg.spawn_call("getUpdates", json!({"timeout": 30}));
    next_event(&mut events, |e| *e == EmulatorEvent::PollWaiting).await;
    tg.emu.send_text(alice, alice, "wake up");
    let first = next_event(&mut events, |e| {
        matches!(
            e,
            EmulatorEvent::UpdateQueued { .. } | EmulatorEvent::UpdatesFetched { .. }
        )
    })
    .await;
    let EmulatorEvent::UpdateQueued { update_id } = first else {
        panic!("the answer came first: {first:?}");
    };
    assert_eq!(next_fetch(&mut events).await, vec![update_id]);
    poll.await.unwrap();
}

#[tokio::test]
async fn long_poll_times_out_empty() {
    let tg = Tg::start().await;
    let started = Instant::now();
    let result = tg.ok("getUpdates", json!({"timeout": 1})).await;
    let elapsed = started.elapsed();
    assert_eq!(result, json!([]));
    assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[tokio::test]
async fn a_second_poller_terminates_the_first() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let mut events = tg.emu.subscribe();
    let first = tg.spawn_call("getUpdates", json!({"timeout": 30}));
    next_event(&mut events, |e| *e == EmulatorEvent::PollWaiting).await;
    let second = tg.spawn_call("getUpdates", json!({"timeout": 30}));
    let (status, body) = first.await.unwrap();
    assert_eq!(status, 409);
    assert_eq!(
        body["description"],
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
    );
    assert_eq!(body["error_code"], 409);
    next_event(&mut events, |e| *e == EmulatorEvent::PollWaiting).await;
    tg.emu.send_text(alice, alice, "for the survivor");
    let (status, body) = second.await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(body["result"][0]["message"]["text"], "for the survivor");
}

#[tokio::test]
async fn allowed_updates_filter_and_stick() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    tg.ok("getUpdates", json!({"allowed_updates": ["callback_query"]}))
        .await;
    tg.emu.send_text(alice, alice, "ignored");
    assert_eq!(tg.emu.pending_updates(), 0);
    // Not given: the previous setting stays.
    tg.ok("getUpdates", json!({})).await;
    tg.emu.send_text(alice, alice, "still ignored");
    assert_eq!(tg.emu.pending_updates(), 0);
    // Empty list: back to the default set.
    tg.ok("getUpdates", json!({"allowed_updates": []})).await;
    tg.emu.send_text(alice, alice, "seen");
    assert_eq!(
        tg.ok("getUpdates", json!({})).await[0]["message"]["text"],
        "seen"
    );
}

#[tokio::test]
async fn group_messages_need_membership() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let bob = tg.user("Bob");
    let group = tg.emu.create_group("Traders", &[alice]);
    assert!(group < 0);
    tg.emu.send_text(alice, group, "/signals@herald_test_bot");
    assert!(tg.emu.try_send_text(bob, group, "let me in").is_err());
    let updates = tg.ok("getUpdates", json!({})).await;
    let m = &updates[0]["message"];
    assert_eq!(
        m["chat"],
        json!({"id": group, "type": "group", "title": "Traders"})
    );
    assert_eq!(m["entities"][0]["length"], 24);
}

/// A user's reply carries the message it answers, rendered once (its own `reply_to_message` is
/// left out), as Telegram sends it; teloxide reads it back. Only a message in view can be
/// replied to.
#[tokio::test]
async fn a_user_reply_carries_the_replied_message() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let asked = tg.emu.send_text(alice, alice, "what is BTC doing?");
    let sent = tg
        .ok(
            "sendMessage",
            json!({"chat_id": alice, "text": "Position opened", "reply_parameters": {"message_id": asked}}),
        )
        .await;
    let bot_message = sent["message_id"].as_i64().unwrap();
    let reply = tg
        .emu
        .send_reply(alice, alice, bot_message, "45100 0.5")
        .unwrap();
    let updates = tg.ok("getUpdates", json!({"offset": 0})).await;
    let m = &updates.as_array().unwrap().last().unwrap()["message"];
    assert_eq!(m["message_id"], reply);
    assert_eq!(m["text"], "45100 0.5");
    let replied = &m["reply_to_message"];
    assert_eq!(replied["message_id"], bot_message);
    assert_eq!(replied["from"]["is_bot"], true);
    assert_eq!(replied["text"], "Position opened");
    assert!(
        replied.get("reply_to_message").is_none(),
        "nested once only"
    );
    // As the bot reads it: teloxide's Update parses from the answer's text.
    let raw = updates.as_array().unwrap().last().unwrap().to_string();
    let parsed: teloxide_core::types::Update = serde_json::from_str(&raw).unwrap();
    let teloxide_core::types::UpdateKind::Message(message) = parsed.kind else {
        panic!("a message update, not {:?}", parsed.kind);
    };
    let target = message.reply_to_message().expect("reply_to_message");
    assert_eq!(i64::from(target.id.0), bot_message);
    assert!(target.from.as_ref().is_some_and(|u| u.is_bot));

    let missing = tg.emu.send_reply(alice, alice, 999, "x").unwrap_err();
    assert!(missing.to_string().contains("no message 999"), "{missing}");
}
