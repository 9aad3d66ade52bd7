//! setMyCommands, getMyCommands, deleteMyCommands.

use std::sync::Arc;

use serde_json::{Value, json};

use super::Reply;
use crate::core::Core;
use crate::error::ApiError;
use crate::params::Params;
use crate::types::TgBotCommand;

/// setMyCommands takes "at most 100 commands" (T18).
pub(crate) const MAX_COMMANDS: usize = 100;
/// BotCommand.command: "1-32 characters. Can contain only lowercase English letters, digits and
/// underscores" (T18).
pub(crate) const MAX_COMMAND_LEN: usize = 32;
/// BotCommand.description: "1-256 characters" (T18).
pub(crate) const MAX_DESCRIPTION_LEN: usize = 256;

const SCOPE_TYPES: &[&str] = &[
    "default",
    "all_private_chats",
    "all_group_chats",
    "all_chat_administrators",
    "chat",
    "chat_administrators",
    "chat_member",
];

/// The storage key for `scope` and `language_code`: the scope as canonical JSON.
fn key(params: &Params) -> Result<(String, String), ApiError> {
    let scope = params
        .json_value("scope")
        .map_err(|_| ApiError::bad("can't parse BotCommandScope JSON object"))?
        .unwrap_or_else(|| json!({"type": "default"}));
    let kind = scope.get("type").and_then(Value::as_str).unwrap_or("");
    if !scope.is_object() {
        return Err(ApiError::bad(
            "can't parse BotCommandScope: BotCommandScope must be an Object",
        ));
    }
    if !SCOPE_TYPES.contains(&kind) {
        return Err(ApiError::bad(
            "can't parse BotCommandScope: Unsupported type specified",
        ));
    }
    let language = params.str("language_code").unwrap_or_default().into_owned();
    let two_letters = language.len() == 2 && language.bytes().all(|c| c.is_ascii_lowercase());
    if !language.is_empty() && !two_letters {
        return Err(ApiError::bad("invalid language code specified"));
    }
    Ok((scope.to_string(), language))
}

fn valid_command(c: &TgBotCommand) -> Result<(), ApiError> {
    let name_ok = (1..=MAX_COMMAND_LEN).contains(&c.command.len())
        && c.command
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !name_ok {
        return Err(ApiError::bad("BOT_COMMAND_INVALID"));
    }
    let description = c.description.trim().chars().count();
    if !(1..=MAX_DESCRIPTION_LEN).contains(&description) {
        return Err(ApiError::bad("BOT_COMMAND_DESCRIPTION_INVALID"));
    }
    Ok(())
}

pub(crate) fn set_my_commands(core: &Arc<Core>, params: &Params) -> Result<Reply, ApiError> {
    let raw = params
        .json_value("commands")
        .map_err(|_| ApiError::bad("can't parse commands JSON object"))?
        .ok_or_else(|| ApiError::bad("can't parse commands JSON object"))?;
    let list = raw
        .as_array()
        .ok_or_else(|| ApiError::bad("can't parse commands JSON object"))?;
    let mut commands = Vec::with_capacity(list.len());
    for item in list {
        let field = |name: &str| {
            item.get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| {
                    ApiError::bad(format!(
                        "can't parse BotCommand: Can't find field \"{name}\""
                    ))
                })
        };
        let command = TgBotCommand {
            command: field("command")?,
            description: field("description")?,
        };
        valid_command(&command)?;
        commands.push(command);
    }
    if commands.len() > MAX_COMMANDS {
        return Err(ApiError::bad("BOT_COMMANDS_TOO_MUCH"));
    }
    let key = key(params)?;
    let mut state = core.lock();
    if commands.is_empty() {
        state.commands.remove(&key);
    } else {
        state.commands.insert(key, commands);
    }
    Reply::json(&true)
}

pub(crate) fn get_my_commands(core: &Arc<Core>, params: &Params) -> Result<Reply, ApiError> {
    let key = key(params)?;
    let state = core.lock();
    match state.commands.get(&key) {
        Some(list) => Reply::json(list),
        None => Reply::json(&Vec::<TgBotCommand>::new()),
    }
}

pub(crate) fn delete_my_commands(core: &Arc<Core>, params: &Params) -> Result<Reply, ApiError> {
    let key = key(params)?;
    core.lock().commands.remove(&key);
    Reply::json(&true)
}

/// The commands for the default scope and `language` ("" for all languages).
pub(crate) fn default_scope_commands(core: &Core, language: &str) -> Vec<TgBotCommand> {
    let key = (json!({"type": "default"}).to_string(), language.to_owned());
    core.lock().commands.get(&key).cloned().unwrap_or_default()
}
