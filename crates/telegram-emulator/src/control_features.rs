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
        .route("/users/{id}/pay", post(pay))
        .route("/users/{id}/renew", post(renew))
        .route("/menu_button", get(menu_button))
        .route("/inline_answers", get(inline_answers))
        .route("/payments", get(payments))
        .route("/pre_checkout_answers", get(pre_checkout_answers))
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
}

async fn inline_query(
    State(core): Shared,
    Path(id): Path<i64>,
    Json(q): Json<InlineQuery>,
) -> Response {
    query_answer("inline_query_id", core.user_inline_query(id, &q.query))
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
