//! The console in Chromium, as an operator uses it: log in with a TOTP code, watch a broadcast's
//! progress move on the signal's page without reloading it, grant premium and see the bot treat
//! the user as premium, create and revoke an API key, download a CSV. Saves a screenshot of the
//! dashboard for the docs when `HERALD_SCREENSHOTS` names a folder.

use std::time::Duration;

use fantoccini::{Client, Locator};
use herald::store::Backend;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::app::{TestApp, WAIT, buy_signal};
use crate::harness::browser::Browser;
use crate::harness::chat::text;
use crate::harness::console::admin;
use crate::harness::security::{spawn_secure, unix_now};

/// Recipients of the broadcast watched, and the send rate that makes it last a few seconds.
const AUDIENCE: usize = 10;
const RATE: &str = "2";

async fn fill(client: &Client, id: &str, value: &str) {
    let field = client.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

async fn click(client: &Client, id: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn script(client: &Client, code: &str) -> Value {
    client.execute(code, vec![]).await.unwrap()
}

/// Polls `check` on the page until it holds.
async fn until_page(client: &Client, what: &str, code: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while script(client, code).await != json!(true) {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn log_in(client: &Client, app: &TestApp) {
    let (operator, code) = admin(app, "operator").await;
    client.goto(&format!("{}/console", app.api)).await.unwrap();
    // No session: the login form.
    assert!(
        client
            .current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/console/login")
    );
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 7) % 1_000_000);
    fill(client, "name", "operator").await;
    fill(client, "password", &operator.password).await;
    fill(client, "totp", &wrong).await;
    click(client, "login").await;
    let refusal = text_of(client, "p.error").await;
    assert!(
        refusal.contains("Wrong name, password or code"),
        "{refusal}"
    );
    // The next period's code: the one refused above counted as a failure, not as used.
    let code = herald::auth::totp::current_code(&operator.totp_secret, unix_now()).unwrap();
    fill(client, "name", "operator").await;
    fill(client, "password", &operator.password).await;
    fill(client, "totp", &code).await;
    click(client, "login").await;
    until_page(
        client,
        "the dashboard",
        "return !!document.getElementById('send-rate')",
    )
    .await;
    // The session cookie is out of scripts' reach.
    let cookies = script(client, "return document.cookie").await;
    assert!(
        !cookies.as_str().unwrap_or("").contains("herald_console="),
        "{cookies}"
    );
}

async fn status_reply(app: &TestApp, chat: i64) -> String {
    let count = app.emulator.messages(chat).len();
    app.emulator.send_text(chat, chat, "/status");
    text(app.wait_for(chat, count + 1).await.last().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_in_a_real_browser() {
    let Some(browser) = Browser::desktop().await else {
        return;
    };
    let app = spawn_secure(Backend::Sqlite, &[("HERALD_GLOBAL_RATE", RATE)]).await;
    let client = &browser.client;
    let mut chats = Vec::new();
    for n in 0..AUDIENCE {
        chats.push(app.subscribed_user(&format!("Trader{n}"), "en").await);
    }
    log_in(client, &app).await;

    // A broadcast at 2 messages a second: its page counts up while it runs, without a reload.
    let (status, accepted) = app.post_signal(&buy_signal()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
    let id = accepted["id"].as_str().unwrap().to_owned();
    client
        .goto(&format!("{}/console/signals/{id}", app.api))
        .await
        .unwrap();
    script(client, "window.stayed = true; return true").await;
    let sent_cell = "return Number(document.querySelector('td[data-status=\"sent\"]').textContent)";
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let sent = script(client, sent_cell).await.as_u64().unwrap();
        if seen.last() != Some(&sent) {
            seen.push(sent);
        }
        if sent == AUDIENCE as u64 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "progress stopped at {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        seen.len() >= 3,
        "the count should move on while shown: {seen:?}"
    );
    assert_eq!(
        script(client, "return window.stayed === true").await,
        json!(true)
    );
    until_page(
        client,
        "the broadcast to show as complete",
        "return !!document.querySelector('[data-done=\"true\"]')",
    )
    .await;
    let summary = text_of(client, "#progress-summary").await;
    assert!(
        summary.contains(&format!("{AUDIENCE} of {AUDIENCE} sent")),
        "{summary}"
    );

    // Premium granted in the console: the bot's /status says so next time it is asked.
    let chat = chats[0];
    let shown = status_reply(&app, chat).await;
    assert!(shown.contains("Plan: Free"), "{shown}");
    client
        .goto(&format!("{}/console/users?q=trader0", app.api))
        .await
        .unwrap();
    client
        .find(Locator::Css("#users a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until_page(
        client,
        "the user's page",
        "return !!document.getElementById('grant')",
    )
    .await;
    click(client, "grant").await;
    until_page(
        client,
        "the grant to be confirmed",
        "return document.getElementById('user-tier').textContent.includes('premium')",
    )
    .await;
    let shown = status_reply(&app, chat).await;
    assert!(shown.contains("Premium until"), "{shown}");

    // An API key made in the console works at once and stops working when revoked there.
    client
        .goto(&format!("{}/console/keys", app.api))
        .await
        .unwrap();
    fill(client, "key-name", "backtester").await;
    click(client, "scope-signals").await;
    click(client, "key-create").await;
    until_page(
        client,
        "the new key",
        "return !!document.getElementById('new-key-value')",
    )
    .await;
    let key = text_of(client, "#new-key-value").await;
    let (status, _) = app
        .post_raw("/api/signals", Some(&key), buy_signal().to_string())
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let key_id = key.split('_').nth(1).unwrap().to_owned();
    click(client, &format!("revoke-{key_id}")).await;
    client.accept_alert().await.unwrap();
    until_page(
        client,
        "the revocation",
        "return !!document.querySelector('p.notice')",
    )
    .await;
    let (status, _) = app
        .post_raw("/api/signals", Some(&key), buy_signal().to_string())
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The dashboard's download buttons save the CSV.
    client.goto(&format!("{}/console", app.api)).await.unwrap();
    if let Ok(folder) = std::env::var("HERALD_SCREENSHOTS") {
        let png = client.screenshot().await.unwrap();
        std::fs::write(format!("{folder}/console-dashboard.png"), png).unwrap();
    }
    click(client, "export-signals").await;
    let file = browser.downloads.path().join("signals.csv");
    let deadline = tokio::time::Instant::now() + WAIT;
    let csv = loop {
        // Chromium writes `*.crdownload` first and renames it when complete.
        if let Ok(csv) = std::fs::read_to_string(&file) {
            break csv;
        }
        assert!(tokio::time::Instant::now() < deadline, "no download");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("id,type,asset"), "{csv}");
    assert_eq!(lines.len(), 3, "{csv}");
    browser.close().await;
    app.stop().await;
}
