//! Outgoing webhooks as a receiver sees them: each event once per endpoint, signed as Standard
//! Webhooks specifies, everything after an outage, nothing lost to a kill -9 mid-retry, and an
//! endpoint that answers 410 turned off.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::HeaderMap;
use chrono::Utc;
use herald::store::Backend;
use herald::webhooks::WebhookSecret;
use reqwest::StatusCode;
use serde_json::{Value, json};
use telegram_emulator::{Emulator, EmulatorConfig};

use crate::both_backends;
use crate::harness::app::{API_KEY, TestApp, buy_signal};
use crate::harness::db::TestDb;
use crate::harness::process::HeraldProcess;
use crate::harness::security::spawn_secure;

/// One request a receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
    /// What the receiver answered.
    status: u16,
}

/// A local receiver that records every request and answers with the status it is set to.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
    answer: Arc<AtomicU16>,
}

impl Receiver {
    async fn start() -> Receiver {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let answer = Arc::new(AtomicU16::new(200));
        let (got_in, answer_in) = (got.clone(), answer.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let (got, answer) = (got_in.clone(), answer_in.clone());
                async move {
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    let status = answer.load(Ordering::SeqCst);
                    got.lock().unwrap().push(Received {
                        id: header("webhook-id"),
                        timestamp: header("webhook-timestamp"),
                        signature: header("webhook-signature"),
                        body,
                        status,
                    });
                    StatusCode::from_u16(status).unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url, got, answer }
    }

    fn answer(&self, status: u16) {
        self.answer.store(status, Ordering::SeqCst);
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `count` requests were answered 2xx; returns those.
    async fn delivered(&self, count: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let ok: Vec<Received> = self
                .got()
                .into_iter()
                .filter(|r| (200..300).contains(&r.status))
                .collect();
            if ok.len() >= count {
                return ok;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {} of {count} webhooks delivered: {:#?}",
                ok.len(),
                self.got()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn call(
    api: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{api}{path}"))
        .header("x-api-key", API_KEY);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Registers `receiver` for `events`; returns the endpoint id and its secret.
async fn register(api: &str, receiver: &Receiver, events: &[&str]) -> (String, WebhookSecret) {
    let (status, created) = call(
        api,
        reqwest::Method::POST,
        "/api/webhooks",
        Some(json!({"url": receiver.url, "events": events, "description": "test receiver"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = WebhookSecret::parse(created["secret"].as_str().unwrap()).unwrap();
    (created["id"].as_str().unwrap().to_owned(), secret)
}

fn verified(received: &Received, secret: &WebhookSecret) -> Value {
    secret
        .verify(
            &received.id,
            &received.timestamp,
            &received.signature,
            received.body.as_bytes(),
            Utc::now(),
        )
        .unwrap_or_else(|err| panic!("{err}: {received:?}"));
    serde_json::from_str(&received.body).unwrap()
}

async fn post_signal(app: &TestApp) -> String {
    let (status, accepted) = app.post_signal(&buy_signal()).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    accepted["id"].as_str().unwrap().to_owned()
}

async fn events_arrive_signed_and_once(backend: Backend) {
    let app = spawn_secure(backend, &[]).await;
    let receiver = Receiver::start().await;
    // Refused: plain http elsewhere, unknown events, nothing to send.
    for (body, field) in [
        (
            json!({"url": "http://hooks.example.com/x", "events": ["signal.created"]}),
            "url",
        ),
        (
            json!({"url": receiver.url, "events": ["signal.deleted"]}),
            "events",
        ),
        (json!({"url": receiver.url, "events": []}), "events"),
    ] {
        let (status, refused) =
            call(&app.api, reqwest::Method::POST, "/api/webhooks", Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused["error"]["fields"][field].is_string(), "{refused}");
    }
    let (endpoint, secret) =
        register(&app.api, &receiver, &["signal.created", "signal.closed"]).await;
    let (_, listed) = call(&app.api, reqwest::Method::GET, "/api/webhooks", None).await;
    assert_eq!(listed["webhooks"][0]["id"], endpoint.as_str());
    assert!(
        listed["webhooks"][0].get("secret").is_none(),
        "secrets are never listed"
    );

    let signal = post_signal(&app).await;
    let first = receiver.delivered(1).await;
    let event = verified(&first[0], &secret);
    assert_eq!(event["type"], "signal.created");
    assert_eq!(event["data"]["signal"]["id"], signal.as_str());
    assert!(
        event["data"]["deliveries"].is_object(),
        "as GET /api/signals/{{id}} shows it"
    );
    assert!(first[0].id.starts_with("msg_"));

    let (status, _) = call(
        &app.api,
        reqwest::Method::POST,
        &format!("/api/signals/{signal}/outcome"),
        Some(json!({"exit_price": 46400})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let both = receiver.delivered(2).await;
    let closed = verified(&both[1], &secret);
    assert_eq!(closed["type"], "signal.closed");
    assert_eq!(closed["data"]["signal_id"], signal.as_str());

    // Down for a while: the attempt fails, the retry five seconds later gets through.
    receiver.answer(503);
    post_signal(&app).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !receiver.got().iter().any(|r| r.status == 503) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no attempt while down"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    receiver.answer(200);
    let all = receiver.delivered(3).await;
    verified(&all[2], &secret);
    // Each event reached the receiver's 2xx exactly once.
    let mut ids: Vec<&str> = all.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3, "{all:#?}");
    let failed_attempt = receiver
        .got()
        .into_iter()
        .find(|r| r.status == 503)
        .unwrap();
    assert_eq!(
        failed_attempt.id, all[2].id,
        "the retry is the same message"
    );

    // 410 Gone turns the endpoint off: nothing more is sent to it.
    receiver.answer(410);
    post_signal(&app).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let (_, listed) = call(&app.api, reqwest::Method::GET, "/api/webhooks", None).await;
        if listed["webhooks"][0]["disabled_at"].is_string() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the endpoint stayed on: {listed}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let attempts = receiver.got().len();
    receiver.answer(200);
    post_signal(&app).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        receiver.got().len(),
        attempts,
        "sent to a disabled endpoint"
    );

    let path = format!("/api/webhooks/{endpoint}");
    let (status, _) = call(&app.api, reqwest::Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(&app.api, reqwest::Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}
both_backends!(
    events_arrive_signed_once_and_after_an_outage,
    events_arrive_signed_and_once
);

async fn killed_mid_retry(backend: Backend) {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let receiver = Receiver::start().await;
    receiver.answer(503);
    let first = HeraldProcess::start(&emulator, &db.url, &[]).await;
    first.wait_for_log("elected leader").await;
    let (endpoint, secret) = register(&first.api, &receiver, &["signal.created"]).await;
    let (status, _) = call(
        &first.api,
        reqwest::Method::POST,
        "/api/signals",
        Some(buy_signal()),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    // The first attempt failed and the retry is scheduled: now the process dies.
    let endpoint_id = endpoint.parse().unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let states = store.webhook_delivery_states(endpoint_id).await.unwrap();
        if states
            .first()
            .is_some_and(|(status, attempts)| status == "pending" && *attempts == 1)
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no failed attempt: {states:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.kill().await;
    receiver.answer(200);

    let second = HeraldProcess::start(&emulator, &db.url, &[]).await;
    second.wait_for_log("elected leader").await;
    let delivered = receiver.delivered(1).await;
    let event = verified(&delivered[0], &secret);
    assert_eq!(event["type"], "signal.created");
    assert_eq!(
        store.webhook_delivery_states(endpoint_id).await.unwrap(),
        vec![("delivered".to_owned(), 2)]
    );
    second.kill().await;
}
both_backends!(a_kill_mid_retry_loses_nothing, killed_mid_retry);

/// A delivery that fails for good is reported, by Herald's ids only; one that goes through is not.
async fn failed_deliveries_reported(backend: Backend) {
    let app = spawn_secure(backend, &[]).await;
    let receiver = Receiver::start().await;
    let (_, secret) = register(&app.api, &receiver, &["delivery.failed"]).await;
    let blocker = app.subscribed_user("Hana", "en").await;
    let reader = app.subscribed_user("Ivo", "en").await;
    // A deleted account: Telegram answers 403, with no update to warn first.
    app.emulator.deactivate_user(blocker);
    let signal = post_signal(&app).await;
    app.wait_for(reader, 4).await;
    let got = receiver.delivered(1).await;
    let event = verified(&got[0], &secret);
    assert_eq!(event["type"], "delivery.failed");
    let data = &event["data"];
    assert_eq!(data["signal_id"], signal.as_str());
    assert_eq!(data["status"], "blocked");
    let user = app
        .store
        .user_by_telegram_id(blocker)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(data["user_id"], user.id.to_string());
    assert!(
        !got[0].body.contains(&blocker.to_string()),
        "no chat id leaves: {}",
        got[0].body
    );
    // The reader's delivery succeeded: nothing more arrives.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(receiver.got().len(), 1, "{:#?}", receiver.got());
    app.stop().await;
}
both_backends!(a_failed_delivery_is_reported, failed_deliveries_reported);
