//! Every console page as an admin uses it, without a browser: what it shows, and that each change
//! it offers goes through the same use case as the API (rows, audit, what the bot then does).

use herald::store::{AuditQuery, Backend};
use reqwest::StatusCode;

use crate::both_backends;
use crate::harness::app::buy_signal;
use crate::harness::console::{field_value, logged_in};
use crate::harness::security::spawn_secure;

async fn users_and_signals(backend: Backend) {
    let app = spawn_secure(backend, &[]).await;
    let console = logged_in(&app, "alice").await;
    let chat = app.subscribed_user("Greta", "en").await;
    let user = app.store.user_by_telegram_id(chat).await.unwrap().unwrap();
    let (status, accepted) = app.post_signal(&buy_signal()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
    let signal_id = accepted["id"].as_str().unwrap().to_owned();
    app.wait_for(chat, 4).await;

    let list = console.get("/console/signals?asset=btc/usd&type=buy").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains(&format!("/console/signals/{signal_id}")),
        "{}",
        list.body
    );
    let none = console.get("/console/signals?asset=ETH/USD").await;
    assert!(!none.body.contains(&signal_id));
    let bad = console
        .get("/console/signals?type=hold&since=yesterday")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("type: buy, sell, close or alert"),
        "{}",
        bad.body
    );

    app.eventually("the delivery to be recorded", || async {
        let page = console_progress(&console, &signal_id).await;
        page.contains("data-done=\"true\"") && page.contains("1 of 1 sent")
    })
    .await;
    // The list counts each signal's deliveries sent of all (skipped ones included).
    let list = console.get("/console/signals").await;
    assert!(list.body.contains("1 / 1"), "{}", list.body);
    let detail = console.get(&format!("/console/signals/{signal_id}")).await;
    assert!(
        detail.body.contains("lstm-v3") && detail.body.contains("45250"),
        "{}",
        detail.body
    );
    assert_eq!(
        console.get("/console/signals/not-an-id").await.status,
        StatusCode::NOT_FOUND
    );

    // Search, then grant premium until a date through the form: the bot sees it at once.
    let found = console.get("/console/users?q=greta").await;
    assert!(
        found.body.contains(&format!("/console/users/{}", user.id)),
        "{}",
        found.body
    );
    let page = console.get(&format!("/console/users/{}", user.id)).await;
    let csrf = page.csrf();
    let until = (chrono::Utc::now() + chrono::Duration::days(10))
        .format("%Y-%m-%d")
        .to_string();
    let granted = console
        .post(
            &format!("/console/users/{}/tier", user.id),
            &[("csrf", &csrf), ("tier", "premium"), ("until", &until)],
        )
        .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER, "{}", granted.body);
    let subscription = app.store.subscription(user.id).await.unwrap();
    assert_eq!(subscription.tier.as_str(), "premium");
    assert_eq!(
        subscription
            .expires_at
            .unwrap()
            .format("%Y-%m-%d")
            .to_string(),
        until
    );
    let page = console
        .get(&format!("/console/users/{}?done=granted", user.id))
        .await;
    assert!(page.body.contains("The tier was granted"), "{}", page.body);
    let audit = app
        .store
        .list_audit(&AuditQuery {
            action: Some("admin.user.tier.grant".into()),
            limit: 5,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor_name.as_deref(), Some("alice"));
    let log = console
        .get("/console/audit?action=admin.user.tier.grant")
        .await;
    assert!(log.body.contains("admin.user.tier.grant") && log.body.contains("alice"));
    // A date in the past is refused, naming the field, and changes nothing.
    let refused = console
        .post(
            &format!("/console/users/{}/tier", user.id),
            &[
                ("csrf", &csrf),
                ("tier", "premium"),
                ("until", "2020-01-01"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("expires_at"), "{}", refused.body);
    let revoked = console
        .post(
            &format!("/console/users/{}/tier/revoke", user.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.store.subscription(user.id).await.unwrap().tier.as_str(),
        "free"
    );

    // Erasure asks for the Telegram id first; a wrong one erases nothing.
    let confirm = console
        .get(&format!("/console/users/{}/erase", user.id))
        .await;
    assert!(confirm.body.contains(&chat.to_string()));
    let wrong = console
        .post(
            &format!("/console/users/{}/erase", user.id),
            &[("csrf", &csrf), ("confirm", "42")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.store.user_by_id(user.id).await.unwrap().is_some());
    let erased = console
        .post(
            &format!("/console/users/{}/erase", user.id),
            &[("csrf", &csrf), ("confirm", &chat.to_string())],
        )
        .await;
    assert_eq!(erased.status, StatusCode::SEE_OTHER);
    assert!(app.store.user_by_id(user.id).await.unwrap().is_none());
    app.stop().await;
}
both_backends!(console_users_and_signals, users_and_signals);

async fn console_progress(console: &crate::harness::console::Console, signal_id: &str) -> String {
    console
        .get(&format!("/console/signals/{signal_id}/progress"))
        .await
        .body
}

async fn keys_webhooks_exports(backend: Backend) {
    let app = spawn_secure(backend, &[]).await;
    let console = logged_in(&app, "alice").await;
    let page = console.get("/console/keys").await;
    let csrf = page.csrf();
    let created = console
        .post(
            "/console/keys",
            &[
                ("csrf", &csrf),
                ("name", "engine-2"),
                ("scope", "signals"),
                ("scope", "stats"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let start = created.body.find("hk_").expect("the new key is shown");
    let key: String = created.body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    assert!(key.len() > 60, "{key}");
    // Shown once: the list shows its id, never the key again.
    let listed = console.get("/console/keys").await;
    assert!(!listed.body.contains(&key));
    let id = key.split('_').nth(1).unwrap().to_owned();
    assert!(listed.body.contains(&id));
    let (status, _) = app
        .post_raw("/api/signals", Some(&key), buy_signal().to_string())
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let revoked = console
        .post(&format!("/console/keys/{id}/revoke"), &[("csrf", &csrf)])
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let (status, _) = app
        .post_raw("/api/signals", Some(&key), buy_signal().to_string())
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let nameless = console
        .post(
            "/console/keys",
            &[("csrf", &csrf), ("name", " "), ("scope", "signals")],
        )
        .await;
    assert_eq!(nameless.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A receiver: its secret once, then listed without it; the API sees the same one.
    let created = console
        .post(
            "/console/webhooks",
            &[
                ("csrf", &csrf),
                ("url", "http://127.0.0.1:9/hook"),
                ("event", "signal.created"),
                ("event", "payment.succeeded"),
                ("description", "warehouse"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert!(created.body.contains("whsec_"));
    let endpoints = app.store.webhook_endpoints().await.unwrap();
    assert_eq!(endpoints.len(), 1);
    assert_eq!(endpoints[0].events, ["payment.succeeded", "signal.created"]);
    let plain_http = console
        .post(
            "/console/webhooks",
            &[
                ("csrf", &csrf),
                ("url", "http://example.com/hook"),
                ("event", "signal.created"),
            ],
        )
        .await;
    assert_eq!(plain_http.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(plain_http.body.contains("url:"), "{}", plain_http.body);
    let deleted = console
        .post(
            &format!("/console/webhooks/{}/delete", endpoints[0].id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert!(app.store.webhook_endpoints().await.unwrap().is_empty());

    // The download buttons: the API's CSV, with the session for credential.
    let csv = console.get("/console/export/signals.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert_eq!(csv.body.lines().count(), 2, "{}", csv.body);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let window = console
        .get(&format!(
            "/console/export/signals.csv?since={today}&until={today}"
        ))
        .await;
    assert_eq!(window.body.lines().count(), 2, "{}", window.body);
    let before = console
        .get("/console/export/signals.csv?until=2020-01-01")
        .await;
    assert_eq!(before.body.lines().count(), 1, "{}", before.body);
    assert_eq!(
        console.get("/console/export/secrets.csv").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        console
            .get("/console/export/signals.csv?since=soon")
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Every page answers, in Spanish once chosen; the switch only goes back into the console.
    let switch = console
        .get("/console/lang?to=es&back=%2Fconsole%2Fpayments")
        .await;
    assert_eq!(switch.location(), Some("/console/payments"));
    for (path, text) in [
        ("/console", "Panel"),
        ("/console/signals", "Señales"),
        ("/console/users", "Usuarios"),
        ("/console/performance", "Rendimiento"),
        ("/console/payments", "Pagos"),
        ("/console/keys", "Claves de API"),
        ("/console/webhooks", "Receptores"),
        ("/console/audit", "Auditoría"),
    ] {
        let page = console.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.body.contains(text), "{path}: {}", page.body);
        assert!(page.body.contains("lang=\"es\""), "{path}");
        assert!(
            field_value(&page.body, "csrf").is_some(),
            "{path}: no logout form"
        );
    }
    let png = console
        .get("/console/performance/equity.png?period=all")
        .await;
    assert_eq!(png.status, StatusCode::OK);
    assert_eq!(png.headers["content-type"], "image/png");
    let away = console
        .get("/console/lang?to=en&back=https%3A%2F%2Fevil.example")
        .await;
    assert_eq!(away.location(), Some("/console"));
    app.stop().await;
}
both_backends!(console_keys_webhooks_exports, keys_webhooks_exports);
