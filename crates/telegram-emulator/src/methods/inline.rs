//! answerInlineQuery, with article results (the kind a bot shares a card with).

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::Reply;
use super::callback::INVALID_QUERY;
use super::keyboard;
use super::send::{check_text, format};
use crate::core::Core;
use crate::error::ApiError;
use crate::inline::INLINE_QUERY_TIMEOUT;
use crate::model::{EmulatorEvent, InlineAnswer};
use crate::params::Params;
use crate::types::{TgInlineQueryResultArticle, TgInputTextMessageContent};

/// "No more than 50 results per query are allowed."
pub(crate) const MAX_RESULTS: usize = 50;
/// InlineQueryResult `id`: "Unique identifier for this result, 1-64 Bytes".
pub(crate) const MAX_RESULT_ID_BYTES: usize = 64;
/// `cache_time` is clamped to a day by the Bot API server; 300 s when absent.
const MAX_CACHE_TIME: i64 = 86_400;
const DEFAULT_CACHE_TIME: i64 = 300;

fn result_error(detail: impl std::fmt::Display) -> ApiError {
    ApiError::bad(format!("Can't parse inline query result: {detail}"))
}

fn string(object: &Map<String, Value>, name: &str) -> Result<Option<String>, ApiError> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(result_error(format!(
            "Field \"{name}\" must be of type String"
        ))),
    }
}

fn required(object: &Map<String, Value>, name: &str) -> Result<String, ApiError> {
    string(object, name)?.ok_or_else(|| result_error(format!("Can't find field \"{name}\"")))
}

/// One InlineQueryResultArticle; its text is checked like a sendMessage text.
fn article(value: &Value) -> Result<TgInlineQueryResultArticle, ApiError> {
    let object = value
        .as_object()
        .ok_or_else(|| result_error("Inline query result must be an object"))?;
    let kind = required(object, "type")?.to_ascii_lowercase();
    if kind != "article" {
        return Err(ApiError::bad(
            "the emulator answers inline queries with article results only",
        ));
    }
    let id = required(object, "id")?;
    if id.is_empty() || id.len() > MAX_RESULT_ID_BYTES {
        return Err(ApiError::bad("RESULT_ID_INVALID"));
    }
    let title = required(object, "title")?;
    let content = object
        .get("input_message_content")
        .and_then(Value::as_object)
        .ok_or_else(|| result_error("Can't find field \"input_message_content\""))?;
    let message_text = string(content, "message_text")?
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::bad("message text is empty"))?;
    let parse_mode = string(content, "parse_mode")?.filter(|p| !p.is_empty());
    let body = format(&message_text, parse_mode.as_deref(), None)?;
    check_text(&body)?;
    let reply_markup = match object.get("reply_markup") {
        None | Some(Value::Null) => None,
        Some(markup) => keyboard::markup(markup, false)?,
    };
    Ok(TgInlineQueryResultArticle {
        id,
        title,
        input_message_content: TgInputTextMessageContent {
            message_text,
            plain_text: body.plain,
            parse_mode,
        },
        description: string(object, "description")?,
        url: string(object, "url")?,
        reply_markup,
    })
}

fn results(params: &Params) -> Result<Vec<TgInlineQueryResultArticle>, ApiError> {
    let value = params.json_value("results").map_err(|e| {
        ApiError::bad(format!(
            "Can't parse JSON encoded inline query results: {e}"
        ))
    })?;
    let list = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(ApiError::bad("Expected an Array of inline query results")),
    };
    if list.len() > MAX_RESULTS {
        return Err(ApiError::bad("Too many inline query results specified"));
    }
    let articles = list.iter().map(article).collect::<Result<Vec<_>, _>>()?;
    let mut ids = HashSet::new();
    if !articles.iter().all(|a| ids.insert(a.id.as_str())) {
        return Err(ApiError::bad("RESULT_ID_DUPLICATE"));
    }
    Ok(articles)
}

/// A query can be answered once, while it is fresh; an empty list is a valid answer ("no results").
pub(crate) fn answer_inline_query(core: &Arc<Core>, params: &Params) -> Result<Reply, ApiError> {
    let id = params
        .non_empty("inline_query_id")
        .ok_or_else(|| ApiError::bad_request(INVALID_QUERY))?
        .into_owned();
    let results = results(params)?;
    let cache_time = params
        .int("cache_time")
        .ok()
        .flatten()
        .unwrap_or(DEFAULT_CACHE_TIME)
        .clamp(0, MAX_CACHE_TIME);
    let mut state = core.lock();
    match state.inline_queries.get_mut(&id) {
        Some(query) if !query.answered && query.asked.elapsed() <= INLINE_QUERY_TIMEOUT => {
            query.answered = true;
        }
        _ => return Err(ApiError::bad_request(INVALID_QUERY)),
    }
    state.inline_answers.push(InlineAnswer {
        inline_query_id: id.clone(),
        results,
        cache_time: u32::try_from(cache_time).unwrap_or(0),
        is_personal: params.flag("is_personal"),
        next_offset: params.non_empty("next_offset").map(|s| s.into_owned()),
    });
    drop(state);
    core.emit(|| EmulatorEvent::InlineQueryAnswered {
        inline_query_id: id,
    });
    Reply::json(&true)
}
