//! answerCallbackQuery.

use std::sync::Arc;

use super::Reply;
use crate::core::Core;
use crate::error::ApiError;
use crate::html::utf16_len;
use crate::model::{CallbackAnswer, EmulatorEvent};
use crate::params::Params;

/// answerCallbackQuery `text`: "0-200 characters" (T17).
pub(crate) const MAX_ANSWER_TEXT_LEN: usize = 200;

pub(crate) const INVALID_QUERY: &str =
    "Bad Request: query is too old and response timeout expired or query ID is invalid";

/// A query can be answered once; unknown and already answered ids get the same 400.
pub(crate) fn answer_callback_query(core: &Arc<Core>, params: &Params) -> Result<Reply, ApiError> {
    let id = params
        .non_empty("callback_query_id")
        .ok_or_else(|| ApiError::bad_request(INVALID_QUERY))?;
    let text = params.non_empty("text").map(|t| t.into_owned());
    if text
        .as_deref()
        .is_some_and(|t| utf16_len(t) > MAX_ANSWER_TEXT_LEN)
    {
        return Err(ApiError::bad_request("Bad Request: MESSAGE_TOO_LONG"));
    }
    let mut state = core.lock();
    match state.callbacks.get_mut(id.as_ref()) {
        Some(query) if !query.answered => query.answered = true,
        _ => return Err(ApiError::bad_request(INVALID_QUERY)),
    }
    state.answers.push(CallbackAnswer {
        callback_query_id: id.to_string(),
        text,
        show_alert: params.flag("show_alert"),
        url: params.non_empty("url").map(|u| u.into_owned()),
    });
    drop(state);
    core.emit(|| EmulatorEvent::CallbackAnswered {
        callback_query_id: id.into_owned(),
    });
    Reply::json(&true)
}
