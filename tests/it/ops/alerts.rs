//! Alerts: a database outage reaches the admin's chat once per incident, with a recovery message,
//! however many checks run while it lasts.

use telegram_emulator::ChatMessage;

use crate::ops::health::app_behind_proxy;

/// The database alerts in the admin's chat, oldest first. Other alerts are ignored: their counts
/// are process-wide, and other tests in this process make errors and failed logins on purpose.
fn alerts(messages: &[ChatMessage]) -> Vec<String> {
    messages
        .iter()
        .filter_map(|m| m.plain_text.clone())
        .filter(|text| text.contains("database unreachable"))
        .collect()
}

async fn wait_alerts(app: &crate::harness::app::TestApp, admin: i64, count: usize) -> Vec<String> {
    app.eventually("database alerts", || async {
        alerts(&app.emulator.messages(admin)).len() >= count
    })
    .await;
    alerts(&app.emulator.messages(admin))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_alerts_the_admin_once_per_incident() {
    let emulator = telegram_emulator::Emulator::start(Default::default())
        .await
        .unwrap();
    let admin = emulator.create_user("Admin", Some("admin"), Some("en")).id;
    let (app, proxy) = app_behind_proxy(
        emulator,
        vec![
            ("HERALD_ADMIN_IDS", admin.to_string()),
            ("HERALD_ALERT_INTERVAL", "200ms".to_owned()),
            ("HERALD_ALERT_ERRORS", "1000000".to_owned()),
            ("HERALD_ALERT_LOGIN_FAILURES", "1000000".to_owned()),
        ],
    )
    .await;
    // A delivered signal shows this app leads (and so alerts) before the outage.
    let chat = app.subscribed_user("Ana", "en").await;
    let (status, _) = app.post_signal(&crate::harness::app::buy_signal()).await;
    assert_eq!(status, 202);
    app.wait_for(chat, 4).await;

    proxy.cut();
    let first = wait_alerts(&app, admin, 1).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(first[0].contains("database unreachable"), "{first:?}");

    proxy.restore();
    let second = wait_alerts(&app, admin, 2).await;
    assert_eq!(second.len(), 2, "{second:?}");
    assert!(
        second[1].starts_with("✅ Resolved: database unreachable"),
        "{second:?}"
    );

    // A second outage is a new incident: exactly one more alert, so none was repeated between.
    proxy.cut();
    let third = wait_alerts(&app, admin, 3).await;
    assert_eq!(third.len(), 3, "{third:?}");
    assert!(third[2].contains("database unreachable"));
    proxy.restore();
    let fourth = wait_alerts(&app, admin, 4).await;
    assert_eq!(fourth.len(), 4, "{fourth:?}");
}

fn auth_failures(text: &str, kind: &str) -> f64 {
    crate::harness::ops::metric(text, "herald_auth_failures_total", &[("kind", kind)])
}

/// An app whose alerts go to a new admin chat every `interval`, with the admin API on; the
/// thresholds not under test are out of reach. Returns the app and the admin's chat.
async fn alerting_app(
    interval: &str,
    extra: Vec<(&'static str, String)>,
) -> (crate::harness::app::TestApp, i64) {
    let emulator = telegram_emulator::Emulator::start(Default::default())
        .await
        .unwrap();
    let admin = emulator.create_user("Admin", Some("admin"), Some("en")).id;
    let db = crate::harness::db::TestDb::new(herald::store::Backend::Sqlite).await;
    let mut env = vec![
        ("HERALD_ADMIN_IDS", admin.to_string()),
        (
            "HERALD_JWT_SECRET",
            crate::harness::security::JWT_SECRET.to_owned(),
        ),
        ("HERALD_ALERT_INTERVAL", interval.to_owned()),
        ("HERALD_ALERT_ERRORS", "1000000".to_owned()),
    ];
    env.extend(extra);
    let app = crate::harness::app::TestApp::spawn_on(emulator, db, env).await;
    (app, admin)
}

/// Waits until an alert whose text contains `words` reaches the admin's chat.
async fn wait_alert(app: &crate::harness::app::TestApp, admin: i64, words: &str) {
    app.eventually(words, || async {
        app.emulator.messages(admin).iter().any(|m| {
            m.plain_text
                .as_deref()
                .is_some_and(|text| text.contains(words))
        })
    })
    .await;
}

/// Wrong passwords and wrong API keys are counted by kind, and a burst of them within one check
/// alerts the admin. (Counts are process-wide: other tests may add to them, never take away.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessed_credentials_are_counted_and_alert_the_admin() {
    use crate::harness::security::login;
    let threshold = ("HERALD_ALERT_LOGIN_FAILURES", "6".to_owned());
    let (app, admin) = alerting_app("2s", vec![threshold]).await;
    let before = app.metrics_text().await;
    // Fewer logins than the per-address login limit (10 a minute), so each one is checked.
    let logins = (0..8).map(|_| login(&app, "mallory", "guess", "000000"));
    for (status, _) in futures_util::future::join_all(logins).await {
        assert_eq!(status, 401);
    }
    let app_ref = &app;
    let keys = (0..10).map(|n| {
        let key = format!("guessed-key-{n:016}");
        async move { app_ref.get("/api/signals", Some(&key)).await.0 }
    });
    for status in futures_util::future::join_all(keys).await {
        assert_eq!(status, 401);
    }
    let after = app.metrics_text().await;
    assert!(auth_failures(&after, "login") - auth_failures(&before, "login") >= 8.0);
    assert!(auth_failures(&after, "api_key") - auth_failures(&before, "api_key") >= 10.0);

    // 18 failures span at most two 2 s checks, so one of them counts at least the threshold.
    wait_alert(&app, admin, "repeated failed logins").await;
    app.stop().await;
}

/// Guesses spread over many addresses (each too few to lock itself out) lock the account for
/// every address, and the admins hear of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_distributed_guess_locks_the_account_and_alerts() {
    use crate::harness::security::login_from;
    let env = vec![
        ("HERALD_TRUSTED_PROXIES", "127.0.0.1".to_owned()),
        ("HERALD_ALERT_LOGIN_FAILURES", "1000000".to_owned()),
    ];
    let (app, admin) = alerting_app("200ms", env).await;
    let account = herald::cli::security::create_admin(&app.store, "carol")
        .await
        .unwrap();
    let limit = herald::http::admin_auth::DISTRIBUTED_FAILURES;
    for n in 0..limit {
        let address = format!("203.0.113.{}", n + 1);
        let (status, _) = login_from(&app, &address, "carol", "guess", "000000").await;
        assert_eq!(status, 401);
    }
    let record = app.store.admin_by_name("carol").await.unwrap().unwrap();
    assert!(record.locked_until.is_some(), "locked for every address");
    let code = herald::auth::totp::current_code(
        &account.totp_secret,
        crate::harness::security::unix_now(),
    )
    .unwrap();
    let (status, _) = login_from(&app, "198.51.100.9", "carol", &account.password, &code).await;
    assert_eq!(status, 401, "refused from a fresh address too");

    wait_alert(&app, admin, "admin account locked").await;
    app.stop().await;
}
