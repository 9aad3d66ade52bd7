//! CSV exports as an analyst's tool reads them: RFC 4180, a header line, formulas neutralised,
//! time windows, and only for admins and keys with the `stats` scope.

use chrono::Utc;
use herald::store::Backend;
use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::harness::app::{TestApp, buy_signal};
use crate::harness::security::{admin_token, bearer, spawn_secure};

async fn get(app: &TestApp, path: &str, header: (&str, &str)) -> (StatusCode, String, String) {
    let response = app
        .client
        .get(format!("{}{path}", app.api))
        .header(header.0, header.1)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, response.text().await.unwrap())
}

fn records(text: &str) -> Vec<csv::StringRecord> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect()
}

async fn exports(backend: Backend) {
    let app = spawn_secure(backend, &[]).await;
    app.subscribed_user("Eva", "en").await;
    let stats = herald::cli::security::create_api_key(&app.store, "sheet", "stats")
        .await
        .unwrap()
        .key;
    let mut risky = buy_signal();
    risky["market_context"] = json!("=HYPERLINK(\"http://x\",\"click\"), \"quoted\"");
    let (status, first) = app.post_signal(&risky).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let mut second = buy_signal();
    second["asset"] = json!("ETH/USD");
    second["entry_price"] = json!(3000.5);
    second["target_price"] = json!(3100);
    second["stop_loss"] = json!(2900);
    app.post_signal(&second).await;
    app.drain().await;

    let key = ("x-api-key", stats.as_str());
    let (status, kind, text) = get(&app, "/api/export/signals.csv", key).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(kind.starts_with("text/csv"), "{kind}");
    assert!(text.contains("\r\n"), "CRLF line ends");
    let rows = records(&text);
    assert_eq!(rows.len(), 3, "{text}");
    assert_eq!(&rows[0][0], "id");
    assert_eq!(&rows[1][0], first["id"].as_str().unwrap());
    let context = rows[0].iter().position(|h| h == "market_context").unwrap();
    assert_eq!(
        &rows[1][context],
        "'=HYPERLINK(\"http://x\",\"click\"), \"quoted\""
    );
    let entry = rows[0].iter().position(|h| h == "entry_price").unwrap();
    assert_eq!((&rows[1][entry], &rows[2][entry]), ("45250", "3000.5"));

    let (status, _, text) = get(&app, "/api/export/deliveries.csv", key).await;
    assert_eq!(status, StatusCode::OK);
    let rows = records(&text);
    assert_eq!(rows.len(), 3, "{text}");
    assert!(
        !rows[0].iter().any(|h| h == "chat_id"),
        "no Telegram ids in exports"
    );
    let status_at = rows[0].iter().position(|h| h == "status").unwrap();
    assert_eq!(&rows[1][status_at], "sent");

    // Windows: nothing before the first signal; an empty window is refused.
    let (_, _, text) = get(
        &app,
        "/api/export/signals.csv?until=2000-01-01T00:00:00Z",
        key,
    )
    .await;
    assert_eq!(records(&text).len(), 1, "header only: {text}");
    let (status, _, _) = get(
        &app,
        "/api/export/signals.csv?since=2030-01-01T00:00:00Z&until=2029-01-01T00:00:00Z",
        key,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Admins too; a signals-only key and no credential are refused.
    let token = bearer(&admin_token(&app, "analyst").await);
    let engine = herald::cli::security::create_api_key(&app.store, "engine", "signals")
        .await
        .unwrap()
        .key;
    for table in ["signals", "deliveries", "outcomes", "payments"] {
        let path = format!("/api/export/{table}.csv");
        let (status, _, text) = get(&app, &path, ("authorization", &token)).await;
        assert_eq!(status, StatusCode::OK, "{table}: {text}");
        assert!(!records(&text).is_empty());
        let (status, _, _) = get(&app, &path, ("x-api-key", &engine)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{table}");
        let (status, _, _) = get(&app, &path, ("x-none", "")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{table}");
    }
    app.stop().await;
}
both_backends!(exports_are_csv_an_analyst_can_open, exports);

/// Page boundaries: thousands of rows, and thousands with the same time (ties broken by id),
/// each exported exactly once, in order.
async fn paged(backend: Backend) {
    let db = crate::harness::db::TestDb::new(backend).await;
    let store = db.store().await;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let at = 1_800_000_000_000_i64;
    let mut ids = Vec::new();
    for _ in 0..5 {
        let mut sql = String::from(
            "INSERT INTO signals (id, kind, asset, confidence, generated_at, accepted_at, body, request, recipients) VALUES ",
        );
        for i in 0..1000 {
            let mut signal = herald::domain::signal::parse_signal(
                buy_signal().to_string().as_bytes(),
                uuid::Uuid::now_v7(),
                Utc::now(),
            )
            .unwrap()
            .signal;
            signal.id = uuid::Uuid::now_v7();
            ids.push(signal.id.to_string());
            let body = serde_json::to_string(&signal).unwrap().replace('\'', "''");
            let sep = if i == 0 { "" } else { "," };
            // 5,000 signals at one instant: only the id orders them.
            sql.push_str(&format!(
                "{sep}('{}', 'buy', 'BTC/USD', 85, {at}, {at}, '{body}', '{{}}', 0)",
                signal.id
            ));
        }
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .unwrap();
    }
    let (sender, mut received) = tokio::sync::mpsc::channel(64);
    let exporter = store.clone();
    tokio::spawn(async move {
        exporter
            .export(herald::store::ExportTable::Signals, None, None, sender)
            .await
    });
    let mut exported = Vec::new();
    while let Some(row) = received.recv().await {
        match &row.unwrap()[0] {
            herald::store::Cell::Plain(id) => exported.push(id.clone()),
            other => panic!("{other:?}"),
        }
    }
    ids.sort();
    assert_eq!(exported.len(), 5000);
    assert_eq!(
        exported, ids,
        "every signal once, ordered by id within the instant"
    );
}
both_backends!(pages_cover_every_row_once, paged);
