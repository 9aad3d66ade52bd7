//! The HTTP control API under `/control/`, for drivers in other processes. It mirrors the
//! in-process [`crate::EmulatorHandle`]; see the crate README for the routes.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::config::{Faults, Limits};
use crate::core::Core;
use crate::error::EmulatorError;
use crate::methods::default_scope_commands;

pub(crate) type Shared = State<Arc<Core>>;

pub(crate) fn router() -> Router<Arc<Core>> {
    Router::new()
        .route("/bot", get(bot))
        .route("/users", post(create_user))
        .route("/groups", post(create_group))
        .route("/users/{id}/text", post(send_text))
        .route("/users/{id}/press", post(press))
        .route("/users/{id}/block", post(block))
        .route("/users/{id}/unblock", post(unblock))
        .route("/users/{id}/deactivate", post(deactivate))
        .route("/chats/{id}/messages", get(messages))
        .route("/callback_answers", get(callback_answers))
        .route("/commands", get(commands))
        .route("/counters", get(counters))
        .route("/limits", get(get_limits).put(put_limits))
        .route("/faults", get(get_faults).put(put_faults))
        .route("/fail_next_sends", post(fail_next_sends))
        .route("/updates/pending", get(pending_updates))
        .route("/webhook", get(webhook))
        .merge(crate::control_features::router())
}

impl IntoResponse for EmulatorError {
    fn into_response(self) -> Response {
        let status = match self {
            EmulatorError::UnknownUser(_)
            | EmulatorError::UnknownChat(_)
            | EmulatorError::MessageNotFound { .. }
            | EmulatorError::ReplyTargetNotFound { .. }
            | EmulatorError::UnknownInvoice(_)
            | EmulatorError::UnknownCharge(_)
            | EmulatorError::SwitchInlineButtonNotFound { .. }
            | EmulatorError::UnknownInlineResult { .. } => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        };
        (status, Json(json!({ "error": self.to_string() }))).into_response()
    }
}

async fn bot(State(core): Shared) -> Response {
    Json(core.bot.clone()).into_response()
}

#[derive(Deserialize)]
struct NewUser {
    first_name: String,
    username: Option<String>,
    language_code: Option<String>,
}

async fn create_user(State(core): Shared, Json(u): Json<NewUser>) -> Response {
    let user = core.create_user(
        &u.first_name,
        u.username.as_deref(),
        u.language_code.as_deref(),
    );
    (StatusCode::CREATED, Json(user)).into_response()
}

#[derive(Deserialize)]
struct NewGroup {
    title: String,
    #[serde(default)]
    members: Vec<i64>,
}

async fn create_group(State(core): Shared, Json(g): Json<NewGroup>) -> Response {
    let chat_id = core.lock().add_group(&g.title, &g.members);
    (StatusCode::CREATED, Json(json!({ "chat_id": chat_id }))).into_response()
}

#[derive(Deserialize)]
struct Text {
    /// Defaults to the user's private chat.
    chat_id: Option<i64>,
    text: String,
    /// Sends the text as a reply to this message of the chat.
    reply_to_message_id: Option<i64>,
}

async fn send_text(State(core): Shared, Path(id): Path<i64>, Json(t): Json<Text>) -> Response {
    let chat_id = t.chat_id.unwrap_or(id);
    let sent = match t.reply_to_message_id {
        Some(reply_to) => core.user_reply(id, chat_id, reply_to, &t.text),
        None => core.user_text(id, chat_id, &t.text),
    };
    match sent {
        Ok(message_id) => Json(json!({ "message_id": message_id })).into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
struct Press {
    chat_id: Option<i64>,
    message_id: i64,
    callback_data: String,
    /// Send data that is not on the keyboard, as a tampered client could.
    #[serde(default)]
    forged: bool,
}

async fn press(State(core): Shared, Path(id): Path<i64>, Json(p): Json<Press>) -> Response {
    let chat_id = p.chat_id.unwrap_or(id);
    match core.user_press(id, chat_id, p.message_id, &p.callback_data, !p.forged) {
        Ok(query_id) => Json(json!({ "callback_query_id": query_id })).into_response(),
        Err(e) => e.into_response(),
    }
}

fn done(result: Result<(), EmulatorError>) -> Response {
    match result {
        Ok(()) => Json(json!({ "ok": true })).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn block(State(core): Shared, Path(id): Path<i64>) -> Response {
    done(core.set_blocked(id, true))
}

async fn unblock(State(core): Shared, Path(id): Path<i64>) -> Response {
    done(core.set_blocked(id, false))
}

async fn deactivate(State(core): Shared, Path(id): Path<i64>) -> Response {
    done(core.deactivate(id))
}

async fn messages(State(core): Shared, Path(id): Path<i64>) -> Response {
    Json(core.bot_messages(id)).into_response()
}

async fn callback_answers(State(core): Shared) -> Response {
    Json(core.lock().answers.clone()).into_response()
}

#[derive(Deserialize)]
struct Language {
    language_code: Option<String>,
}

async fn commands(State(core): Shared, Query(q): Query<Language>) -> Response {
    Json(default_scope_commands(
        &core,
        q.language_code.as_deref().unwrap_or(""),
    ))
    .into_response()
}

async fn counters(State(core): Shared) -> Response {
    Json(core.counters.snapshot()).into_response()
}

async fn get_limits(State(core): Shared) -> Response {
    Json(core.lock().limiter.limits().clone()).into_response()
}

async fn put_limits(State(core): Shared, Json(limits): Json<Limits>) -> Response {
    core.set_limits(limits.clone());
    Json(limits).into_response()
}

async fn get_faults(State(core): Shared) -> Response {
    Json(core.faults.get()).into_response()
}

async fn put_faults(State(core): Shared, Json(faults): Json<Faults>) -> Response {
    core.faults.set(faults.clone());
    Json(faults).into_response()
}

#[derive(Deserialize)]
struct FailNext {
    chat_id: i64,
    count: u32,
    retry_after: u32,
}

async fn fail_next_sends(State(core): Shared, Json(f): Json<FailNext>) -> Response {
    core.faults
        .fail_next_sends(f.chat_id, f.count, f.retry_after);
    Json(json!({ "ok": true })).into_response()
}

async fn pending_updates(State(core): Shared) -> Response {
    Json(json!({ "count": core.updates.pending_count() })).into_response()
}

async fn webhook(State(core): Shared) -> Response {
    Json(core.webhook_state()).into_response()
}
