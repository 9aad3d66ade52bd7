//! Control API routes for channels, Mini Apps, the menu button, inline mode and Stars payments;
//! they mirror `handle_features`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

use crate::control::Shared;
use crate::core::Core;
use crate::error::EmulatorError;

pub(crate) fn router() -> Router<Arc<Core>> {
    Router::new()
        .route("/channels", post(create_channel))
        .route("/users/{id}/open_web_app", post(open_web_app))
        .route("/users/{id}/open_menu_app", post(open_menu_app))
        .route("/users/{id}/inline_query", post(inline_query))
        .route("/users/{id}/switch_inline", post(switch_inline))
        .route(
            "/users/{id}/choose_inline_result",
            post(choose_inline_result),
        )
        .route("/chats/{id}/all_messages", get(all_messages))
        .route("/users/{id}/pay", post(pay))
        .route("/users/{id}/renew", post(renew))
        .route("/menu_button", get(menu_button))
        .route("/inline_answers", get(inline_answers))
        .route("/payments", get(payments))
        .route("/pre_checkout_answers", get(pre_checkout_answers))
        .route("/files/revoke", post(revoke_file_ids))
}

fn answer<T: serde::Serialize>(result: Result<T, EmulatorError>) -> Response {
    match result {
        Ok(value) => Json(value).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `{"<key>": "<id>"}`: the id of the query a user's action sent the bot.
fn query_answer(key: &str, asked: Result<String, EmulatorError>) -> Response {
    answer(asked.map(|query_id| json!({ key: query_id })))
}

#[derive(Deserialize)]
struct NewChannel {
    title: String,
    username: String,
    #[serde(default)]
    members: Vec<i64>,
}

async fn create_channel(State(core): Shared, Json(c): Json<NewChannel>) -> Response {
    let chat_id = core.lock().add_channel(&c.title, &c.username, &c.members);
    (StatusCode::CREATED, Json(json!({ "chat_id": chat_id }))).into_response()
}

#[derive(Deserialize)]
struct OpenWebApp {
    message_id: i64,
    /// The button's label.
    text: String,
}

async fn open_web_app(
    State(core): Shared,
    Path(id): Path<i64>,
    Json(o): Json<OpenWebApp>,
) -> Response {
    let opened = core.user_open_web_app(id, o.message_id, &o.text);
    answer(opened.map(|url| json!({ "url": url })))
}

async fn open_menu_app(State(core): Shared, Path(id): Path<i64>) -> Response {
    answer(core.user_open_menu_app(id).map(|url| json!({ "url": url })))
}

#[derive(Deserialize)]
struct InlineQuery {
    query: String,
    /// Where it is typed; the user's chat with the bot when absent.
    chat_id: Option<i64>,
}

async fn inline_query(
    State(core): Shared,
    Path(id): Path<i64>,
    Json(q): Json<InlineQuery>,
) -> Response {
    let chat_id = q.chat_id.unwrap_or(id);
    query_answer(
        "inline_query_id",
        core.user_inline_query(id, chat_id, &q.query),
    )
}

#[derive(Deserialize)]
struct SwitchInline {
    chat_id: i64,
    message_id: i64,
    /// The button's label.
    text: String,
    /// The chat the user picks (for `switch_inline_query`).
    target_chat_id: i64,
}

async fn switch_inline(
    State(core): Shared,
    Path(id): Path<i64>,
    Json(s): Json<SwitchInline>,
) -> Response {
    let asked = core.user_switch_inline(id, s.chat_id, s.message_id, &s.text, s.target_chat_id);
    query_answer("inline_query_id", asked)
}

#[derive(Deserialize)]
struct ChooseInlineResult {
    inline_query_id: String,
    result_id: String,
}

async fn choose_inline_result(
    State(core): Shared,
    Path(id): Path<i64>,
    Json(c): Json<ChooseInlineResult>,
) -> Response {
    answer(core.user_choose_inline_result(id, &c.inline_query_id, &c.result_id))
}

async fn all_messages(State(core): Shared, Path(id): Path<i64>) -> Response {
    Json(core.all_messages(id)).into_response()
}

#[derive(Deserialize)]
struct Pay {
    link: String,
}

async fn pay(State(core): Shared, Path(id): Path<i64>, Json(p): Json<Pay>) -> Response {
    query_answer("pre_checkout_query_id", core.pay_invoice(id, &p.link))
}

#[derive(Deserialize)]
struct Renew {
    telegram_payment_charge_id: String,
}

async fn renew(State(core): Shared, Path(id): Path<i64>, Json(r): Json<Renew>) -> Response {
    answer(core.renew_subscription(id, &r.telegram_payment_charge_id))
}

#[derive(Deserialize)]
struct MenuChat {
    chat_id: Option<i64>,
}

async fn menu_button(State(core): Shared, Query(q): Query<MenuChat>) -> Response {
    Json(core.lock().menu_button(q.chat_id)).into_response()
}

async fn inline_answers(State(core): Shared) -> Response {
    Json(core.lock().inline_answers.clone()).into_response()
}

async fn payments(State(core): Shared) -> Response {
    Json(core.lock().payments.payments.clone()).into_response()
}

async fn pre_checkout_answers(State(core): Shared) -> Response {
    Json(core.lock().payments.answers.clone()).into_response()
}

async fn revoke_file_ids(State(core): Shared) -> Response {
    core.lock().files.clear();
    Json(json!({"ok": true})).into_response()
}
