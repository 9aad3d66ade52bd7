//! Wire format: paths, method names, body encodings, error envelopes.

use serde_json::{Value, json};

use crate::harness::Tg;

#[tokio::test]
async fn get_me_describes_the_bot() {
    let tg = Tg::start().await;
    let me = tg.ok("getMe", json!({})).await;
    assert_eq!(me["id"], 123456, "the token's prefix is the bot id");
    assert_eq!(me["is_bot"], true);
    assert_eq!(me["username"], "herald_test_bot");
    assert_eq!(me["can_join_groups"], true);
    assert!(
        me.get("last_name").is_none(),
        "absent optionals are omitted"
    );
}

#[tokio::test]
async fn method_names_are_case_insensitive() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    for method in ["sendMessage", "SendMessage", "SENDMESSAGE"] {
        let msg = tg
            .ok(method, json!({"chat_id": alice, "text": method}))
            .await;
        assert_eq!(msg["text"], method);
    }
    assert_eq!(tg.ok("GETME", json!({})).await["is_bot"], true);
}

#[tokio::test]
async fn get_with_query_string() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let url = format!(
        "{}?chat_id={alice}&text=hello%20there",
        tg.url("sendMessage")
    );
    let answer: Value = tg.http.get(url).send().await.unwrap().json().await.unwrap();
    assert_eq!(answer["ok"], true);
    assert_eq!(answer["result"]["text"], "hello there");
}

#[tokio::test]
async fn urlencoded_form_with_json_encoded_markup() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let markup = json!({"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]}).to_string();
    let chat = alice.to_string();
    let form = [
        ("chat_id", chat.as_str()),
        ("text", "<b>form</b>"),
        ("parse_mode", "HTML"),
        ("reply_markup", markup.as_str()),
        ("disable_notification", "true"),
    ];
    let answer: Value = tg
        .http
        .post(tg.url("sendMessage"))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["ok"], true, "{answer}");
    let msg = &answer["result"];
    assert_eq!(msg["text"], "form");
    assert_eq!(msg["entities"][0]["type"], "bold");
    assert_eq!(
        msg["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        "y"
    );
    let stored = &tg.emu.messages(alice)[0];
    assert!(stored.disable_notification);
    assert_eq!(stored.text.as_deref(), Some("<b>form</b>"));
}

#[tokio::test]
async fn multipart_text_fields() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let form = reqwest::multipart::Form::new()
        .text("chat_id", alice.to_string())
        .text("text", "multipart")
        .text(
            "reply_parameters",
            json!({"message_id": 999, "allow_sending_without_reply": true}).to_string(),
        );
    let answer: Value = tg
        .http
        .post(tg.url("sendMessage"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["ok"], true, "{answer}");
    assert_eq!(answer["result"]["text"], "multipart");
}

#[tokio::test]
async fn wrong_token_is_401_and_unknown_method_404() {
    let tg = Tg::start().await;
    let url = format!("{}/bot999:WRONG/getMe", tg.emu.base_url());
    let res = tg.http.post(url).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({"ok": false, "error_code": 401, "description": "Unauthorized"})
    );

    let (status, description) = tg.err("sendSticker", json!({})).await;
    assert_eq!((status, description.as_str()), (404, "Not Found"));

    let res = tg
        .http
        .get(format!("{}/nothing/here", tg.emu.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn chat_id_is_required_and_must_exist() {
    let tg = Tg::start().await;
    let (status, d) = tg.err("sendMessage", json!({"text": "hi"})).await;
    assert_eq!((status, d.as_str()), (400, "Bad Request: chat_id is empty"));
    let (status, d) = tg
        .err("sendMessage", json!({"chat_id": 42, "text": "hi"}))
        .await;
    assert_eq!((status, d.as_str()), (400, "Bad Request: chat not found"));
    let (_, d) = tg
        .err("sendMessage", json!({"chat_id": "@nobody", "text": "hi"}))
        .await;
    assert_eq!(d, "Bad Request: chat not found");
    assert_eq!(tg.emu.counters().bad_requests, 3);
}

#[tokio::test]
async fn chat_id_may_be_a_string() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let msg = tg
        .ok(
            "sendMessage",
            json!({"chat_id": alice.to_string(), "text": "s"}),
        )
        .await;
    assert_eq!(msg["chat"]["id"], alice);
    assert_eq!(msg["chat"]["type"], "private");
    assert_eq!(msg["from"]["is_bot"], true);
    assert!(msg["date"].as_i64().unwrap() > 1_700_000_000);
}

#[tokio::test]
async fn get_chat_and_chat_action() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let chat = tg.ok("getChat", json!({"chat_id": alice})).await;
    assert_eq!(chat["first_name"], "Alice");
    assert_eq!(chat["type"], "private");
    assert_eq!(
        tg.ok(
            "sendChatAction",
            json!({"chat_id": alice, "action": "typing"})
        )
        .await,
        true
    );
}
