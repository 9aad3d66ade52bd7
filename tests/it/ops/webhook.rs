//! Webhook mode: Herald's own route stores each update once (redeliveries dropped) before
//! answering; two replicas behind a load balancer share the work, each update handled once and in
//! order within its chat; `herald webhook set|info|delete` manage the registration and a replica
//! stopping leaves it alone.

use herald::cli::webhook::{WebhookCommand, run as webhook};
use herald::store::Backend;
use serde_json::json;
use sqlx::{Connection, PgConnection};

use crate::both_backends;
use crate::harness::app::{Options, TestApp};
use crate::harness::ops::{
    LoadBalancer, Replica, WEBHOOK_PATH, WEBHOOK_SECRET, config_for, wait_messages, webhook_env,
};

fn help_update(update_id: i64, user: i64) -> String {
    json!({"update_id": update_id, "message": {
        "message_id": update_id, "date": 1_700_000_000,
        "chat": {"id": user, "type": "private", "first_name": "Ana"},
        "from": {"id": user, "is_bot": false, "first_name": "Ana", "language_code": "en"},
        "text": "/help"}})
    .to_string()
}

async fn post_update(app: &TestApp, body: String, secret: Option<&str>) -> u16 {
    let mut request = app
        .client
        .post(format!("{}{WEBHOOK_PATH}", app.api))
        .header("content-type", "application/json")
        .body(body);
    if let Some(secret) = secret {
        request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
    }
    request.send().await.unwrap().status().as_u16()
}

async fn redeliveries_are_dropped(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        Options {
            env: webhook_env(&format!("http://127.0.0.1:9{WEBHOOK_PATH}")),
            ..Default::default()
        },
    )
    .await;
    let user = app.emulator.create_user("Ana", Some("ana"), Some("en")).id;

    assert_eq!(post_update(&app, help_update(500, user), None).await, 401);
    assert_eq!(
        post_update(&app, help_update(500, user), Some("wrong")).await,
        401
    );
    assert_eq!(
        post_update(&app, "{\"no\": 1}".into(), Some(WEBHOOK_SECRET)).await,
        400
    );
    assert_eq!(
        app.store.inbox_backlog().await.unwrap(),
        0,
        "rejected requests store nothing"
    );

    // Telegram redelivers when it did not see our 200 in time: same update_id, same body.
    for _ in 0..3 {
        assert_eq!(
            post_update(&app, help_update(500, user), Some(WEBHOOK_SECRET)).await,
            200
        );
    }
    assert_eq!(
        post_update(&app, help_update(501, user), Some(WEBHOOK_SECRET)).await,
        200
    );
    let messages = wait_messages(&app.emulator, user, 2).await;
    assert_eq!(
        messages.len(),
        2,
        "one reply per update, none for redeliveries"
    );
    app.eventually("both handled", || async {
        app.store.update_handled_by(500).await.unwrap().is_some()
            && app.store.update_handled_by(501).await.unwrap().is_some()
    })
    .await;
    assert_eq!(app.emulator.messages(user).len(), 2);
}

