//! sendMessage, and the delivery steps every sending method shares: formatting, reply target,
//! block checks, flood limits, storing and answering.

use std::sync::Arc;
use std::time::Instant;

use super::{Reply, chat_id, keyboard};
use crate::core::{Core, unix_now};
use crate::error::ApiError;
use crate::html::{self, PARSE_ERROR_PREFIX, utf16_len};
use crate::markdown;
use crate::model::EmulatorEvent;
use crate::params::Params;
use crate::state::{Body, State};
use crate::types::{TgInlineKeyboardMarkup, TgMessageEntity};

/// sendMessage `text`: "1-4096 characters after entities parsing" (T12), counted here in UTF-16
/// code units, the stricter reading (T15).
pub(crate) const MAX_TEXT_LEN: usize = 4096;
/// sendPhoto `caption`: "0-1024 characters after entities parsing" (T13).
pub(crate) const MAX_CAPTION_LEN: usize = 1024;

/// Parses `text` with `parse_mode` (HTML, MarkdownV2, Markdown or none; case-insensitive).
pub(crate) fn format(
    text: &str,
    parse_mode: Option<&str>,
    explicit_entities: Option<Vec<TgMessageEntity>>,
) -> Result<Body, ApiError> {
    let parsed = match parse_mode.map(str::to_ascii_lowercase).as_deref() {
        None | Some("") => Ok(html::Parsed {
            text: text.to_owned(),
            entities: explicit_entities.unwrap_or_default(),
        }),
        Some("html") => html::parse(text),
        Some("markdownv2") => markdown::parse_v2(text),
        Some("markdown") => markdown::parse_v1(text),
        Some(_) => return Err(ApiError::bad_request("Bad Request: unsupported parse_mode")),
    }
    .map_err(|detail| ApiError::bad_request(format!("{PARSE_ERROR_PREFIX}{detail}")))?;
    Ok(Body {
        raw: text.to_owned(),
        plain: parsed.text,
        entities: parsed.entities,
    })
}

/// Reads the formatted text parameters `text_key`, `parse_mode` and `entities_key`.
pub(crate) fn formatted(
    params: &Params,
    text_key: &str,
    entities_key: &str,
) -> Result<Option<Body>, ApiError> {
    let Some(text) = params.str(text_key) else {
        return Ok(None);
    };
    let parse_mode = params.str("parse_mode");
    let entities = params
        .json::<Vec<TgMessageEntity>>(entities_key)
        .map_err(|_| ApiError::bad_request("Bad Request: can't parse entities JSON object"))?;
    format(&text, parse_mode.as_deref(), entities).map(Some)
}

/// A sendMessage text must be non-blank and at most [`MAX_TEXT_LEN`] long after parsing.
pub(crate) fn check_text(body: &Body) -> Result<(), ApiError> {
    if body.plain.trim().is_empty() {
        return Err(ApiError::bad_request("Bad Request: message text is empty"));
    }
    if utf16_len(&body.plain) > MAX_TEXT_LEN {
        return Err(ApiError::bad_request("Bad Request: message is too long"));
    }
    Ok(())
}

/// The message a send replies to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReplyTo {
    pub message_id: i64,
    pub allow_sending_without_reply: bool,
}

/// `reply_parameters` (Bot API 7.0+) or the legacy `reply_to_message_id`.
pub(crate) fn reply_to(params: &Params) -> Result<Option<ReplyTo>, ApiError> {
    #[derive(serde::Deserialize)]
    struct ReplyParameters {
        message_id: i64,
        #[serde(default)]
        allow_sending_without_reply: bool,
    }
    let parameters = params
        .json::<ReplyParameters>("reply_parameters")
        .map_err(|_| {
            ApiError::bad_request("Bad Request: can't parse reply parameters JSON object")
        })?;
    if let Some(p) = parameters {
        return Ok(Some(ReplyTo {
            message_id: p.message_id,
            allow_sending_without_reply: p.allow_sending_without_reply,
        }));
    }
    match params.int("reply_to_message_id") {
        Ok(Some(id)) if id != 0 => Ok(Some(ReplyTo {
            message_id: id,
            allow_sending_without_reply: params.flag("allow_sending_without_reply"),
        })),
        Ok(_) => Ok(None),
        Err(()) => Err(ApiError::bad_request(
            "Bad Request: message to be replied not found",
        )),
    }
}

/// Where a photo comes from.
pub(crate) enum PhotoSource {
    Upload {
        width: u32,
        height: u32,
        bytes: usize,
    },
    FileId(String),
}

/// Everything a new bot message needs, validated except for what depends on the chat.
pub(crate) struct Outgoing {
    pub chat_id: i64,
    pub text: Option<Body>,
    pub caption: Option<Body>,
    pub photo: Option<PhotoSource>,
    pub parse_mode: Option<String>,
    pub reply_markup: Option<TgInlineKeyboardMarkup>,
    pub reply: Option<ReplyTo>,
    pub disable_notification: bool,
    pub protect_content: bool,
    /// `allow_paid_broadcast`: past the free bulk limit, for 0.1 Star per message.
    pub paid_broadcast: bool,
}

impl Outgoing {
    pub(crate) fn from_params(core: &Core, params: &Params) -> Result<Outgoing, ApiError> {
        Ok(Outgoing {
            chat_id: chat_id(core, params)?,
            text: None,
            caption: None,
            photo: None,
            parse_mode: params.non_empty("parse_mode").map(|s| s.into_owned()),
            reply_markup: keyboard::reply_markup(params)?,
            reply: reply_to(params)?,
            disable_notification: params.flag("disable_notification"),
            protect_content: params.flag("protect_content"),
            paid_broadcast: params.flag("allow_paid_broadcast"),
        })
    }
}

