//! The walking skeleton end to end: a signal POSTed over HTTP reaches subscribers' chats.

use herald::store::{Backend, DeliveryStatus};
use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::harness::app::{API_KEY, TestApp, buy_signal};

async fn buy_signal_reaches_a_subscriber(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = app.subscribed_user("Alice", "en").await;

    let (status, body) = app.post_signal(&buy_signal()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["status"], "queued");
    assert_eq!(body["recipients"], 1);

    let messages = app.wait_for(chat, 4).await;
    let signal = &messages[3];
    assert_eq!(signal.parse_mode.as_deref(), Some("HTML"));
    let text = signal.plain_text.as_deref().unwrap();
    for expected in [
        "🚨 TRADING SIGNAL: BUY BTC/USD 🚨",
        "- Entry Price: $45,250",
        "- Target Price: $46,500 (+2.76%)",
        "- Stop Loss: $44,500 (-1.66%)",
        "- Timeframe: 1H",
        "📈 Signal Confidence: 85%",
        "⏱️ Signal Generated: 2023-06-15 14:30:45 UTC",
        "- Strong bullish momentum detected",
        "#BTC #Trading #Signal",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    app.drain().await;
    let id = body["id"].as_str().unwrap().parse().unwrap();
    let counts = app.store.delivery_counts(id).await.unwrap();
    assert_eq!(counts.get(&DeliveryStatus::Sent), Some(&1));
    app.stop().await;
}
both_backends!(buy_signal_end_to_end, buy_signal_reaches_a_subscriber);

async fn outside_text_is_escaped(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = app.subscribed_user("Bob", "en").await;
    let mut signal = buy_signal();
    signal["notes"] = json!(["<b>& friends</b> are <not> tags"]);
    let (status, _) = app.post_signal(&signal).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let messages = app.wait_for(chat, 4).await;
    let raw = messages[3].text.as_deref().unwrap();
    assert!(
        raw.contains("&lt;b&gt;&amp; friends&lt;/b&gt; are &lt;not&gt; tags"),
        "{raw}"
    );
    assert!(
        messages[3]
            .plain_text
            .as_deref()
            .unwrap()
            .contains("<b>& friends</b> are <not> tags")
    );
    app.stop().await;
}
both_backends!(notes_are_escaped, outside_text_is_escaped);

async fn bad_requests_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = app.subscribed_user("Carol", "en").await;
    let body = buy_signal().to_string();

    let (status, _) = app.post_raw("/api/signals", None, body.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, error) = app
        .post_raw("/api/signals", Some("wrong-key-0123456789"), body.clone())
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error["error"]["code"], "unauthorized");
    let (status, error) = app
        .post_raw("/api/signals", Some(API_KEY), "{\"type\": \"buy\",".into())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert_eq!(error["error"]["code"], "malformed");
    let mut signal = buy_signal();
    signal["confidence"] = json!(150);
    let (status, error) = app.post_signal(&signal).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error["error"]["fields"]["confidence"].is_string(),
        "{error}"
    );
    let (status, _) = app
        .post_raw("/api/signals", Some(API_KEY), "x".repeat(70 * 1024))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    let (status, listed) = app.get("/api/signals", Some(API_KEY)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        listed["signals"].as_array().unwrap().len(),
        0,
        "nothing stored"
    );
    assert_eq!(app.store.queue_depth().await.unwrap(), 0);
    assert_eq!(
        app.emulator.messages(chat).len(),
        3,
        "nothing sent beyond onboarding"
    );
    app.stop().await;
}
both_backends!(bad_requests_are_rejected, bad_requests_change_nothing);

async fn same_id_is_idempotent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = app.subscribed_user("Dan", "en").await;
    let mut signal = buy_signal();
    signal["id"] = json!("0190a3b4-0000-7000-8000-000000000001");
    let (first, first_body) = app.post_signal(&signal).await;
    assert_eq!(first, StatusCode::ACCEPTED);
    app.wait_for(chat, 4).await;
    app.drain().await;

    // Same body, keys in another order: the original answer, nothing resent.
    let reordered: serde_json::Value = serde_json::from_str(&signal.to_string()).unwrap();
    let (again, again_body) = app.post_signal(&reordered).await;
    assert_eq!(again, StatusCode::OK);
    assert_eq!(again_body, first_body);

    signal["confidence"] = json!(60);
    let (conflict, error) = app.post_signal(&signal).await;
    assert_eq!(conflict, StatusCode::CONFLICT, "{error}");
    app.drain().await;
    assert_eq!(app.emulator.messages(chat).len(), 4);
    app.stop().await;
}
both_backends!(idempotent_posts, same_id_is_idempotent);

async fn only_consenting_subscribers_receive(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let subscriber = app.subscribed_user("Eve", "en").await;
    // Started but never accepted the disclaimer, though they asked to subscribe.
    let hesitant = app.emulator.create_user("Finn", None, Some("en")).id;
    app.emulator.send_text(hesitant, hesitant, "/start");
    app.emulator.send_text(hesitant, hesitant, "/subscribe");
    let before = app.wait_for(hesitant, 4).await.len();
    // Subscribed, then left.
    let leaver = app.subscribed_user("Gus", "en").await;
    app.emulator.send_text(leaver, leaver, "/unsubscribe");
    app.wait_for(leaver, 4).await;

    let (status, body) = app.post_signal(&buy_signal()).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(body["recipients"], 1);
    app.wait_for(subscriber, 4).await;
    app.drain().await;
    assert_eq!(app.emulator.messages(hesitant).len(), before);
    assert_eq!(app.emulator.messages(leaver).len(), 4);
    app.stop().await;
}
both_backends!(
    consent_and_subscription_are_required,
    only_consenting_subscribers_receive
);

