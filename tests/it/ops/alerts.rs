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