both_backends!(webhook_redeliveries_are_dropped, redeliveries_are_dropped);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_webhook_updates_each_once_in_order() {
    let emulator = telegram_emulator::Emulator::start(Default::default())
        .await
        .unwrap();
    let db = crate::harness::db::TestDb::new(Backend::Postgres).await;
    let lb = LoadBalancer::start(WEBHOOK_PATH).await;
    let env = webhook_env(&lb.url);
    let a = Replica::start(config_for(&emulator, &db.url, &env)).await;
    let b = Replica::start(config_for(&emulator, &db.url, &env)).await;
    lb.set_backends(vec![a.api.clone(), b.api.clone()]);
    let config = config_for(&emulator, &db.url, &env);
    webhook(
        &config,
        WebhookCommand::Set {
            max_connections: 40,
            drop_pending_updates: false,
        },
    )
    .await
    .unwrap();
    let registered = emulator.webhook_info().expect("webhook registered");
    assert_eq!(registered.url, lb.url);
    assert_eq!(registered.secret_token.as_deref(), Some(WEBHOOK_SECRET));

    // Each user alternates a command and plain text: the replies alternate only if each chat's
    // updates were handled in order.
    let users: Vec<i64> = (0..6)
        .map(|i| emulator.create_user(&format!("U{i}"), None, Some("en")).id)
        .collect();
    for round in 0..4 {
        for &user in &users {
            let text = if round % 2 == 0 {
                "/help"
            } else {
                "hello there"
            };
            emulator.send_text(user, user, text);
        }
    }
    for &user in &users {
        let replies = wait_messages(&emulator, user, 4).await;
        let texts: Vec<_> = replies.iter().map(|m| m.text.clone()).collect();
        assert_eq!(texts[0], texts[2], "{texts:?}");
        assert_eq!(texts[1], texts[3], "{texts:?}");
        assert_ne!(texts[0], texts[1], "{texts:?}");
    }

    let mut conn = PgConnection::connect(&db.url).await.unwrap();
    type Row = (i64, Option<i64>, Option<i64>, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT update_id, chat_id, handled_at, handled_by FROM telegram_updates ORDER BY update_id",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(rows.len(), 24, "every update stored once");
    let mut by = std::collections::HashSet::new();
    let mut last_handled: std::collections::HashMap<i64, i64> = Default::default();
    for (update_id, chat, handled_at, handled_by) in &rows {
        let handled_at = handled_at.unwrap_or_else(|| panic!("update {update_id} unhandled"));
        by.insert(handled_by.clone().expect("handled_by"));
        let chat = chat.expect("chat");
        let previous = last_handled.insert(chat, handled_at).unwrap_or(0);
        assert!(handled_at >= previous, "chat {chat} handled out of order");
    }
    assert_eq!(
        by,
        [a.instance.clone(), b.instance.clone()]
            .into_iter()
            .collect(),
        "both replicas handled updates"
    );
    for &user in &users {
        assert_eq!(emulator.messages(user).len(), 4, "one reply per update");
    }

    // A replica stopping leaves the registration alone; `webhook delete` removes it.
    a.stop().await;
    assert!(
        emulator.webhook_info().is_some(),
        "stopping a replica deleted the webhook"
    );
    webhook(&config, WebhookCommand::Info).await.unwrap();
    b.stop().await;
    webhook(
        &config,
        WebhookCommand::Delete {
            drop_pending_updates: false,
        },
    )
    .await
    .unwrap();
    assert!(emulator.webhook_info().is_none());
}

async fn webhook_app(extra: Vec<(&'static str, String)>) -> TestApp {
    let mut env = webhook_env(&format!("http://127.0.0.1:9{WEBHOOK_PATH}"));
    env.extend(extra);
    TestApp::spawn_with(
        Backend::Sqlite,
        Options {
            env,
            ..Default::default()
        },
    )
    .await
}

/// The status line of a raw request that announces a body and never sends it.
async fn status_without_body(app: &TestApp, secret: &str, length: usize) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.api.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: herald\r\nContent-Type: application/json\r\n\
         X-Telegram-Bot-Api-Secret-Token: {secret}\r\nContent-Length: {length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = [0u8; 64];
    let read = tokio::time::timeout(std::time::Duration::from_secs(3), stream.read(&mut answer));
    let n = read.await.ok()?.ok()?;
    let text = String::from_utf8_lossy(&answer[..n]).into_owned();
    text.lines().next().map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_is_refused_before_the_body_is_read() {
    let app = webhook_app(Vec::new()).await;
    // A megabyte announced and never sent: the answer comes from the headers alone.
    assert_eq!(
        status_without_body(&app, "not-the-secret", 1_000_000)
            .await
            .as_deref(),
        Some("HTTP/1.1 401 Unauthorized")
    );
    // More than an update may be is refused on its announced length, unread.
    assert_eq!(
        status_without_body(&app, WEBHOOK_SECRET, 2 * 1024 * 1024)
            .await
            .as_deref(),
        Some("HTTP/1.1 413 Payload Too Large")
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_secrets_are_limited_per_address() {
    let app = webhook_app(Vec::new()).await;
    let user = app.emulator.create_user("Ana", Some("ana"), Some("en")).id;
    let limit = herald::http::webhook::FAILURES_PER_MINUTE;
    for _ in 0..limit {
        assert_eq!(
            post_update(&app, help_update(1, user), Some("guess")).await,
            401
        );
    }
    assert_eq!(
        post_update(&app, help_update(1, user), Some("guess")).await,
        429
    );
    // The right secret still gets through: Telegram is not locked out by someone else's guesses.
    assert_eq!(
        post_update(&app, help_update(2, user), Some(WEBHOOK_SECRET)).await,
        200
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_allowed_addresses_reach_the_webhook_when_a_list_is_set() {
    let telegram_only = ("HERALD_WEBHOOK_ALLOWED_IPS", "149.154.160.0/20".to_owned());
    let app = webhook_app(vec![telegram_only]).await;
    let user = app.emulator.create_user("Ana", Some("ana"), Some("en")).id;
    assert_eq!(
        post_update(&app, help_update(3, user), Some(WEBHOOK_SECRET)).await,
        403
    );
    assert_eq!(app.store.inbox_backlog().await.unwrap(), 0);
    app.stop().await;
}