async fn blocked_users_are_deactivated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let stays = app.subscribed_user("Hana", "en").await;
    // Telegram answers 403 for a deactivated account, with no update to warn us first.
    let gone = app.subscribed_user("Ivan", "en").await;
    app.emulator.deactivate_user(gone);

    let (status, body) = app.post_signal(&buy_signal()).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(body["recipients"], 2);
    app.wait_for(stays, 4).await;
    app.drain().await;
    let id = body["id"].as_str().unwrap().parse().unwrap();
    let counts = app.store.delivery_counts(id).await.unwrap();
    assert_eq!(counts.get(&DeliveryStatus::Sent), Some(&1));
    assert_eq!(counts.get(&DeliveryStatus::Blocked), Some(&1));
    let user = app.store.user_by_telegram_id(gone).await.unwrap().unwrap();
    assert!(
        !user.is_active,
        "a user Telegram refuses with 403 is inactive"
    );

    // Blocking the bot arrives as a my_chat_member update and takes the user out before any send.
    app.emulator.block_bot(stays);
    app.eventually("the blocking user to be inactive", || async {
        !app.store
            .user_by_telegram_id(stays)
            .await
            .unwrap()
            .unwrap()
            .is_active
    })
    .await;
    let (status, body) = app.post_signal(&buy_signal()).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    app.drain().await;
    let id = body["id"].as_str().unwrap().parse().unwrap();
    let rows = app.store.deliveries_of_signal(id).await.unwrap();
    assert!(
        rows.is_empty(),
        "a user who blocked the bot is out of the audience: {rows:?}"
    );
    app.stop().await;
}
both_backends!(
    blocking_the_bot_stops_deliveries,
    blocked_users_are_deactivated
);

async fn filters_skip_with_a_reason_and_silence(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = app.subscribed_user("Pia", "en").await;
    let user = app.store.user_by_telegram_id(chat).await.unwrap().unwrap();
    let mut prefs = app.store.preferences(user.id).await.unwrap();
    prefs.confidence_threshold = 90;
    app.store
        .save_preferences(user.id, &prefs, chrono::Utc::now())
        .await
        .unwrap();

    let (_, body) = app.post_signal(&buy_signal()).await;
    assert_eq!(
        body["recipients"], 1,
        "the audience at acceptance: filters are applied as its rows are written"
    );
    app.drain().await;
    let id = body["id"].as_str().unwrap().parse().unwrap();
    let rows = app.store.deliveries_of_signal(id).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, DeliveryStatus::Skipped);
    assert_eq!(rows[0].skip_reason.as_deref(), Some("below_threshold"));

    prefs.confidence_threshold = 80;
    prefs.signal_types.buy = herald::domain::preferences::Delivery::Silent;
    app.store
        .save_preferences(user.id, &prefs, chrono::Utc::now())
        .await
        .unwrap();
    let (_, body) = app.post_signal(&buy_signal()).await;
    assert_eq!(body["recipients"], 1);
    let messages = app.wait_for(chat, 4).await;
    assert!(
        messages[3].disable_notification,
        "buy signals are silent for this user"
    );
    assert!(
        !messages[3].protect_content,
        "free tier messages are not protected"
    );
    app.stop().await;
}
both_backends!(filters_and_silence, filters_skip_with_a_reason_and_silence);

/// Under a buy: ✅ Got it, then copy buttons for entry, target and stop as the engine wrote them,
/// labelled in the user's language; a close carries none.
async fn copy_buttons_on_signals(backend: Backend) {
    use telegram_emulator::ButtonKind;
    let app = TestApp::spawn(backend).await;
    let chat = app.subscribed_user("Rosa", "es").await;
    let mut signal = buy_signal();
    signal["entry_price"] = json!(45250.50);
    let (status, body) = app.post_signal(&signal).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let message = app.wait_for(chat, 4).await.remove(3);
    let copies: Vec<(String, ButtonKind)> = message.buttons[1]
        .iter()
        .map(|b| (b.text.clone(), b.kind.clone()))
        .collect();
    assert_eq!(
        copies,
        [
            (
                "📋 Entrada".to_owned(),
                ButtonKind::CopyText("45250.5".into())
            ),
            (
                "📋 Objetivo".to_owned(),
                ButtonKind::CopyText("46500".into())
            ),
            ("📋 Stop".to_owned(), ButtonKind::CopyText("44500".into())),
        ]
    );
    assert!(matches!(
        message.buttons[0][0].kind,
        ButtonKind::Callback(_)
    ));
    let close =
        json!({"type": "close", "asset": "BTC/USD", "closes": body["id"], "exit_price": 46100});
    let (status, _) = app.post_signal(&close).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let closed = app.wait_for(chat, 5).await.remove(4);
    assert!(
        closed
            .buttons
            .iter()
            .flatten()
            .all(|b| !matches!(b.kind, ButtonKind::CopyText(_))),
        "{:?}",
        closed.buttons
    );
    app.stop().await;
}
both_backends!(signals_carry_copy_buttons, copy_buttons_on_signals);
