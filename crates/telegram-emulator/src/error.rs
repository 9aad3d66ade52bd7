//! Errors: [`EmulatorError`] for the Rust handle, `ApiError` for Bot API answers.

use std::borrow::Cow;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Misuse of the in-process handle or control API.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
pub enum EmulatorError {
    #[error("no user with id {0}")]
    UnknownUser(i64),
    #[error("no chat with id {0}")]
    UnknownChat(i64),
    #[error("user {user_id} is not a member of chat {chat_id}")]
    NotAMember { user_id: i64, chat_id: i64 },
    #[error("user {0} is deactivated")]
    UserDeactivated(i64),
    #[error("chat {chat_id} has no bot message {message_id}")]
    MessageNotFound { chat_id: i64, message_id: i64 },
    /// A reply needs a message to reply to: the apps offer Reply only on a message in view.
    #[error("chat {chat_id} has no message {message_id} to reply to")]
    ReplyTargetNotFound { chat_id: i64, message_id: i64 },
    #[error("message {message_id} in chat {chat_id} has no button with callback_data {data:?}")]
    ButtonNotFound {
        chat_id: i64,
        message_id: i64,
        data: String,
    },
    #[error("message {message_id} in chat {chat_id} has no web_app button {text:?}")]
    WebAppButtonNotFound {
        chat_id: i64,
        message_id: i64,
        text: String,
    },
    #[error("message {message_id} in chat {chat_id} has no switch_inline_query button {text:?}")]
    SwitchInlineButtonNotFound {
        chat_id: i64,
        message_id: i64,
        text: String,
    },
    #[error("inline query {inline_query_id:?} of this user has no answered result {result_id:?}")]
    UnknownInlineResult {
        inline_query_id: String,
        result_id: String,
    },
    #[error("the menu button of chat {0} does not open a Mini App")]
    NoMenuWebApp(i64),
    #[error("user {user_id} may not post in channel {chat_id}")]
    NotAllowedToPost { user_id: i64, chat_id: i64 },
    #[error("no invoice with link {0:?}")]
    UnknownInvoice(String),
    #[error("no payment with charge id {0:?} by this user")]
    UnknownCharge(String),
    #[error("payment {0:?} is not a subscription that can renew (refunded, or not recurring)")]
    NotRenewable(String),
    #[error("an inline query is at most {max} characters, got {len}")]
    InlineQueryTooLong { len: usize, max: usize },
    #[error("chat {chat_id} holds {have} bot messages, {want} expected before the timeout")]
    Timeout {
        chat_id: i64,
        have: usize,
        want: usize,
    },
}

/// A Bot API failure: `{"ok":false,"error_code":N,"description":"…"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub code: u16,
    pub description: Cow<'static, str>,
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub(crate) fn new(code: u16, description: impl Into<Cow<'static, str>>) -> Self {
        ApiError {
            code,
            description: description.into(),
            retry_after: None,
        }
    }

    /// 400 with a full description, e.g. `bad_request("Bad Request: chat not found")`.
    pub(crate) fn bad_request(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(400, description)
    }

    /// 400 from a detail: `bad("chat not found")` is "Bad Request: chat not found".
    pub(crate) fn bad(detail: impl std::fmt::Display) -> Self {
        Self::new(400, format!("Bad Request: {detail}"))
    }

    pub(crate) fn forbidden(description: &'static str) -> Self {
        Self::new(403, description)
    }

    pub(crate) fn too_many_requests(retry_after: u32) -> Self {
        ApiError {
            code: 429,
            description: format!("Too Many Requests: retry after {retry_after}").into(),
            retry_after: Some(retry_after),
        }
    }

    pub(crate) fn conflict(description: &'static str) -> Self {
        Self::new(409, description)
    }

    pub(crate) fn chat_not_found() -> Self {
        Self::bad_request("Bad Request: chat not found")
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    ok: bool,
    error_code: u16,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    parameters: Option<Parameters>,
}

#[derive(Serialize)]
struct Parameters {
    retry_after: u32,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            ok: false,
            error_code: self.code,
            description: &self.description,
            parameters: self
                .retry_after
                .map(|retry_after| Parameters { retry_after }),
        };
        let status = StatusCode::from_u16(self.code).unwrap_or(StatusCode::BAD_REQUEST);
        json_response(status, serde_json::to_vec(&body).unwrap_or_default())
    }
}

/// A JSON answer with the given status.
pub(crate) fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}
