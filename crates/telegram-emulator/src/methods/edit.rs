//! editMessageText, editMessageReplyMarkup and deleteMessage.

use std::sync::{Arc, MutexGuard};

use super::send::{acquire, check_markup_fits, check_recipient, formatted, sent};
use super::{Reply, chat_id, keyboard};
use crate::core::{Core, unix_now};
use crate::error::ApiError;
use crate::html::utf16_len;
use crate::model::EmulatorEvent;
use crate::params::Params;
use crate::state::{State, StoredMessage};
use crate::types::TgInlineKeyboardMarkup;

use super::send::MAX_TEXT_LEN;

pub(super) const NOT_MODIFIED: &str = "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";

/// Reads `message_id`; inline messages (`inline_message_id`) do not exist in the emulator.
pub(super) fn message_id(params: &Params) -> Result<i64, ApiError> {
    if params.non_empty("inline_message_id").is_some() {
        return Err(ApiError::bad_request("Bad Request: MESSAGE_ID_INVALID"));
    }
    match params.int("message_id") {
        Ok(Some(id)) => Ok(id),
        Ok(None) => Err(ApiError::bad_request(
            "Bad Request: message identifier is not specified",
        )),
        Err(()) => Err(ApiError::bad_request("Bad Request: MESSAGE_ID_INVALID")),
    }
}

/// The bot's own message `message_id` in `chat_id`, for editing.
pub(super) fn editable(
    state: &mut State,
    chat_id: i64,
    message_id: i64,
) -> Result<&mut StoredMessage, ApiError> {
    check_recipient(state, chat_id)?;
    let msg = state
        .chats
        .get_mut(&chat_id)
        .and_then(|chat| chat.get_mut(message_id))
        .ok_or_else(|| ApiError::bad_request("Bad Request: message to edit not found"))?;
    if msg.sender.is_some() {
        return Err(ApiError::bad_request(
            "Bad Request: message can't be edited",
        ));
    }
    Ok(msg)
}

pub(super) fn render(
    core: &Core,
    state: &State,
    chat_id: i64,
    message_id: i64,
) -> Result<Reply, ApiError> {
    let chat = state
        .chats
        .get(&chat_id)
        .ok_or_else(ApiError::chat_not_found)?;
    let msg = chat
        .get(message_id)
        .ok_or_else(|| ApiError::bad_request("Bad Request: message to edit not found"))?;
    Reply::json(&state.render(chat, msg, &core.bot))
}

pub(crate) fn edit_message_text(core: &Arc<Core>, params: &Params) -> Result<Reply, ApiError> {
    let chat_id = chat_id(core, params)?;
    let message_id = message_id(params)?;
    let body = formatted(params, "text", "entities")?
        .filter(|b| !b.plain.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("Bad Request: message text is empty"))?;
    if utf16_len(&body.plain) > MAX_TEXT_LEN {
        // Edits report length with a different, uppercase error than sends.
        return Err(ApiError::bad_request("Bad Request: MESSAGE_TOO_LONG"));
    }
    // Omitting reply_markup removes the keyboard, as on Telegram.
    let markup = keyboard::reply_markup(params)?;
    let mut guard = core.lock();
    let state = &mut *guard;
    check_markup_fits(state, chat_id, markup.as_ref())?;
    let msg = editable(state, chat_id, message_id)?;
    let Some(current) = &msg.text else {
        return Err(ApiError::bad_request(
            "Bad Request: there is no text in the message to edit",
        ));
    };
    if current.plain == body.plain
        && current.entities == body.entities
        && msg.reply_markup == markup
    {
        return Err(ApiError::bad_request(NOT_MODIFIED));
    }
    acquire(core, state, chat_id, false)?;
    let msg = editable(state, chat_id, message_id)?;
    if let Some(old) = msg.text.replace(body) {
        msg.edits.push(old.raw);
    }
    let parse_mode = params.non_empty("parse_mode").map(|s| s.into_owned());
    finish_edit(core, guard, (chat_id, message_id), parse_mode, markup)
}

/// The end of every edit: the new parse mode and keyboard, the edit date, and the answer; the
/// `sent` event goes out once the state is unlocked.
pub(super) fn finish_edit(
    core: &Arc<Core>,
    mut guard: MutexGuard<'_, State>,
    (chat_id, message_id): (i64, i64),
    parse_mode: Option<String>,
    markup: Option<TgInlineKeyboardMarkup>,
) -> Result<Reply, ApiError> {
    let state = &mut *guard;
    let msg = editable(state, chat_id, message_id)?;
    msg.parse_mode = parse_mode;
    msg.reply_markup = markup;
    msg.edit_date = Some(unix_now());
    let reply = render(core, state, chat_id, message_id);
    drop(guard);
    sent(core, chat_id, message_id, true);
    reply
}

pub(crate) fn edit_message_reply_markup(
    core: &Arc<Core>,
    params: &Params,
) -> Result<Reply, ApiError> {
    let chat_id = chat_id(core, params)?;
    let message_id = message_id(params)?;
    let markup = keyboard::reply_markup(params)?;
    let mut guard = core.lock();
    let state = &mut *guard;
    check_markup_fits(state, chat_id, markup.as_ref())?;
    let msg = editable(state, chat_id, message_id)?;
    if msg.reply_markup == markup {
        return Err(ApiError::bad_request(NOT_MODIFIED));
    }
    msg.reply_markup = markup;
    msg.edit_date = Some(unix_now());
    let reply = render(core, state, chat_id, message_id);
    drop(guard);
    core.messages_changed();
    core.emit(|| EmulatorEvent::MessageEdited {
        chat_id,
        message_id,
    });
    reply
}

pub(crate) fn delete_message(core: &Arc<Core>, params: &Params) -> Result<Reply, ApiError> {
    let chat_id = chat_id(core, params)?;
    let message_id = message_id(params)?;
    let mut state = core.lock();
    let chat = state
        .chats
        .get_mut(&chat_id)
        .ok_or_else(ApiError::chat_not_found)?;
    let msg = chat
        .get_mut(message_id)
        .ok_or_else(|| ApiError::bad_request("Bad Request: message to delete not found"))?;
    msg.deleted = true;
    drop(state);
    core.messages_changed();
    core.emit(|| EmulatorEvent::MessageDeleted {
        chat_id,
        message_id,
    });
    Reply::json(&true)
}
