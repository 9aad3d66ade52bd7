//! The control API's routes for channels, Mini Apps, inline mode and payments.

use reqwest::Method as M;
use serde_json::json;

use crate::harness::{Tg, control};

#[tokio::test]
async fn payments_channels_and_mini_apps_over_the_control_api() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let (status, channel) = control(
        &tg,
        M::POST,
        "channels",
        Some(json!({"title": "Free", "username": "free_signals", "members": [alice]})),
    )
    .await;
    assert_eq!(status, 201);
    let info = tg.ok("getChat", json!({"chat_id": "@free_signals"})).await;
    assert_eq!(info["id"], channel["chat_id"]);

    let link = tg
        .ok(
            "createInvoiceLink",
            json!({"title": "Premium", "description": "d", "payload": "p", "currency": "XTR",
                   "prices": [{"label": "Premium", "amount": 100}]}),
        )
        .await;
    let (status, asked) = control(
        &tg,
        M::POST,
        &format!("users/{alice}/pay"),
        Some(json!({"link": link})),
    )
    .await;
    assert_eq!(status, 200, "{asked}");
    tg.ok(
        "answerPreCheckoutQuery",
        json!({"pre_checkout_query_id": asked["pre_checkout_query_id"], "ok": true}),
    )
    .await;
    let (_, payments) = control(&tg, M::GET, "payments", None).await;
    assert_eq!(payments[0]["user_id"], alice);
    assert_eq!(payments[0]["total_amount"], 100);
    let (status, _) = control(
        &tg,
        M::POST,
        &format!("users/{alice}/pay"),
        Some(json!({"link": "https://t.me/$missing"})),
    )
    .await;
    assert_eq!(status, 404);

    let (_, asked) = control(
        &tg,
        M::POST,
        &format!("users/{alice}/inline_query"),
        Some(json!({"query": "btc"})),
    )
    .await;
    assert!(asked["inline_query_id"].is_string());

    tg.ok(
        "setChatMenuButton",
        json!({"menu_button": {"type": "web_app", "text": "App", "web_app": {"url": "https://h.example/app"}}}),
    )
    .await;
    let (_, button) = control(&tg, M::GET, &format!("menu_button?chat_id={alice}"), None).await;
    assert_eq!(button["type"], "web_app");
    let (_, opened) = control(&tg, M::POST, &format!("users/{alice}/open_menu_app"), None).await;
    assert!(
        opened["url"]
            .as_str()
            .unwrap()
            .starts_with("https://h.example/app#tgWebAppData=")
    );
}