pub(crate) fn send_message(core: &Arc<Core>, params: &Params) -> Result<Reply, ApiError> {
    let mut out = Outgoing::from_params(core, params)?;
    let body = formatted(params, "text", "entities")?
        .ok_or_else(|| ApiError::bad_request("Bad Request: message text is empty"))?;
    check_text(&body)?;
    out.text = Some(body);
    // link_preview_options / disable_web_page_preview are accepted; previews are not modelled.
    deliver(core, out)
}

/// The chat may receive a bot message: it exists and its user has neither blocked the bot nor
/// deleted their account.
pub(crate) fn check_recipient(state: &State, chat_id: i64) -> Result<(), ApiError> {
    if !state.chats.contains_key(&chat_id) {
        return Err(ApiError::chat_not_found());
    }
    if let Some(user) = state.users.get(&chat_id) {
        if user.deactivated {
            return Err(ApiError::forbidden("Forbidden: user is deactivated"));
        }
        if user.blocked {
            return Err(ApiError::forbidden(
                "Forbidden: bot was blocked by the user",
            ));
        }
    }
    Ok(())
}

/// `web_app` buttons open a Mini App for the user the chat is with, so Telegram allows them in
/// private chats only. Channel posts are signed by the channel, not the bot, so a button that
/// types `@bot …` cannot work there (TDLib's `get_inline_keyboard_button`).
pub(crate) fn check_markup_fits(
    state: &State,
    chat_id: i64,
    markup: Option<&TgInlineKeyboardMarkup>,
) -> Result<(), ApiError> {
    let chat = state.chats.get(&chat_id).map(|c| &c.chat);
    let private = chat.is_some_and(|c| c.is_private());
    if !private && markup.is_some_and(TgInlineKeyboardMarkup::has_web_app) {
        return Err(ApiError::bad("BUTTON_TYPE_INVALID"));
    }
    if chat.is_some_and(|c| c.is_channel())
        && let Some(button) = markup.and_then(|m| {
            m.buttons().find(|b| {
                b.switch_inline_query.is_some() || b.switch_inline_query_current_chat.is_some()
            })
        })
    {
        let name = if button.switch_inline_query.is_some() {
            "switch_inline_query"
        } else {
            "switch_inline_query_current_chat"
        };
        return Err(ApiError::bad(format!(
            "Can't use {name} button in a channel chat, because users will not be able to use \
             the button without knowing bot's username"
        )));
    }
    Ok(())
}

/// Takes a flood-limit token for `chat_id` (from the paid bucket for a paid broadcast), or
/// answers 429.
pub(crate) fn acquire(
    core: &Core,
    state: &mut State,
    chat_id: i64,
    paid: bool,
) -> Result<(), ApiError> {
    state
        .limiter
        .try_acquire(chat_id, paid, Instant::now())
        .map_err(|retry_after| {
            core.emit(|| EmulatorEvent::RateLimited { chat_id });
            ApiError::too_many_requests(retry_after)
        })
}

/// Records a successful send for counters and observers.
pub(crate) fn sent(core: &Core, chat_id: i64, message_id: i64, edited: bool) {
    core.counters.send_ok(unix_now(), Instant::now());
    core.messages_changed();
    core.emit(|| {
        if edited {
            EmulatorEvent::MessageEdited {
                chat_id,
                message_id,
            }
        } else {
            EmulatorEvent::MessageSent {
                chat_id,
                message_id,
            }
        }
    });
}

/// Checks the chat, reply target and limits, then stores the message and answers it.
pub(crate) fn deliver(core: &Arc<Core>, out: Outgoing) -> Result<Reply, ApiError> {
    let chat_id = out.chat_id;
    let mut guard = core.lock();
    let state = &mut *guard;
    check_recipient(state, chat_id)?;
    check_markup_fits(state, chat_id, out.reply_markup.as_ref())?;
    let mut reply_to = None;
    if let (Some(r), Some(chat)) = (out.reply, state.chats.get(&chat_id)) {
        if chat.get(r.message_id).is_some() {
            reply_to = Some(r.message_id);
        } else if !r.allow_sending_without_reply {
            return Err(ApiError::bad_request(
                "Bad Request: message to be replied not found",
            ));
        }
    }
    // A known file_id is checked before the limits; a new upload gets its file ids only once
    // the send is accepted.
    let reused = match &out.photo {
        Some(PhotoSource::FileId(id)) => Some(state.files.get(id).cloned().ok_or_else(|| {
            ApiError::bad_request("Bad Request: wrong file identifier/HTTP URL specified")
        })?),
        _ => None,
    };
    acquire(core, state, chat_id, out.paid_broadcast)?;
    let photo = match (reused, out.photo) {
        (Some(photo), _) => Some(photo),
        (
            None,
            Some(PhotoSource::Upload {
                width,
                height,
                bytes,
            }),
        ) => {
            core.counters.photo_upload();
            Some(super::photo::register(state, width, height, bytes))
        }
        _ => None,
    };
    let paid_broadcast = out.paid_broadcast;
    let message = state
        .post(chat_id, None, &core.bot, |msg| {
            msg.text = out.text;
            msg.caption = out.caption;
            msg.photo = photo;
            msg.parse_mode = out.parse_mode;
            msg.reply_markup = out.reply_markup;
            msg.reply_to = reply_to;
            msg.disable_notification = out.disable_notification;
            msg.protect_content = out.protect_content;
            msg.paid_broadcast = paid_broadcast;
        })
        .ok_or_else(ApiError::chat_not_found)?;
    let message_id = message.message_id;
    let reply = Reply::json(&message);
    drop(guard);
    if paid_broadcast {
        core.counters.paid_broadcast();
    }
    sent(core, chat_id, message_id, false);
    reply
}
