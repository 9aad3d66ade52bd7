//! `reply_markup`: inline keyboards validated like Telegram, other markups accepted and ignored.

use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::html::utf16_len;
use crate::params::Params;
use crate::types::{
    TgCopyTextButton, TgInlineKeyboardButton, TgInlineKeyboardMarkup, TgWebAppInfo,
};

/// `callback_data` is "1-64 bytes" — bytes, not characters (InlineKeyboardButton docs, T16).
pub(crate) const MAX_CALLBACK_DATA_BYTES: usize = 64;
/// CopyTextButton `text`: "The text to be copied to the clipboard; 1-256 characters".
pub(crate) const MAX_COPY_TEXT_LEN: usize = 256;

/// Reads `reply_markup`. Only inline keyboards are kept; reply keyboards, ForceReply and
/// ReplyKeyboardRemove are valid but have no effect in the emulator.
pub(crate) fn reply_markup(params: &Params) -> Result<Option<TgInlineKeyboardMarkup>, ApiError> {
    let value = params
        .json_value("reply_markup")
        .map_err(|_| ApiError::bad("can't parse reply keyboard markup JSON object"))?;
    let Some(value) = value else {
        return Ok(None);
    };
    markup(&value, params.test_environment)
}

/// A `reply_markup` object: the inline keyboard, or `None` for the markups the emulator ignores.
pub(crate) fn markup(
    value: &Value,
    test_environment: bool,
) -> Result<Option<TgInlineKeyboardMarkup>, ApiError> {
    let Some(object) = value.as_object() else {
        return Err(ApiError::bad(
            "can't parse reply keyboard markup JSON object",
        ));
    };
    let Some(keyboard) = object.get("inline_keyboard") else {
        return Ok(None);
    };
    let rows_error = || {
        ApiError::bad(
            "Field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays",
        )
    };
    let rows = keyboard.as_array().ok_or_else(rows_error)?;
    let mut inline_keyboard = Vec::with_capacity(rows.len());
    for row in rows {
        let row = row.as_array().ok_or_else(rows_error)?;
        let mut buttons = Vec::with_capacity(row.len());
        for button in row {
            buttons.push(parse_button(button, test_environment)?);
        }
        inline_keyboard.push(buttons);
    }
    Ok(Some(TgInlineKeyboardMarkup { inline_keyboard }))
}

fn string_field(object: &Map<String, Value>, name: &str) -> Result<Option<String>, ApiError> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::bad(format!(
            "can't parse inline keyboard button: Field \"{name}\" must be of type String"
        ))),
    }
}

/// An object field such as `web_app` or `copy_text`, with its one required string `inner`.
fn object_field(
    object: &Map<String, Value>,
    name: &str,
    inner: &str,
) -> Result<Option<String>, ApiError> {
    let Some(value) = object.get(name).filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let field = value.as_object().ok_or_else(|| {
        ApiError::bad(format!(
            "can't parse inline keyboard button: Field \"{name}\" must be of type Object"
        ))
    })?;
    string_field(field, inner)?.map(Some).ok_or_else(|| {
        ApiError::bad(format!(
            "can't parse inline keyboard button: Can't find field \"{inner}\""
        ))
    })
}

/// The optional fields of InlineKeyboardButton, of which "you must use exactly one".
const ACTIONS: [&str; 10] = [
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
];

