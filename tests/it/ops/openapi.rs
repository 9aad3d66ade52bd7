//! `/api/openapi.json` documents exactly the routes the router serves: paths are read from the
//! route table the router is built from (`http::routes()`), methods from what a live app answers
//! (`405` + `Allow`). And what the routes answer is what the document says: every answer of a
//! walk through the whole API is checked against the status and schema documented for it.

use std::collections::BTreeSet;

use herald::http::openapi::path_parameters;
use herald::store::Backend;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::app::{API_KEY, TestApp, buy_signal};
use crate::harness::security::{admin_token, bearer, send, spawn_secure, unix_now};

/// Route templates the router is built from (the route table; see `http::routes`).
fn router_paths() -> BTreeSet<String> {
    herald::http::routes()
        .iter()
        .map(|route| route.path.to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_matches_the_real_routes() {
    let paths = router_paths();
    assert!(
        paths.len() >= 5,
        "could not read the router paths: {paths:?}"
    );
    let app = TestApp::spawn(Backend::Sqlite).await;

    let mut served = BTreeSet::new();
    for path in &paths {
        let mut concrete = path.clone();
        for name in path_parameters(path) {
            concrete = concrete.replace(
                &format!("{{{name}}}"),
                "00000000-0000-0000-0000-000000000000",
            );
        }
        let response = app
            .client
            .request(
                reqwest::Method::from_bytes(b"PROPFIND").unwrap(),
                format!("{}{concrete}", app.api),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405, "{path}");
        let allow = response.headers()["allow"].to_str().unwrap().to_owned();
        for method in allow.split(',').map(str::trim) {
            // axum answers HEAD for every GET by itself.
            if method != "HEAD" {
                served.insert((method.to_ascii_lowercase(), path.clone()));
            }
        }
    }
    let (status, doc) = app.get("/api/openapi.json", None).await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    let documented = operations(&doc);
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let phantom: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty() && phantom.is_empty(),
        "undocumented: {undocumented:?}; no such route: {phantom:?}"
    );
    for (method, path) in &documented {
        let operation = &doc["paths"][path][method];
        assert!(operation["summary"].is_string(), "{method} {path}");
        assert!(operation["responses"].is_object(), "{method} {path}");
    }
    app.stop().await;
}

/// Every (method, path) the document describes.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, methods) in doc["paths"].as_object().into_iter().flatten() {
        for method in methods.as_object().into_iter().flatten().map(|(m, _)| m) {
            operations.insert((method.clone(), path.clone()));
        }
    }
    operations
}

