//! Hostile input at every door: injection strings, markup, oversized and malformed bodies,
//! impossible numbers. Each gets a clean 4xx, and nothing is stored or sent; markup that is valid
//! text reaches users as text, never as formatting.

use herald::store::Backend;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::app::{API_KEY, TestApp, buy_signal};
use crate::harness::security::{admin_token, bearer, count, send, send_oversized, spawn_secure};

const SQLI: &str = "'); DROP TABLE users; --";
const SCRIPT: &str = "<script>alert(1)</script>";

fn with(field: &str, value: Value) -> Vec<u8> {
    let mut signal = buy_signal();
    signal[field] = value;
    signal.to_string().into_bytes()
}

/// `{"<field>": [[[[…]]]]}`, nested `depth` deep (as deep as fits under the body limit).
fn deep_json(field: &str, depth: usize) -> Vec<u8> {
    let mut body = format!("{{\"{field}\":");
    body.push_str(&"[".repeat(depth));
    body.push_str(&"]".repeat(depth));
    body.push('}');
    body.into_bytes()
}

fn replace_number(field: &str, literal: &str) -> Vec<u8> {
    let mut signal = buy_signal();
    signal[field] = json!(123456789);
    signal
        .to_string()
        .replace("123456789", literal)
        .into_bytes()
}

/// Bodies for `POST /api/signals` that must be refused, with the status each must get.
fn bad_signals() -> Vec<(&'static str, Vec<u8>, StatusCode)> {
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let bad_request = StatusCode::BAD_REQUEST;
    let mut invalid_utf8 = buy_signal().to_string().into_bytes();
    let at = invalid_utf8
        .windows(7)
        .position(|w| w == b"lstm-v3")
        .unwrap();
    invalid_utf8[at] = 0xff;
    vec![
        (
            "sql in asset",
            with("asset", json!("BTC'; DROP TABLE signals;--")),
            unprocessable,
        ),
        ("sql in id", with("id", json!(SQLI)), unprocessable),
        ("sql in type", with("type", json!(SQLI)), unprocessable),
        (
            "sql in timeframe",
            with("timeframe", json!(SQLI)),
            unprocessable,
        ),
        (
            "script in asset",
            with("asset", json!(SCRIPT)),
            unprocessable,
        ),
        // Nesting is not followed where a string is expected: a field error, no deep recursion.
        ("deep json", deep_json("notes", 32_000), unprocessable),
        ("invalid utf-8", invalid_utf8, bad_request),
        ("NaN", replace_number("entry_price", "NaN"), bad_request),
        (
            "Infinity",
            replace_number("entry_price", "Infinity"),
            bad_request,
        ),
        (
            "-Infinity",
            replace_number("stop_loss", "-Infinity"),
            bad_request,
        ),
        (
            "NaN as text",
            with("entry_price", json!("NaN")),
            unprocessable,
        ),
        (
            "Infinity as text",
            with("entry_price", json!("Infinity")),
            unprocessable,
        ),
        (
            "overflowing exponent",
            replace_number("target_price", "1e999"),
            unprocessable,
        ),
        (
            "huge price",
            replace_number("target_price", "1e40"),
            unprocessable,
        ),
        (
            "negative price",
            with("stop_loss", json!(-44500)),
            unprocessable,
        ),
        (
            "negative confidence",
            with("confidence", json!(-5)),
            unprocessable,
        ),
        (
            "huge confidence",
            replace_number("confidence", "99999999999999999999999"),
            unprocessable,
        ),
        (
            "fractional confidence",
            with("confidence", json!(85.5)),
            unprocessable,
        ),
        (
            "too many notes",
            with("notes", json!(vec!["x"; 11])),
            unprocessable,
        ),
        (
            "long note",
            with("notes", json!(["n".repeat(201)])),
            unprocessable,
        ),
        (
            "nested note",
            with("notes", json!([{"a": SCRIPT}])),
            unprocessable,
        ),
        ("not an object", b"[1,2,3]".to_vec(), bad_request),
        ("empty body", Vec::new(), bad_request),
    ]
}

