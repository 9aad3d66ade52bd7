//! A rolling restart of two real `herald serve` processes loses no update and no delivery, in
//! webhook mode (both replicas receive and handle updates) and in polling mode (only the leader
//! polls; the other stands by and takes over): while users talk to the bot and signals are
//! posted, each process in turn gets SIGTERM (it must exit 0) and is replaced.

use std::time::Duration;

use herald::store::Backend;
use sqlx::{Connection, PgConnection};

use crate::harness::app::{API_KEY, buy_signal};
use crate::harness::db::TestDb;
use crate::harness::ops::{LoadBalancer, WEBHOOK_PATH, subscribe_user, wait_messages, webhook_env};
use crate::harness::process::HeraldProcess;

const SIGNALS: usize = 6;
const TEXTS: usize = 5;

/// Posts to the first replica that answers, as an engine behind a Service would.
async fn post_signal(client: &reqwest::Client, apis: &[String]) {
    for api in apis {
        let response = client
            .post(format!("{api}/api/signals"))
            .header("X-API-Key", API_KEY)
            .json(&buy_signal())
            .send()
            .await;
        if let Ok(response) = response {
            assert_eq!(response.status(), 202);
            return;
        }
    }
    panic!("no replica took the signal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_in_webhook_mode_loses_nothing() {
    rolling_restart(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_in_polling_mode_loses_nothing() {
    rolling_restart(false).await;
}

async fn rolling_restart(webhook_mode: bool) {
    let emulator = telegram_emulator::Emulator::start(Default::default())
        .await
        .unwrap();
    let db = TestDb::new(Backend::Postgres).await;
    let lb = LoadBalancer::start(WEBHOOK_PATH).await;
    let mut env = vec![
        ("HERALD_TELEGRAM_TOKEN", emulator.token()),
        ("HERALD_TELEGRAM_API_URL", emulator.base_url()),
        ("HERALD_DATABASE_URL", db.url.clone()),
        ("HERALD_API_KEYS", API_KEY.to_owned()),
        ("HERALD_SHUTDOWN_DELAY", "500ms".to_owned()),
    ];
    if webhook_mode {
        env.extend(webhook_env(&lb.url));
        register_webhook(&env).await;
        assert_eq!(emulator.webhook_info().unwrap().url, lb.url);
    }

    let a = HeraldProcess::start_named("replica-a", &env).await;
    let b = HeraldProcess::start_named("replica-b", &env).await;
    lb.set_backends(vec![a.api.clone(), b.api.clone()]);
    let mut users = Vec::new();
    for name in ["Ana", "Ben", "Cleo", "Dan"] {
        users.push(subscribe_user(&emulator, name).await);
    }

    // Traffic for the whole restart: signals from the engine, messages from users.
    let apis = std::sync::Arc::new(std::sync::Mutex::new(vec![a.api.clone(), b.api.clone()]));
    let traffic = {
        let emulator = emulator.clone();
        let users = users.clone();
        let apis = apis.clone();
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            for i in 0..SIGNALS.max(TEXTS) {
                if i < SIGNALS {
                    let current = apis.lock().unwrap().clone();
                    post_signal(&client, &current).await;
                }
                if i < TEXTS {
                    for &user in &users {
                        emulator.send_text(user, user, &format!("hello {i}"));
                    }
                }
                tokio::time::sleep(Duration::from_millis(400)).await;
            }
        })
    };

    tokio::time::sleep(Duration::from_millis(300)).await;
    *apis.lock().unwrap() = vec![b.api.clone()];
    lb.set_backends(vec![b.api.clone()]);
    assert_eq!(
        a.terminate().await.code(),
        Some(0),
        "replica a exits 0 on SIGTERM"
    );
    let a2 = HeraldProcess::start_named("replica-a2", &env).await;
    *apis.lock().unwrap() = vec![a2.api.clone(), b.api.clone()];
    lb.set_backends(vec![a2.api.clone(), b.api.clone()]);
    // B goes while the traffic still flows; the load balancer still lists it, as a Service
    // would until readiness fails: its shutdown delay covers that.
    let b_api = b.api.clone();
    assert_eq!(
        b.terminate().await.code(),
        Some(0),
        "replica b exits 0 on SIGTERM"
    );
    *apis.lock().unwrap() = vec![a2.api.clone()];
    lb.set_backends(vec![a2.api.clone()]);
    let b2 = HeraldProcess::start_named("replica-b2", &env).await;
    *apis.lock().unwrap() = vec![a2.api.clone(), b2.api.clone()];
    lb.set_backends(vec![a2.api.clone(), b2.api.clone(), b_api]);
    traffic.await.unwrap();

    // Every user: 3 onboarding messages, every signal once, one reply per message.
    let expected = 3 + SIGNALS + TEXTS;
    for &user in &users {
        let messages = wait_messages(&emulator, user, expected).await;
        assert_eq!(messages.len(), expected, "chat {user}: {messages:#?}");
    }
    let mut conn = PgConnection::connect(&db.url).await.unwrap();
    let (unhandled,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM telegram_updates WHERE handled_at IS NULL")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(unhandled, 0);
    let statuses: Vec<(String, i64)> = sqlx::query_as(
        "SELECT status, COUNT(*) FROM signal_deliveries GROUP BY status ORDER BY status",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        statuses,
        vec![("sent".to_owned(), (SIGNALS * users.len()) as i64)]
    );
    assert_eq!(a2.terminate().await.code(), Some(0));
    assert_eq!(b2.terminate().await.code(), Some(0));
    assert_eq!(
        emulator.webhook_info().is_some(),
        webhook_mode,
        "no replica registered or deleted the webhook"
    );
}

/// The operator registers the webhook once, with the CLI.
async fn register_webhook(env: &[(&str, String)]) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["webhook", "set"])
        .env_clear()
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("HERALD_CONFIG", "/nonexistent/herald.toml")
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("webhook set"));
}
