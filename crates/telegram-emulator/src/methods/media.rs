//! editMessageMedia, for photos: replaces a photo message's picture, caption and buttons in
//! place (how a bot refreshes a chart). Other media types are not modelled.

use std::sync::Arc;

use serde_json::Value;

use super::edit::{NOT_MODIFIED, editable, finish_edit, message_id};
use super::photo::{register, uploaded};
use super::send::{MAX_CAPTION_LEN, PhotoSource, acquire, format};
use super::{Reply, chat_id, keyboard};
use crate::core::Core;
use crate::error::ApiError;
use crate::html::utf16_len;
use crate::params::Params;

pub(crate) fn edit_message_media(core: &Arc<Core>, params: &Params) -> Result<Reply, ApiError> {
    let chat_id = chat_id(core, params)?;
    let message_id = message_id(params)?;
    let media = params
        .json_value("media")
        .map_err(|_| ApiError::bad_request("Bad Request: can't parse InputMedia JSON object"))?
        .filter(Value::is_object)
        .ok_or_else(|| ApiError::bad_request("Bad Request: can't parse InputMedia JSON object"))?;
    let field = |name: &str| media.get(name).and_then(Value::as_str);
    if field("type") != Some("photo") {
        return Err(ApiError::bad_request(
            "Bad Request: the emulator edits photo media only",
        ));
    }
    let no_photo = || ApiError::bad_request("Bad Request: there is no photo in the request");
    let source = match field("media").ok_or_else(no_photo)? {
        value if value.starts_with("attach://") => {
            let name = &value["attach://".len()..];
            uploaded(&params.file(name).ok_or_else(no_photo)?.bytes)?
        }
        value if value.starts_with("http://") || value.starts_with("https://") => {
            return Err(ApiError::bad_request(
                "Bad Request: failed to get HTTP URL content",
            ));
        }
        value => PhotoSource::FileId(value.to_owned()),
    };
    let caption = match field("caption") {
        Some(text) => {
            let body = format(text, field("parse_mode"), None)?;
            if utf16_len(&body.plain) > MAX_CAPTION_LEN {
                return Err(ApiError::bad_request(
                    "Bad Request: message caption is too long",
                ));
            }
            Some(body).filter(|b| !b.plain.is_empty())
        }
        None => None,
    };
    let markup = keyboard::reply_markup(params)?;
    let mut guard = core.lock();
    let state = &mut *guard;
    let reused = match &source {
        PhotoSource::FileId(id) => Some(state.files.get(id).cloned().ok_or_else(|| {
            ApiError::bad_request("Bad Request: wrong file identifier/HTTP URL specified")
        })?),
        PhotoSource::Upload { .. } => None,
    };
    let msg = editable(state, chat_id, message_id)?;
    let Some(current) = &msg.photo else {
        return Err(ApiError::bad_request(
            "Bad Request: there is no media in the message to edit",
        ));
    };
    let same_photo = reused.as_ref().is_some_and(|p| Arc::ptr_eq(p, current));
    let same_caption = match (&msg.caption, &caption) {
        (Some(a), Some(b)) => a.plain == b.plain && a.entities == b.entities,
        (None, None) => true,
        _ => false,
    };
    if same_photo && same_caption && msg.reply_markup == markup {
        return Err(ApiError::bad_request(NOT_MODIFIED));
    }
    acquire(core, state, chat_id, false)?;
    let photo = match (reused, source) {
        (Some(photo), _) => photo,
        (
            None,
            PhotoSource::Upload {
                width,
                height,
                bytes,
            },
        ) => {
            core.counters.photo_upload();
            register(state, width, height, bytes)
        }
        (None, PhotoSource::FileId(_)) => return Err(no_photo()),
    };
    let msg = editable(state, chat_id, message_id)?;
    let old = msg.caption.take().map(|b| b.raw).unwrap_or_default();
    msg.edits.push(old);
    msg.photo = Some(photo);
    msg.caption = caption;
    let parse_mode = field("parse_mode").map(str::to_owned);
    finish_edit(core, guard, (chat_id, message_id), parse_mode, markup)
}