async fn hostile_signals(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = app.subscribed_user("Grace", "en").await;
    let mut failures = Vec::new();
    for (what, body, expected) in bad_signals() {
        let (status, _, answer) = send(
            &app,
            Method::POST,
            "/api/signals",
            &[("x-api-key", API_KEY)],
            Some(body),
        )
        .await;
        let clean = answer["error"]["code"].is_string();
        if status != expected || !clean {
            failures.push(format!("{what}: {status} {}", short(&answer)));
        }
    }
    let status = send_oversized(&app, "POST", "/api/signals", None, 10 * 1024 * 1024).await;
    if status != 413 {
        failures.push(format!("10 MB body: {status}"));
    }
    // A good signal labelled as anything but JSON, or not labelled at all, is refused unread.
    let signal = crate::harness::app::buy_signal().to_string();
    for label in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut request = app
            .client
            .post(format!("{}/api/signals", app.api))
            .header("x-api-key", API_KEY)
            .body(signal.clone());
        if let Some(label) = label {
            request = request.header("content-type", label);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or_default();
        if status != 415 || answer["error"]["code"] != "unsupported_media_type" {
            failures.push(format!(
                "signal labelled {label:?}: {status} {}",
                short(&answer)
            ));
        }
    }
    for query in [
        "limit=-1",
        "limit=0",
        "limit=99999999999999999999",
        "cursor=%27%20OR%201%3D1",
        "type=%3Cscript%3E",
    ] {
        let (status, _, answer) = send(
            &app,
            Method::GET,
            &format!("/api/signals?{query}"),
            &[("x-api-key", API_KEY)],
            None,
        )
        .await;
        if !status.is_client_error() {
            failures.push(format!("GET ?{query}: {status} {}", short(&answer)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM signals").await,
        0,
        "nothing stored"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM signal_deliveries").await,
        0
    );
    assert_eq!(app.emulator.messages(chat).len(), 3, "nothing sent");
    app.stop().await;
}
both_backends!(hostile_signals_are_refused, hostile_signals);

fn short(value: &Value) -> String {
    value.to_string().chars().take(200).collect()
}

async fn markup_is_text(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = app.subscribed_user("Heidi", "en").await;
    // Alerts are a premium signal type.
    let user = app.store.user_by_telegram_id(chat).await.unwrap().unwrap();
    app.store
        .set_tier(user.id, herald::domain::preferences::Tier::Premium, None)
        .await
        .unwrap();
    let mut signal = buy_signal();
    signal["source_model"] = json!(SCRIPT);
    signal["market_context"] = json!(format!("<b>bold</b> & {SQLI}"));
    signal["notes"] = json!([SCRIPT, "<a href=\"https://evil.example\">click</a>", SQLI]);
    let (status, body) = app.post_signal(&signal).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let alert = json!({"type": "alert", "asset": "ETH/USD", "confidence": 90,
        "message": format!("{SCRIPT} <i>{SQLI}</i>"), "generated_at": "2023-06-15T14:30:45Z"});
    let (status, body) = app.post_signal(&alert).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let messages = app.wait_for(chat, 5).await;
    for message in &messages[3..] {
        let shown = message.plain_text.as_deref().unwrap();
        let sent = message.text.as_deref().unwrap();
        assert!(
            shown.contains(SCRIPT),
            "the user reads the markup as text: {shown}"
        );
        assert!(!sent.contains("<script>"), "sent unescaped: {sent}");
        assert!(!sent.contains("<a href=\"https://evil"), "{sent}");
        assert!(!sent.contains("<i>'"), "{sent}");
    }
    assert!(messages[3].plain_text.as_deref().unwrap().contains(SQLI));
    // The injection strings were only text: every table is still there.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM signals").await, 2);
    app.stop().await;
}
both_backends!(markup_in_text_fields_reaches_users_as_text, markup_is_text);

async fn hostile_admin_input(backend: Backend) {
    let app = spawn_secure(backend, &[]).await;
    let chat = app.subscribed_user("Ivan", "en").await;
    let auth = bearer(&admin_token(&app, "ops").await);
    let (_, _, list) = send(
        &app,
        Method::GET,
        &format!("/api/users?q={chat}"),
        &[("authorization", &auth)],
        None,
    )
    .await;
    let id = list["users"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/users/{id}/preferences");
    let before = app.store.preferences(id.parse().unwrap()).await.unwrap();

    let mut bad_utf8 = br#"{"timezone":"Europe/Berlin"}"#.to_vec();
    bad_utf8[14] = 0xc3;
    let cases: Vec<(&str, Vec<u8>, StatusCode)> = vec![
        (
            "deep json",
            deep_json("assets", 32_000),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("invalid utf-8", bad_utf8, StatusCode::BAD_REQUEST),
        (
            "NaN",
            br#"{"confidence_threshold": NaN}"#.to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "float overflow",
            br#"{"confidence_threshold": 1e999}"#.to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "huge",
            br#"{"confidence_threshold": 99999999999999999999}"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "negative",
            br#"{"confidence_threshold": -1}"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "hours",
            br#"{"notification_hours": {"start": -3, "end": 25}}"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "sql tz",
            json!({"timezone": SQLI}).to_string().into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "script asset",
            json!({"assets": [SCRIPT]}).to_string().into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "script language",
            json!({"language": SCRIPT}).to_string().into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "sql type",
            json!({"signal_types": {SQLI: "on"}})
                .to_string()
                .into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "unknown field",
            br#"{"is_admin": true}"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    let mut failures = Vec::new();
    for (what, body, expected) in cases {
        let (status, _, answer) = send(
            &app,
            Method::PUT,
            &path,
            &[("authorization", &auth)],
            Some(body),
        )
        .await;
        if status != expected || !answer["error"]["code"].is_string() {
            failures.push(format!("{what}: {status} {}", short(&answer)));
        }
    }
    for (method, path) in [("PUT", path.as_str()), ("POST", "/api/auth/login")] {
        let status = send_oversized(&app, method, path, Some(&auth), 10 * 1024 * 1024).await;
        if status != 413 {
            failures.push(format!("10 MB to {path}: {status}"));
        }
    }
    for (what, body, expected) in [
        (
            "sql name",
            json!({"name": SQLI, "password": "x", "totp": "000000"}),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "script name",
            json!({"name": SCRIPT, "password": SQLI, "totp": SCRIPT}),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "long name",
            json!({"name": "n".repeat(65), "password": "x", "totp": "1"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "long password",
            json!({"name": "a", "password": "p".repeat(5000), "totp": "1"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "wrong types",
            json!({"name": 1, "password": [], "totp": {}}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (status, _, answer) = send(
            &app,
            Method::POST,
            "/api/auth/login",
            &[],
            Some(body.to_string().into_bytes()),
        )
        .await;
        if status != expected {
            failures.push(format!("login {what}: {status} {}", short(&answer)));
        }
    }
    for query in [
        "/api/audit?limit=-1",
        "/api/audit?cursor=-5",
        "/api/audit?since=yesterday",
        "/api/audit?category=%27%20OR%201%3D1",
    ] {
        let (status, _, answer) =
            send(&app, Method::GET, query, &[("authorization", &auth)], None).await;
        if !status.is_client_error() {
            failures.push(format!("{query}: {status} {}", short(&answer)));
        }
    }
    // Ids that are not UUIDs, down to bytes that are not text: the error body, never axum's own
    // plain-text rejection.
    for (method, path) in [
        (Method::GET, "/api/users/%FF"),
        (Method::PUT, "/api/users/%FF%FE/tier"),
        (Method::GET, "/api/users/1%27%20OR%201%3D1"),
        (Method::GET, "/api/signals/%C3"),
    ] {
        let (status, _, answer) = send(&app, method, path, &[("authorization", &auth)], None).await;
        if !status.is_client_error() || !answer["error"]["code"].is_string() {
            failures.push(format!("{path}: {status} {}", short(&answer)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let after = app.store.preferences(id.parse().unwrap()).await.unwrap();
    assert_eq!(after, before, "nothing changed");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM admins").await,
        1,
        "only the token's own admin"
    );
    assert_eq!(app.emulator.messages(chat).len(), 3, "nothing sent");
    app.stop().await;
}
both_backends!(hostile_admin_input_is_refused, hostile_admin_input);
