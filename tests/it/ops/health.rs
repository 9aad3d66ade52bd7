//! Liveness and readiness: a database outage (the test cuts a TCP proxy between Herald and
//! PostgreSQL) turns readiness to 503 quickly, liveness stays 200, and readiness comes back by
//! itself when the database does.

use std::time::{Duration, Instant};

use herald::store::Backend;
use telegram_emulator::{Emulator, EmulatorConfig, EmulatorHandle};

use crate::harness::app::TestApp;
use crate::harness::db::TestDb;
use crate::harness::ops::TcpProxy;

/// A Herald whose database connections all go through a proxy the test controls.
pub async fn app_behind_proxy(
    emulator: EmulatorHandle,
    extra_env: Vec<(&'static str, String)>,
) -> (TestApp, TcpProxy) {
    let db = TestDb::new(Backend::Postgres).await;
    let target = db
        .url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(_, rest)| rest.split_once('/'))
        .map(|(host, _)| host.to_owned())
        .expect("postgres url has a host");
    let proxy = TcpProxy::start(target.clone()).await;
    let url = db.url.replace(&target, &proxy.addr.to_string());
    let mut env = vec![("HERALD_DATABASE_URL", url)];
    env.extend(extra_env);
    (TestApp::spawn_on(emulator, db, env).await, proxy)
}

async fn status_of(app: &TestApp, path: &str) -> (u16, serde_json::Value, Duration) {
    let started = Instant::now();
    let response = app
        .client
        .get(format!("{}{path}", app.api))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap(), started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_the_database() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let (app, proxy) = app_behind_proxy(emulator, Vec::new()).await;
    app.eventually("ready", || async {
        status_of(&app, "/api/ready").await.0 == 200
    })
    .await;
    let (_, body, _) = status_of(&app, "/api/ready").await;
    assert_eq!(body["migrations"], "current");
    assert_eq!(body["telegram"], "ok");

    proxy.cut();
    let (status, body, took) = status_of(&app, "/api/ready").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["database"], "unavailable");
    // The database check has a one-second budget; a hung probe would be killed, not answered.
    assert!(took < Duration::from_secs(3), "readiness took {took:?}");
    let (status, body, _) = status_of(&app, "/api/health").await;
    assert_eq!(status, 200, "liveness must not fail on a database outage");
    assert_eq!(body["status"], "degraded");

    proxy.restore();
    app.eventually("ready again without a restart", || async {
        status_of(&app, "/api/ready").await.0 == 200
    })
    .await;
    // Work resumes too: the API writes again.
    let (status, _) = app.post_signal(&crate::harness::app::buy_signal()).await;
    assert_eq!(status, 202);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_while_shutting_down() {
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        crate::harness::app::Options {
            env: vec![("HERALD_SHUTDOWN_DELAY", "3s".to_owned())],
            ..Default::default()
        },
    )
    .await;
    app.eventually("ready", || async {
        status_of(&app, "/api/ready").await.0 == 200
    })
    .await;
    let api = app.api.clone();
    let client = app.client.clone();
    let stopping = tokio::spawn(app.stop());
    // During the shutdown delay the server still answers, and says it is draining.
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut saw_draining = false;
    while Instant::now() < deadline && !saw_draining {
        if let Ok(response) = client.get(format!("{api}/api/ready")).send().await {
            let status = response.status();
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            saw_draining = status == 503 && body["status"] == "draining";
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(saw_draining, "readiness never reported draining");
    stopping.await.unwrap();
}

/// While PostgreSQL is unreachable the signal engine is told to send the same signal again later
/// (503 with `Retry-After`, not a 500), and that retry is accepted once the database is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_asks_the_engine_to_retry() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let (app, proxy) = app_behind_proxy(emulator, Vec::new()).await;
    let signal = crate::harness::app::buy_signal();
    proxy.cut();
    let response = app
        .client
        .post(format!("{}/api/signals", app.api))
        .header("content-type", "application/json")
        .header("X-API-Key", crate::harness::app::API_KEY)
        .body(signal.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    let retry_after = response.headers().get("retry-after").cloned();
    assert_eq!(
        retry_after.as_ref().and_then(|v| v.to_str().ok()),
        Some("5")
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");

    proxy.restore();
    app.eventually("the retried signal is accepted", || async {
        app.post_signal(&signal).await.0 == 202
    })
    .await;
    app.stop().await;
}
