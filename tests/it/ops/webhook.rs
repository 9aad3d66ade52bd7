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
