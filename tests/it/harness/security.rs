//! Shared by the security tests: an app with the admin API on, admins, keys and raw requests.

use chrono::Utc;
use herald::auth::jwt::{Claims, JwtKeys};
use herald::store::Backend;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::harness::app::{ENCRYPTION_KEY, Options, TestApp};

pub const JWT_SECRET: &str = "test-jwt-secret-0123456789abcdef-0123456789";

/// The whole app with `HERALD_JWT_SECRET` and, on both backends, `HERALD_ENCRYPTION_KEY`.
pub async fn spawn_secure(backend: Backend, env: &[(&'static str, &str)]) -> TestApp {
    let mut all = vec![
        ("HERALD_JWT_SECRET", JWT_SECRET.to_owned()),
        ("HERALD_ENCRYPTION_KEY", ENCRYPTION_KEY.to_owned()),
    ];
    all.extend(env.iter().map(|(name, value)| (*name, (*value).to_owned())));
    TestApp::spawn_with(
        backend,
        Options {
            env: all,
            ..Options::default()
        },
    )
    .await
}

/// An admin named `name` in the app's store (made if there is none), and a token signed with the app's secret as a
/// login would issue it.
pub async fn admin_token(app: &TestApp, name: &str) -> String {
    let (id, generation) = match app.store.admin_by_name(name).await.unwrap() {
        Some(admin) => (admin.id, admin.token_generation),
        None => {
            let id = app
                .store
                .create_admin(name, "not-a-password-hash", "JBSWY3DPEHPK3PXP", Utc::now())
                .await
                .unwrap();
            (id, 0)
        }
    };
    JwtKeys::new(JWT_SECRET.as_bytes())
        .issue(id, name, generation, Utc::now())
        .unwrap()
        .0
}

pub fn token_with(claims: &Claims, secret: &str) -> String {
    JwtKeys::new(secret.as_bytes()).sign(claims).unwrap()
}

pub async fn login(app: &TestApp, name: &str, password: &str, totp: &str) -> (StatusCode, Value) {
    login_with(app, &[], name, password, totp).await
}

/// A login as if from `address`: the app must trust 127.0.0.1 as a proxy
/// (`HERALD_TRUSTED_PROXIES`) for the forwarded address to count.
pub async fn login_from(
    app: &TestApp,
    address: &str,
    name: &str,
    password: &str,
    totp: &str,
) -> (StatusCode, Value) {
    login_with(app, &[("x-forwarded-for", address)], name, password, totp).await
}

async fn login_with(
    app: &TestApp,
    headers: &[(&str, &str)],
    name: &str,
    password: &str,
    totp: &str,
) -> (StatusCode, Value) {
    let body = serde_json::json!({ "name": name, "password": password, "totp": totp });
    let body = Some(body.to_string().into_bytes());
    let (status, _, body) = send(app, Method::POST, "/api/auth/login", headers, body).await;
    (status, body)
}

pub fn unix_now() -> u64 {
    u64::try_from(Utc::now().timestamp()).unwrap()
}

/// One request with the given headers and raw body; the answer's status, headers and JSON.
pub async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> (StatusCode, HeaderMap, Value) {
    let mut request = app.client.request(method, format!("{}{path}", app.api));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, headers, json)
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// A pool of our own on the test's database, for looking at raw rows.
pub async fn raw_pool(app: &TestApp) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&app.db.url)
        .await
        .unwrap()
}

/// `SELECT COUNT(*) FROM …` (test-chosen SQL only).
pub async fn count(app: &TestApp, sql: &'static str) -> i64 {
    let pool = raw_pool(app).await;
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    n
}

/// Sends a body of `size` bytes over a raw connection and returns the answer's status. A server
/// may answer 413 before reading the body and close the connection, which ordinary clients
/// report as a broken pipe; here writing stops at the first error and the answer is still read.
pub async fn send_oversized(
    app: &TestApp,
    method: &str,
    path: &str,
    auth: Option<&str>,
    size: usize,
) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.api.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {size}\r\nx-api-key: {}\r\n",
        crate::harness::app::API_KEY
    );
    if let Some(auth) = auth {
        head.push_str(&format!("authorization: {auth}\r\n"));
    }
    head.push_str("\r\n");
    let writer_task = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        writer.write_all(b"{\"notes\":[\"").await?;
        let chunk = vec![b'a'; 64 * 1024];
        let mut left = size.saturating_sub(11);
        while left > 0 {
            let n = left.min(chunk.len());
            writer.write_all(&chunk[..n]).await?;
            left -= n;
        }
        Ok::<_, std::io::Error>(())
    });
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = reader.read(&mut buffer).await.unwrap();
        assert!(n > 0, "connection closed without an answer");
        answer.extend_from_slice(&buffer[..n]);
    }
    writer_task.abort();
    let status_line = String::from_utf8_lossy(&answer);
    status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap()
}
