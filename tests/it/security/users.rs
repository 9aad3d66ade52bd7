//! The admin API over users: listing and searching sealed names, details, preferences with the
//! `/filter` rules, tiers, deactivation, erasure — each change in the audit trail.

use herald::store::Backend;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::app::{TestApp, buy_signal};
use crate::harness::security::{admin_token, bearer, raw_pool, send, spawn_secure};

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let token = admin_token(app, "ops").await;
    let auth = bearer(&token);
    let (status, _, answer) = send(
        app,
        method,
        path,
        &[("authorization", &auth)],
        body.map(|b| b.to_string().into_bytes()),
    )
    .await;
    (status, answer)
}

async fn user_id(app: &TestApp, telegram_id: i64) -> String {
    let (status, body) = call(
        app,
        Method::GET,
        &format!("/api/users?q={telegram_id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["users"].as_array().unwrap().len(), 1, "{body}");
    body["users"][0]["id"].as_str().unwrap().to_owned()
}

async fn list_and_search(backend: Backend) {
    let app = spawn_secure(backend, &[]).await;
    let alice = app.subscribed_user("Alicia", "en").await;
    let _bob = app.subscribed_user("Roberto", "es").await;
    let _carol = app.subscribed_user("Carolina", "en").await;

    let (status, body) = call(&app, Method::GET, "/api/users", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let names: Vec<&str> = body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["first_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Alicia", "Roberto", "Carolina"]);
    assert_eq!(body["users"][0]["username"], "alicia");
    assert_eq!(body["users"][0]["subscription"]["subscribed"], true);

    // Sealed names are still searchable: by part of a name, by @username, by Telegram id.
    for (query, expected) in [
        ("ROB", vec!["Roberto"]),
        ("@carolina", vec!["Carolina"]),
        ("li", vec!["Alicia", "Carolina"]),
        ("zzz", vec![]),
        ("%27%20OR%201%3D1%20--", vec![]),
    ] {
        let (status, body) = call(&app, Method::GET, &format!("/api/users?q={query}"), None).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        let found: Vec<&str> = body["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["first_name"].as_str().unwrap())
            .collect();
        assert_eq!(found, expected, "{query}");
    }
    assert!(user_id(&app, alice).await.len() == 36);

    // Paging: one at a time, following `next`, sees everyone once.
    let mut seen = Vec::new();
    let mut path = "/api/users?limit=1".to_owned();
    loop {
        let (_, body) = call(&app, Method::GET, &path, None).await;
        for user in body["users"].as_array().unwrap() {
            seen.push(user["first_name"].as_str().unwrap().to_owned());
        }
        match body["next"].as_str() {
            Some(next) => path = format!("/api/users?limit=1&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(seen, ["Alicia", "Roberto", "Carolina"]);

    for bad in [
        "limit=0",
        "limit=-5",
        "limit=201",
        "tier=gold",
        "cursor=nope",
        "active=maybe",
    ] {
        let (status, body) = call(&app, Method::GET, &format!("/api/users?{bad}"), None).await;
        assert!(status.is_client_error(), "{bad}: {status} {body}");
    }
    app.stop().await;
}
both_backends!(users_are_listed_and_searched, list_and_search);

async fn operator_changes_are_audited(backend: Backend) {
    let app = spawn_secure(backend, &[]).await;
    let chat = app.subscribed_user("Dana", "en").await;
    let id = user_id(&app, chat).await;

    // Preferences: the same rules as /filter; a bad field changes nothing.
    let path = format!("/api/users/{id}/preferences");
    let (status, body) = call(
        &app,
        Method::PUT,
        &path,
        Some(
            json!({"confidence_threshold": 150, "timezone": "Mars/Olympus", "assets": ["BTC/USD"]}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields = body["error"]["fields"].as_object().unwrap();
    assert!(fields.contains_key("confidence_threshold") && fields.contains_key("timezone"));
    let (_, detail) = call(&app, Method::GET, &format!("/api/users/{id}"), None).await;
    assert_eq!(detail["preferences"]["confidence_threshold"], 0);
    assert_eq!(detail["preferences"]["assets"], json!([]));

    let (status, body) = call(
        &app,
        Method::PUT,
        &path,
        Some(json!({"confidence_threshold": 80, "notification_hours": {"start": 8, "end": 22}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["preferences"]["confidence_threshold"], 80);
    let (status, body) = call(&app, Method::PUT, &path, Some(json!({}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Tiers: grant with an end date, revoke.
    let tier = format!("/api/users/{id}/tier");
    let (status, body) = call(
        &app,
        Method::PUT,
        &tier,
        Some(json!({"tier": "premium", "expires_at": "2099-01-01T00:00:00Z"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["subscription"]["tier"], "premium");
    let (status, _) = call(&app, Method::PUT, &tier, Some(json!({"tier": "gold"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = call(&app, Method::DELETE, &tier, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["subscription"]["tier"], "free");
    assert_eq!(body["subscription"]["expires_at"], Value::Null);

    // Deactivated users get no signals.
    let (status, _) = call(
        &app,
        Method::POST,
        &format!("/api/users/{id}/deactivate"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app.post_signal(&buy_signal()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["recipients"], 0);
    let (status, _) = call(
        &app,
        Method::POST,
        &format!("/api/users/{id}/activate"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // The trail: who, what, before and after; the bot's subscribe is there too.
    let (_, log) = call(
        &app,
        Method::GET,
        &format!("/api/audit?category=audit&target={id}"),
        None,
    )
    .await;
    let events = log["events"].as_array().unwrap();
    let find = |action: &str| {
        events
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("{action} missing: {log}"))
    };
    let prefs = find("admin.user.preferences");
    assert_eq!(prefs["actor_kind"], "admin");
    assert_eq!(prefs["actor_name"], "ops");
    assert_eq!(prefs["before"]["confidence_threshold"], 0);
    assert_eq!(prefs["after"]["confidence_threshold"], 80);
    assert_eq!(find("admin.user.tier.grant")["after"]["tier"], "premium");
    assert_eq!(find("admin.user.tier.revoke")["before"]["tier"], "premium");
    assert_eq!(find("admin.user.deactivate")["after"]["is_active"], false);
    assert_eq!(find("admin.user.activate")["after"]["is_active"], true);
    let subscribe = find("user.subscribe");
    assert_eq!(subscribe["actor_kind"], "user");
    assert_eq!(subscribe["actor_id"], id.as_str());
    assert_eq!(subscribe["after"]["subscribed"], true);
    // Nothing in the trail names the user.
    assert!(!log.to_string().contains("Dana"), "{log}");
    assert!(!log.to_string().contains(&chat.to_string()), "{log}");
    app.stop().await;
}
both_backends!(
    operator_changes_are_audited_with_before_and_after,
    operator_changes_are_audited
);

/// A reminder pass of the bot's own, run by the test when it wants one.
async fn remind(app: &TestApp) -> usize {
    let bot = herald::telegram::build_bot(&app.emulator.token().into(), &app.emulator.base_url())
        .unwrap();
    let limiter = herald::telegram::Limiter::new(30, std::time::Duration::ZERO, 20);
    let replies = herald::bot::Replies::new(herald::telegram::Outbound::new(bot, limiter));
    herald::bot::reminders::pass(&app.store, &replies)
        .await
        .unwrap()
}

async fn api_grants_restart_reminders(backend: Backend) {
    let app = spawn_secure(backend, &[]).await;
    let chat = app.subscribed_user("Gale", "en").await;
    let id = user_id(&app, chat).await;
    let tier = format!("/api/users/{id}/tier");
    let grant = |hours: i64| {
        let until = chrono::Utc::now() + chrono::Duration::hours(hours);
        let body = json!({"tier": "premium", "expires_at": until.to_rfc3339()});
        call(&app, Method::PUT, &tier, Some(body))
    };
    let reminder =
        |message: &telegram_emulator::ChatMessage| message.plain_text.clone().unwrap_or_default();

    // Six days left: the 7-day reminder (the app's own loop may be the one that sends it).
    let (status, body) = grant(6 * 24 - 1).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    remind(&app).await;
    let first = reminder(&app.wait_for(chat, 4).await[3]);
    assert!(first.contains("(6 days left)"), "{first}");

    // A new end date, still within the week: its own 7-day reminder, not silence.
    let (status, body) = grant(5 * 24 - 1).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    remind(&app).await;
    let second = reminder(&app.wait_for(chat, 5).await[4]);
    assert!(second.contains("(5 days left)"), "{second}");
    app.stop().await;
}
both_backends!(
    api_grants_start_premium_reminders_over,
    api_grants_restart_reminders
);

async fn erasure(backend: Backend) {
    let app = spawn_secure(backend, &[]).await;
    let erin = app.subscribed_user("Erin", "en").await;
    let frank = app.subscribed_user("Frank", "en").await;
    let (status, body) = app.post_signal(&buy_signal()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    app.wait_for(erin, 4).await;
    app.wait_for(frank, 4).await;
    app.drain().await;
    let signal = body["id"].as_str().unwrap().to_owned();
    let id = user_id(&app, erin).await;

    let (status, _) = call(&app, Method::DELETE, &format!("/api/users/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(&app, Method::GET, &format!("/api/users/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&app, Method::DELETE, &format!("/api/users/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(app.store.user_by_telegram_id(erin).await.unwrap().is_none());
    assert!(
        app.store
            .user_by_telegram_id(frank)
            .await
            .unwrap()
            .is_some()
    );

    // Deliveries stay for the statistics, with nothing pointing at the user.
    let pool = raw_pool(&app).await;
    let rows: Vec<(Option<String>, Option<i64>, String)> = sqlx::query_as(
        "SELECT user_id, chat_id, status FROM signal_deliveries WHERE signal_id = $1 ORDER BY id",
    )
    .bind(&signal)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|(_, _, status)| status == "sent"));
    assert_eq!(
        rows.iter()
            .filter(|(u, c, _)| u.is_none() && c.is_none())
            .count(),
        1
    );
    let leftovers: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM user_preferences WHERE user_id = $1) + \
         (SELECT COUNT(*) FROM user_subscriptions WHERE user_id = $1) + \
         (SELECT COUNT(*) FROM signal_deliveries WHERE user_id = $1) + \
         (SELECT COUNT(*) FROM telegram_updates WHERE chat_id = $2 AND handled_at IS NOT NULL)",
    )
    .bind(&id)
    .bind(erin)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(leftovers, 0);
    pool.close().await;
    let (_, shown) = app
        .get(
            &format!("/api/signals/{signal}"),
            Some(crate::harness::app::API_KEY),
        )
        .await;
    assert_eq!(shown["deliveries"]["sent"], 2, "{shown}");

    let (_, log) = call(
        &app,
        Method::GET,
        "/api/audit?action=admin.user.erase",
        None,
    )
    .await;
    assert_eq!(log["events"][0]["target_id"], id.as_str());
    app.stop().await;
}
both_backends!(erasing_a_user_keeps_statistics, erasure);
