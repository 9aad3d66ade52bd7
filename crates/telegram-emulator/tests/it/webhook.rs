//! Webhook mode: pushes, the secret header, redelivery, and getUpdates conflicts.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};
use telegram_emulator::{EmulatorEvent, SECRET_HEADER};
use tokio::sync::mpsc;

use crate::harness::{PATIENCE, Tg, next_event};

/// A local webhook receiver that answers 500 to its first `fail_first` requests.
struct Receiver {
    url: String,
    rx: mpsc::UnboundedReceiver<(Option<String>, Value)>,
}

impl Receiver {
    async fn start(fail_first: usize) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let (tx, rx) = mpsc::unbounded_channel();
        let failures = Arc::new(AtomicUsize::new(fail_first));
        let app = Router::new().route(
            "/hook",
            post(move |headers: HeaderMap, body: axum::Json<Value>| {
                let (tx, failures) = (tx.clone(), failures.clone());
                async move {
                    let secret = headers
                        .get(SECRET_HEADER)
                        .map(|v| v.to_str().unwrap().to_owned());
                    tx.send((secret, body.0)).unwrap();
                    let failing = failures
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    if failing {
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::OK
                    }
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { url, rx }
    }

    async fn next(&mut self) -> (Option<String>, Value) {
        tokio::time::timeout(PATIENCE, self.rx.recv())
            .await
            .expect("webhook request in time")
            .expect("receiver alive")
    }
}

#[tokio::test]
async fn updates_are_pushed_with_the_secret_and_polling_conflicts() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let mut hook = Receiver::start(0).await;
    let set = tg
        .ok(
            "setWebhook",
            json!({"url": hook.url, "secret_token": "s3cr3t_-X"}),
        )
        .await;
    assert_eq!(set, true);
    let mut events = tg.emu.subscribe();
    tg.emu.send_text(alice, alice, "/start");
    let (secret, body) = hook.next().await;
    assert_eq!(secret.as_deref(), Some("s3cr3t_-X"));
    assert_eq!(body["message"]["text"], "/start");
    next_event(&mut events, |e| {
        matches!(e, EmulatorEvent::WebhookDelivered { .. })
    })
    .await;
    assert_eq!(tg.emu.pending_updates(), 0);

    let (status, d) = tg.err("getUpdates", json!({})).await;
    assert_eq!(
        (status, d.as_str()),
        (
            409,
            "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
        )
    );
    let info = tg.ok("getWebhookInfo", json!({})).await;
    assert_eq!(info["url"], hook.url.as_str());
    assert_eq!(info["pending_update_count"], 0);
    assert_eq!(info["has_custom_certificate"], false);
    assert_eq!(info["max_connections"], 40);
    let state = tg.emu.webhook_info().unwrap();
    assert_eq!(state.delivered, 1);
    assert_eq!(state.secret_token.as_deref(), Some("s3cr3t_-X"));

    tg.ok("deleteWebhook", json!({})).await;
    assert!(tg.emu.webhook_info().is_none());
    tg.emu.send_text(alice, alice, "polled");
    assert_eq!(
        tg.ok("getUpdates", json!({})).await[0]["message"]["text"],
        "polled"
    );
    let info = tg.ok("getWebhookInfo", json!({})).await;
    assert_eq!(
        info,
        json!({"url": "", "has_custom_certificate": false, "pending_update_count": 1})
    );
}

#[tokio::test]
async fn failed_deliveries_are_retried_in_order() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let mut hook = Receiver::start(2).await;
    tg.ok("setWebhook", json!({"url": hook.url})).await;
    let mut events = tg.emu.subscribe();
    tg.emu.send_text(alice, alice, "first");
    tg.emu.send_text(alice, alice, "second");
    let mut seen = Vec::new();
    for _ in 0..4 {
        let (secret, body) = hook.next().await;
        assert_eq!(secret, None, "no secret_token, no header");
        seen.push(body["message"]["text"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen, ["first", "first", "first", "second"]);
    next_event(&mut events, |e| {
        matches!(e, EmulatorEvent::WebhookDelivered { .. })
    })
    .await;
    next_event(&mut events, |e| {
        matches!(e, EmulatorEvent::WebhookDelivered { .. })
    })
    .await;
    let state = tg.emu.webhook_info().unwrap();
    assert_eq!(state.delivered, 2);
    assert_eq!(state.pending_update_count, 0);
    assert_eq!(
        state.last_error_message.as_deref(),
        Some("Wrong response from the webhook: 500 Internal Server Error")
    );
    assert!(state.last_error_date.is_some());
}

#[tokio::test]
async fn unreachable_receiver_keeps_updates_pending() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    // Nothing listens on this port once the listener is dropped.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    tg.ok(
        "setWebhook",
        json!({"url": format!("http://127.0.0.1:{port}/hook")}),
    )
    .await;
    tg.emu.send_text(alice, alice, "lost?");
    assert_eq!(tg.emu.pending_updates(), 1);
    tg.ok("deleteWebhook", json!({"drop_pending_updates": true}))
        .await;
    assert_eq!(tg.emu.pending_updates(), 0);
}

#[tokio::test]
async fn set_webhook_terminates_a_long_poll_and_validates() {
    let tg = Tg::start().await;
    let mut events = tg.emu.subscribe();
    let poll = tg.spawn_call("getUpdates", json!({"timeout": 30}));
    next_event(&mut events, |e| *e == EmulatorEvent::PollWaiting).await;
    let hook = Receiver::start(0).await;
    tg.ok("setWebhook", json!({"url": hook.url})).await;
    let (status, body) = poll.await.unwrap();
    assert_eq!(status, 409);
    assert_eq!(body["error_code"], 409);
    assert_eq!(
        body["description"],
        "Conflict: terminated by setWebhook request"
    );

    let (_, d) = tg
        .err(
            "setWebhook",
            json!({"url": hook.url, "secret_token": "no spaces allowed"}),
        )
        .await;
    assert_eq!(d, "Bad Request: secret token contains unallowed characters");
    let (_, d) = tg
        .err("setWebhook", json!({"url": "ftp://example.com"}))
        .await;
    assert_eq!(
        d,
        "Bad Request: bad webhook: HTTPS url must be provided for webhook"
    );
    // An empty URL removes the webhook.
    tg.ok("setWebhook", json!({"url": ""})).await;
    assert!(tg.emu.webhook_info().is_none());
}
