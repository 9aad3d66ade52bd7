//! The HTTP control API, as another process would use it.

use serde_json::{Value, json};

use crate::harness::{Tg, control};

#[tokio::test]
async fn a_whole_conversation_over_the_control_api() {
    use reqwest::Method as M;
    let tg = Tg::start().await;
    let (status, user) = control(
        &tg,
        M::POST,
        "users",
        Some(json!({"first_name": "Carol", "username": "carol", "language_code": "ru"})),
    )
    .await;
    assert_eq!(status, 201);
    let carol = user["id"].as_i64().unwrap();
    assert_eq!(user["is_bot"], false);

    let (_, sent) = control(
        &tg,
        M::POST,
        &format!("users/{carol}/text"),
        Some(json!({"text": "/start"})),
    )
    .await;
    assert_eq!(sent["message_id"], 1);
    assert_eq!(
        tg.ok("getUpdates", json!({})).await[0]["message"]["text"],
        "/start"
    );

    let msg = tg
        .ok("sendMessage", json!({"chat_id": carol, "text": "Pick", "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}}))
        .await;
    let id = msg["message_id"].as_i64().unwrap();
    let (_, messages) = control(&tg, M::GET, &format!("chats/{carol}/messages"), None).await;
    assert_eq!(messages[0]["text"], "Pick");
    assert_eq!(messages[0]["message_id"], id);

    let (status, pressed) = control(
        &tg,
        M::POST,
        &format!("users/{carol}/press"),
        Some(json!({"message_id": id, "callback_data": "a"})),
    )
    .await;
    assert_eq!(status, 200);
    let query = pressed["callback_query_id"].as_str().unwrap().to_owned();
    let (status, _) = control(
        &tg,
        M::POST,
        &format!("users/{carol}/press"),
        Some(json!({"message_id": id, "callback_data": "zz"})),
    )
    .await;
    assert_eq!(status, 400, "not on the keyboard");
    let (status, _) = control(
        &tg,
        M::POST,
        &format!("users/{carol}/press"),
        Some(json!({"message_id": id, "callback_data": "zz", "forged": true})),
    )
    .await;
    assert_eq!(status, 200);
    tg.ok(
        "answerCallbackQuery",
        json!({"callback_query_id": query, "text": "ok"}),
    )
    .await;
    let (_, answers) = control(&tg, M::GET, "callback_answers", None).await;
    assert_eq!(answers[0]["callback_query_id"], query.as_str());

    let (_, group) = control(
        &tg,
        M::POST,
        "groups",
        Some(json!({"title": "G", "members": [carol]})),
    )
    .await;
    assert!(group["chat_id"].as_i64().unwrap() < 0);

    control(&tg, M::POST, &format!("users/{carol}/block"), None).await;
    let (status, _) = tg
        .call("sendMessage", json!({"chat_id": carol, "text": "x"}))
        .await;
    assert_eq!(status, 403);
    control(&tg, M::POST, &format!("users/{carol}/unblock"), None).await;
    control(&tg, M::POST, &format!("users/{carol}/deactivate"), None).await;
    let (_, d) = tg
        .err("sendMessage", json!({"chat_id": carol, "text": "x"}))
        .await;
    assert_eq!(d, "Forbidden: user is deactivated");
    let (status, _) = control(&tg, M::POST, "users/5/block", None).await;
    assert_eq!(status, 404);

    let (_, counters) = control(&tg, M::GET, "counters", None).await;
    assert_eq!(counters["calls"]["sendMessage"], 3);
    assert_eq!(counters["forbidden"], 2);
}

#[tokio::test]
async fn limits_and_faults_are_settable() {
    use reqwest::Method as M;
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let mut limits = serde_json::to_value(telegram_emulator::Limits::unlimited()).unwrap();
    limits["global_per_sec"] = json!(1000.0);
    let (status, _) = control(&tg, M::PUT, "limits", Some(limits)).await;
    assert_eq!(status, 200);
    assert!(!tg.emu.limits().enabled);
    let (_, got) = control(&tg, M::GET, "limits", None).await;
    assert_eq!(got["global_per_sec"], 1000.0);

    let faults = json!({"server_error_rate": 0.0, "slow_rate": 0.5, "slow_ms": 1, "drop_before_rate": 0.0, "drop_after_rate": 0.0});
    control(&tg, M::PUT, "faults", Some(faults)).await;
    assert_eq!(tg.emu.faults().slow_rate, 0.5);

    control(
        &tg,
        M::POST,
        "fail_next_sends",
        Some(json!({"chat_id": alice, "count": 1, "retry_after": 4})),
    )
    .await;
    let (status, _) = tg
        .call("sendMessage", json!({"chat_id": alice, "text": "x"}))
        .await;
    assert_eq!(status, 429);
    let (_, pending) = control(&tg, M::GET, "updates/pending", None).await;
    assert_eq!(pending["count"], 0);
    let (_, hook) = control(&tg, M::GET, "webhook", None).await;
    assert_eq!(hook, Value::Null);
}