/// Checks `value` against `schema`, as far as the document's schemas go: `$ref`, `type`,
/// `const`, `enum`, `required`, `properties`, `additionalProperties` and `items`.
fn check(doc: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        let target = &doc["components"]["schemas"][name];
        assert!(target.is_object(), "no schema {name}");
        return check(doc, target, value, at, problems);
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let type_ok = |name: &str| match name {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        _ => false,
    };
    if !types.is_empty() && !types.iter().any(|name| type_ok(name)) {
        problems.push(format!("{at}: {value} is not {types:?}"));
    }
    if let Some(constant) = schema.get("const")
        && constant != value
    {
        problems.push(format!("{at}: {value} is not {constant}"));
    }
    if let Some(choices) = schema["enum"].as_array()
        && !choices.contains(value)
    {
        problems.push(format!("{at}: {value} is not one of {choices:?}"));
    }
    if let Some(object) = value.as_object() {
        for name in schema["required"].as_array().into_iter().flatten() {
            if let Some(name) = name.as_str()
                && !object.contains_key(name)
            {
                problems.push(format!("{at}: no {name}"));
            }
        }
        for (name, field) in object {
            let at = format!("{at}.{name}");
            match (&schema["properties"][name], &schema["additionalProperties"]) {
                (Value::Null, Value::Bool(false)) => {
                    problems.push(format!("{at}: not in the schema"));
                }
                (Value::Null, Value::Object(_)) => {
                    check(doc, &schema["additionalProperties"], field, &at, problems);
                }
                (Value::Null, _) => {}
                (property, _) => check(doc, property, field, &at, problems),
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (index, item) in array.iter().enumerate() {
            check(doc, items, item, &format!("{at}[{index}]"), problems);
        }
    }
}

/// A walk through the API that checks every answer against the document.
struct Walk<'a> {
    app: &'a TestApp,
    doc: Value,
    /// The operations answered so far.
    checked: BTreeSet<(String, String)>,
    problems: Vec<String>,
}

impl Walk<'_> {
    /// Sends a request to `path` (a concrete `template`) with `headers`, checks the answer
    /// against the status and schema the document gives it, and returns the body.
    async fn call(
        &mut self,
        method: Method,
        template: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Value {
        let body = body.map(|body| body.to_string().into_bytes());
        let (status, _, answer) = send(self.app, method.clone(), path, headers, body).await;
        let method = method.as_str().to_ascii_lowercase();
        let at = format!("{method} {path} {status}");
        let documented = &self.doc["paths"][template][&method]["responses"][status.as_str()];
        match &documented["content"]["application/json"]["schema"] {
            _ if !documented.is_object() => {
                self.problems
                    .push(format!("{at}: status not documented; answered {answer}"));
            }
            Value::Null if answer != Value::String(String::new()) => {
                self.problems.push(format!(
                    "{at}: documented without a body, answered {answer}"
                ));
            }
            Value::Null => {}
            schema => check(&self.doc, schema, &answer, &at, &mut self.problems),
        }
        self.checked.insert((method, template.to_owned()));
        answer
    }
}

/// Every JSON route called at least once, each answer checked against the schema of its
/// status; a route the walk misses fails the test too.
async fn answers_match_the_document(backend: Backend) {
    let app = spawn_secure(backend, &[("HERALD_PUBLIC_URL", "http://127.0.0.1:9")]).await;
    let chat = app.subscribed_user("Ada", "en").await;
    let (_, doc) = app.get("/api/openapi.json", None).await;
    let mut walk = Walk {
        app: &app,
        doc,
        checked: BTreeSet::new(),
        problems: Vec::new(),
    };
    let key = [("x-api-key", API_KEY)];
    let token = bearer(&admin_token(&app, "walker").await);
    let admin = [("authorization", token.as_str())];

    let mut signal = buy_signal();
    signal["id"] = json!(uuid::Uuid::new_v4());
    let id = signal["id"].as_str().unwrap_or_default().to_owned();
    for _ in 0..2 {
        // 202, then 200 for the repeat.
        walk.call(
            Method::POST,
            "/api/signals",
            "/api/signals",
            &key,
            Some(signal.clone()),
        )
        .await;
    }
    let refused = json!({"type": "buy"});
    walk.call(
        Method::POST,
        "/api/signals",
        "/api/signals",
        &key,
        Some(refused),
    )
    .await;
    walk.call(
        Method::GET,
        "/api/signals",
        "/api/signals?limit=1",
        &key,
        None,
    )
    .await;
    let path = format!("/api/signals/{id}");
    walk.call(Method::GET, "/api/signals/{id}", &path, &admin, None)
        .await;
    let report = json!({"exit_price": 46000, "reason": "manual exit"});
    let path = format!("/api/signals/{id}/outcome");
    walk.call(
        Method::POST,
        "/api/signals/{id}/outcome",
        &path,
        &key,
        Some(report),
    )
    .await;
    let prices = json!([{"asset": "ETH/USD", "price": 3000}]);
    walk.call(
        Method::POST,
        "/api/prices",
        "/api/prices",
        &key,
        Some(prices),
    )
    .await;
    let path = "/api/performance?period=all";
    walk.call(Method::GET, "/api/performance", path, &key, None)
        .await;
    walk.call(Method::GET, "/api/stats", "/api/stats", &key, None)
        .await;
    walk.call(Method::GET, "/api/health", "/api/health", &[], None)
        .await;
    walk.call(Method::GET, "/api/ready", "/api/ready", &[], None)
        .await;

    let account = herald::cli::security::create_admin(&app.store, "ops")
        .await
        .unwrap();
    let code = herald::auth::totp::current_code(&account.totp_secret, unix_now()).unwrap();
    for password in [account.password.as_str(), "wrong"] {
        // 200 with a token, then 401.
        let form = json!({"name": "ops", "password": password, "totp": code});
        walk.call(
            Method::POST,
            "/api/auth/login",
            "/api/auth/login",
            &[],
            Some(form),
        )
        .await;
    }

    let user = app
        .store
        .user_by_telegram_id(chat)
        .await
        .unwrap()
        .unwrap()
        .id;
    let one = format!("/api/users/{user}");
    let changes = [
        (
            Method::PUT,
            "/preferences",
            Some(json!({"format": "compact"})),
        ),
        (Method::PUT, "/tier", Some(json!({"tier": "premium"}))),
        (Method::DELETE, "/tier", None),
        (Method::POST, "/deactivate", None),
        (Method::POST, "/activate", None),
    ];
    walk.call(Method::GET, "/api/users", "/api/users", &admin, None)
        .await;
    walk.call(Method::GET, "/api/users/{id}", &one, &admin, None)
        .await;
    for (method, tail, body) in changes {
        let template = format!("/api/users/{{id}}{tail}");
        let path = format!("{one}{tail}");
        walk.call(method, &template, &path, &admin, body).await;
    }
    walk.call(Method::GET, "/api/audit", "/api/audit", &admin, None)
        .await;
    walk.call(Method::GET, "/api/payments", "/api/payments", &admin, None)
        .await;
    let hook = json!({"url": "https://hooks.example.com/herald", "events": ["signal.created"]});
    let created = walk
        .call(
            Method::POST,
            "/api/webhooks",
            "/api/webhooks",
            &admin,
            Some(hook),
        )
        .await;
    walk.call(
        Method::POST,
        "/api/webhooks",
        "/api/webhooks",
        &admin,
        Some(json!({"url": "ftp://x", "events": []})),
    )
    .await;
    walk.call(Method::GET, "/api/webhooks", "/api/webhooks", &admin, None)
        .await;
    let hook_path = format!(
        "/api/webhooks/{}",
        created["id"].as_str().unwrap_or_default()
    );
    for _ in 0..2 {
        // 204, then 404.
        walk.call(
            Method::DELETE,
            "/api/webhooks/{id}",
            &hook_path,
            &admin,
            None,
        )
        .await;
    }
    let ada = app.emulator.create_user("Ada", None, Some("en"));
    let launch = telegram_emulator::sign_init_data(
        &app.emulator.token(),
        &telegram_emulator::TgUser { id: chat, ..ada },
        chrono::Utc::now().timestamp(),
        "AAEwalk",
        &[],
    );
    let tma = format!("tma {launch}");
    let user = [("authorization", tma.as_str())];
    walk.call(Method::GET, "/app/api/me", "/app/api/me", &user, None)
        .await;
    for change in [
        json!({"format": "compact"}),
        json!({"timezone": "Mars/Olympus"}),
    ] {
        walk.call(
            Method::PUT,
            "/app/api/preferences",
            "/app/api/preferences",
            &user,
            Some(change),
        )
        .await;
    }
    // No plans on sale here: 422 on `plan`.
    walk.call(
        Method::POST,
        "/app/api/invoice",
        "/app/api/invoice",
        &user,
        Some(json!({"plan": "premium_monthly"})),
    )
    .await;
    // No such charge: 404 with the error body.
    walk.call(
        Method::POST,
        "/api/payments/{charge_id}/refund",
        "/api/payments/nope/refund",
        &admin,
        None,
    )
    .await;
    // 204, then 404 with the error body.
    walk.call(Method::DELETE, "/api/users/{id}", &one, &admin, None)
        .await;
    walk.call(Method::GET, "/api/users/{id}", &one, &admin, None)
        .await;
    // Last: it ends the token's session.
    walk.call(
        Method::POST,
        "/api/auth/logout",
        "/api/auth/logout",
        &admin,
        None,
    )
    .await;

    // Not JSON: this document, and the CSV exports (tested in `ops::exports`).
    let not_json = [
        "/api/openapi.json",
        "/api/export/signals.csv",
        "/api/export/deliveries.csv",
        "/api/export/outcomes.csv",
        "/api/export/payments.csv",
    ];
    let missed: Vec<_> = operations(&walk.doc)
        .into_iter()
        .filter(|(_, path)| !not_json.contains(&path.as_str()))
        .filter(|operation| !walk.checked.contains(operation))
        .collect();
    assert!(missed.is_empty(), "the walk missed {missed:?}");
    assert!(walk.problems.is_empty(), "{}", walk.problems.join("\n"));
    app.stop().await;
}
both_backends!(every_answer_matches_its_schema, answers_match_the_document);
