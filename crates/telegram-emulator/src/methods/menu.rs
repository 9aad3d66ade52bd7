//! setChatMenuButton and getChatMenuButton: the button beside a private chat's input field.

use std::sync::Arc;

use serde_json::Value;

use super::Reply;
use super::keyboard::check_web_app_url;
use crate::core::Core;
use crate::error::ApiError;
use crate::model::EmulatorEvent;
use crate::params::Params;
use crate::types::{TgMenuButton, TgWebAppInfo};

/// `chat_id` of a menu button call: absent for the default, else a user's private chat.
fn menu_chat(core: &Core, params: &Params) -> Result<Option<i64>, ApiError> {
    if params.non_empty("chat_id").is_none() {
        return Ok(None);
    }
    let id = super::user_id(params, "chat_id")?;
    if !core.lock().users.contains_key(&id) {
        return Err(ApiError::chat_not_found());
    }
    Ok(Some(id))
}

fn parse_menu_button(value: &Value) -> Result<TgMenuButton, String> {
    let object = value.as_object().ok_or("MenuButton must be an Object")?;
    let field = |name: &str| -> Result<String, String> {
        match object.get(name) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(format!("Field \"{name}\" must be of type String")),
            None => Err(format!("Can't find field \"{name}\"")),
        }
    };
    match field("type")?.as_str() {
        "default" => Ok(TgMenuButton::Default),
        "commands" => Ok(TgMenuButton::Commands),
        "web_app" => {
            let text = field("text")?;
            let web_app = object
                .get("web_app")
                .and_then(Value::as_object)
                .ok_or("Can't find field \"web_app\"")?;
            let url = match web_app.get("url") {
                Some(Value::String(url)) => url.clone(),
                _ => return Err("Can't find field \"url\"".to_owned()),
            };
            Ok(TgMenuButton::WebApp {
                text,
                web_app: TgWebAppInfo { url },
            })
        }
        _ => Err("MenuButton has unsupported type".to_owned()),
    }
}

/// Without `menu_button` the chat goes back to the default, as on the Bot API.
pub(crate) fn set_chat_menu_button(core: &Arc<Core>, params: &Params) -> Result<Reply, ApiError> {
    let button = match params
        .json_value("menu_button")
        .map_err(|_| ApiError::bad("Can't parse menu button JSON object"))?
    {
        None => TgMenuButton::Default,
        Some(value) => parse_menu_button(&value)
            .map_err(|e| ApiError::bad(format!("Can't parse menu button: {e}")))?,
    };
    if let TgMenuButton::WebApp { text, web_app } = &button {
        if text.trim().is_empty() {
            return Err(ApiError::bad("BUTTON_TEXT_INVALID"));
        }
        check_web_app_url(
            "menu button Web App URL",
            &web_app.url,
            params.test_environment,
        )?;
    }
    let chat_id = menu_chat(core, params)?;
    let mut state = core.lock();
    match (chat_id, button) {
        (Some(id), TgMenuButton::Default) => {
            state.menu_buttons.remove(&id);
        }
        (Some(id), button) => {
            state.menu_buttons.insert(id, button);
        }
        (None, TgMenuButton::Default) => state.default_menu_button = None,
        (None, button) => state.default_menu_button = Some(button),
    }
    drop(state);
    core.emit(|| EmulatorEvent::MenuButtonSet { chat_id });
    Reply::json(&true)
}

pub(crate) fn get_chat_menu_button(core: &Arc<Core>, params: &Params) -> Result<Reply, ApiError> {
    let chat_id = menu_chat(core, params)?;
    Reply::json(&core.lock().menu_button(chat_id))
}