fn parse_button(value: &Value, test_environment: bool) -> Result<TgInlineKeyboardButton, ApiError> {
    let object = value.as_object().ok_or_else(|| {
        ApiError::bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    })?;
    let text = string_field(object, "text")?.ok_or_else(|| {
        ApiError::bad("can't parse inline keyboard button: Can't find field \"text\"")
    })?;
    // The server treats an empty url or callback_data as absent.
    let present: Vec<&str> = ACTIONS
        .into_iter()
        .filter(|name| match object.get(*name) {
            None | Some(Value::Null) => false,
            Some(Value::String(s)) => !s.is_empty() || !matches!(*name, "url" | "callback_data"),
            Some(_) => true,
        })
        .collect();
    match present.as_slice() {
        [] => {
            return Err(ApiError::bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
            ));
        }
        [_] => {}
        [first, second, ..] => {
            return Err(ApiError::bad(format!(
                "can't parse inline keyboard button: exactly one of the optional fields must be used, found \"{first}\" and \"{second}\""
            )));
        }
    }
    let raw = |name: &str| object.get(name).filter(|v| !v.is_null()).cloned();
    let button = TgInlineKeyboardButton {
        text,
        url: string_field(object, "url")?.filter(|s| !s.is_empty()),
        callback_data: string_field(object, "callback_data")?.filter(|s| !s.is_empty()),
        web_app: object_field(object, "web_app", "url")?.map(|url| TgWebAppInfo { url }),
        login_url: raw("login_url"),
        switch_inline_query: string_field(object, "switch_inline_query")?,
        switch_inline_query_current_chat: string_field(object, "switch_inline_query_current_chat")?,
        switch_inline_query_chosen_chat: raw("switch_inline_query_chosen_chat"),
        copy_text: object_field(object, "copy_text", "text")?.map(|text| TgCopyTextButton { text }),
        callback_game: raw("callback_game"),
        pay: raw("pay").is_some(),
    };
    if button
        .callback_data
        .as_ref()
        .is_some_and(|d| d.len() > MAX_CALLBACK_DATA_BYTES)
    {
        return Err(ApiError::bad("BUTTON_DATA_INVALID"));
    }
    if button.url.as_deref().is_some_and(|u| !valid_url(u)) {
        return Err(ApiError::bad("BUTTON_URL_INVALID"));
    }
    if let Some(web_app) = &button.web_app {
        check_web_app_url(
            "inline keyboard button Web App URL",
            &web_app.url,
            test_environment,
        )?;
    }
    if button
        .copy_text
        .as_ref()
        .is_some_and(|c| !(1..=MAX_COPY_TEXT_LEN).contains(&utf16_len(&c.text)))
    {
        return Err(ApiError::bad("BUTTON_COPY_TEXT_INVALID"));
    }
    Ok(button)
}

/// Mini Apps are served over https only (http too in the test environment); `what` names the
/// field as the server does.
pub(crate) fn check_web_app_url(
    what: &str,
    url: &str,
    test_environment: bool,
) -> Result<(), ApiError> {
    let rest = match url.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => rest,
        Some((scheme, rest)) if test_environment && scheme.eq_ignore_ascii_case("http") => rest,
        Some((scheme, _)) if scheme.eq_ignore_ascii_case("http") => {
            return Err(ApiError::bad(format!(
                "{what} '{url}' is invalid: Only HTTPS links are allowed"
            )));
        }
        _ => "",
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || url.contains(char::is_whitespace) {
        return Err(ApiError::bad(format!(
            "{what} '{url}' is invalid: Wrong HTTP URL"
        )));
    }
    Ok(())
}

/// Telegram accepts http(s) and tg:// links, and bare host names it can turn into one.
fn valid_url(url: &str) -> bool {
    if url.contains(char::is_whitespace) {
        return false;
    }
    match url.split_once("://") {
        Some((scheme, rest)) => {
            matches!(
                scheme.to_ascii_lowercase().as_str(),
                "http" | "https" | "tg" | "ton"
            ) && !rest.is_empty()
        }
        None => url.contains('.') && !url.starts_with('.'),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn parse(markup: Value) -> Result<Option<TgInlineKeyboardMarkup>, String> {
        reply_markup(&Params::from_json(json!({ "reply_markup": markup })))
            .map_err(|e| e.description.into_owned())
    }

    #[test]
    fn callback_data_is_limited_in_bytes() {
        let ok = "é".repeat(32); // 64 bytes
        let too_long = format!("{ok}x");
        let kb = |d: &str| json!({"inline_keyboard": [[{"text": "t", "callback_data": d}]]});
        assert!(parse(kb(&ok)).unwrap().is_some());
        assert_eq!(
            parse(kb(&too_long)).unwrap_err(),
            "Bad Request: BUTTON_DATA_INVALID"
        );
    }

    #[test]
    fn buttons_need_text_and_an_action() {
        assert_eq!(
            parse(json!({"inline_keyboard": [[{"callback_data": "x"}]]})).unwrap_err(),
            "Bad Request: can't parse inline keyboard button: Can't find field \"text\""
        );
        assert!(
            parse(json!({"inline_keyboard": [[{"text": "x"}]]}))
                .unwrap_err()
                .ends_with("Text buttons are unallowed in the inline keyboard")
        );
        assert_eq!(
            parse(json!({"inline_keyboard": [[{"text": "x", "url": "not a url"}]]})).unwrap_err(),
            "Bad Request: BUTTON_URL_INVALID"
        );
        assert!(parse(json!({"inline_keyboard": [{"text": "x"}]})).is_err());
        // A JSON-encoded string, as form bodies carry it.
        let s = json!({"inline_keyboard": [[{"text": "x", "url": "https://t.me"}]]}).to_string();
        assert!(parse(Value::String(s)).unwrap().is_some());
        assert!(parse(json!({"remove_keyboard": true})).unwrap().is_none());
    }
}
