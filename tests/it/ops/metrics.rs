//! `/metrics`: the seed's metrics exist and move when a broadcast goes out; no label carries a
//! user or chat id.

use herald::store::Backend;

use crate::both_backends;
use crate::harness::app::{TestApp, buy_signal};
use crate::harness::ops::metric;

async fn scrape(app: &TestApp) -> String {
    let response = app
        .client
        .get(format!("{}/metrics", app.metrics))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    response.text().await.unwrap()
}

async fn metrics_move_after_a_broadcast(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chats = [
        app.subscribed_user("Ana", "en").await,
        app.subscribed_user("Ben", "es").await,
        app.subscribed_user("Cleo", "en").await,
    ];
    // The recorder is shared by every app in this test process: compare before and after.
    let before = scrape(&app).await;
    let (status, _) = app.post_signal(&buy_signal()).await;
    assert_eq!(status, 202);
    for chat in chats {
        app.wait_for(chat, 4).await;
    }
    app.drain().await;
    let after = scrape(&app).await;

    let sent = |text: &str| metric(text, "herald_deliveries_total", &[("outcome", "sent")]);
    assert!(
        sent(&after) - sent(&before) >= 3.0,
        "sent deliveries did not move: {} -> {}",
        sent(&before),
        sent(&after)
    );
    let calls = |text: &str| {
        metric(
            text,
            "herald_telegram_request_duration_seconds_count",
            &[("method", "sendMessage")],
        )
    };
    assert!(calls(&after) - calls(&before) >= 3.0);
    let created = |text: &str| metric(text, "herald_signals_total", &[("result", "created")]);
    assert!(created(&after) - created(&before) >= 1.0);
    let ingest = |text: &str| {
        metric(
            text,
            "herald_ingest_duration_seconds_count",
            &[("result", "created")],
        )
    };
    assert!(ingest(&after) - ingest(&before) >= 1.0);
    let route = |text: &str| {
        metric(
            text,
            "herald_http_requests_total",
            &[
                ("route", "/api/signals"),
                ("method", "POST"),
                ("status", "202"),
            ],
        )
    };
    assert!(route(&after) - route(&before) >= 1.0);
    // The users' /subscribe commands were counted and timed by command name.
    assert!(metric(&after, "herald_commands_total", &[("command", "subscribe")]) >= 3.0);
    assert!(
        metric(
            &after,
            "herald_command_duration_seconds_count",
            &[("command", "start")]
        ) >= 3.0
    );
    for name in [
        "herald_queue_depth",
        "herald_leader",
        "herald_build_info",
        "herald_updates_received_total",
        "herald_delivery_latency_seconds_bucket",
    ] {
        assert!(after.contains(name), "{name} missing from /metrics");
    }
    // Bounded cardinality: no series is labelled with a chat (= user) id.
    for chat in chats {
        let id = format!("\"{chat}\"");
        assert!(!after.contains(&id), "a label carries chat id {chat}");
    }
}

both_backends!(
    metrics_move_after_a_broadcast,
    metrics_move_after_a_broadcast
);
