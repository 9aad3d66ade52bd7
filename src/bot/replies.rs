//! The bot's answers, sent through `telegram::Outbound` (paced with deliveries and reports, 429s
//! waited out there); this is only the conversation's side: i64 ids in, `BotError` out.

use teloxide_core::payloads::SendPhotoSetters;
use teloxide_core::types::{CallbackQueryId, InlineKeyboardMarkup, MessageId};

use super::BotError;
use crate::telegram::{Outbound, SendFailure, photo_file_id};

pub use crate::telegram::Photo;

#[derive(Clone)]
pub struct Replies {
    outbound: Outbound,
}

impl Replies {
    pub fn new(outbound: Outbound) -> Self {
        Self { outbound }
    }

    /// Sends HTML text (the caller escapes anything from outside) with optional buttons.
    pub async fn send(
        &self,
        chat_id: i64,
        html: String,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<i64, BotError> {
        let message = self
            .outbound
            .send_message(chat_id, html, keyboard)
            .await
            .map_err(telegram_error)?;
        Ok(i64::from(message.id.0))
    }

    /// Like [`Replies::send`], as a reply to message `reply_to` of the chat.
    pub async fn reply(
        &self,
        chat_id: i64,
        reply_to: i64,
        html: String,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<i64, BotError> {
        let Ok(reply_to) = i32::try_from(reply_to) else {
            return self.send(chat_id, html, keyboard).await;
        };
        let message = self
            .outbound
            .send_reply(chat_id, MessageId(reply_to), html, keyboard)
            .await
            .map_err(telegram_error)?;
        Ok(i64::from(message.id.0))
    }

    /// Answers a pre-checkout query: `Err(reason)` declines it.
    pub async fn answer_pre_checkout(
        &self,
        query_id: teloxide_core::types::PreCheckoutQueryId,
        verdict: Result<(), String>,
    ) -> Result<(), BotError> {
        self.outbound
            .answer_pre_checkout(query_id, verdict)
            .await
            .map_err(telegram_error)
    }

    /// Replaces a message's text and buttons in place (menus, refresh buttons).
    pub async fn edit(
        &self,
        chat_id: i64,
        message_id: i64,
        html: String,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<(), BotError> {
        let Ok(message_id) = i32::try_from(message_id) else {
            return Ok(());
        };
        self.outbound
            .edit_text(chat_id, MessageId(message_id), html, keyboard)
            .await
            .map_err(telegram_error)
    }

    /// Sends a photo (uploaded, or re-sent by the file_id of an earlier upload) with an HTML
    /// caption, or puts it in place of message `replacing`'s picture, caption and buttons.
    /// Returns the file_id of the largest size Telegram stored; none when an edit changed nothing.
    pub async fn photo(
        &self,
        chat_id: i64,
        replacing: Option<i64>,
        photo: Photo,
        caption: String,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<Option<String>, BotError> {
        let message = match replacing {
            None => Some(
                self.outbound
                    .send_photo(chat_id, photo, caption, keyboard)
                    .await,
            ),
            Some(message_id) => {
                let Ok(message_id) = i32::try_from(message_id) else {
                    return Ok(None);
                };
                let edit = MessageId(message_id);
                (self
                    .outbound
                    .edit_photo(chat_id, edit, photo, caption, keyboard)
                    .await)
                    .transpose()
            }
        };
        let message = message.transpose().map_err(telegram_error)?;
        Ok(message.as_ref().and_then(photo_file_id))
    }

    /// Sends a photo with an HTML caption as a reply to message `reply_to` (sent anyway should
    /// that message be gone); returns the file_id of the largest size Telegram stored.
    pub async fn photo_reply(
        &self,
        chat_id: i64,
        reply_to: i64,
        photo: Photo,
        caption: String,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<Option<String>, BotError> {
        let mut request = self.outbound.photo(chat_id, photo, caption, keyboard);
        if let Ok(message_id) = i32::try_from(reply_to) {
            request =
                request.reply_parameters(crate::telegram::reply_parameters(MessageId(message_id)));
        }
        let message = self
            .outbound
            .send_photo_request(chat_id, request)
            .await
            .map_err(telegram_error)?;
        Ok(photo_file_id(&message))
    }

    /// Answers an inline query with these results (none: "no results"), personal to the asker.
    pub async fn answer_inline(
        &self,
        query_id: teloxide_core::types::InlineQueryId,
        results: Vec<teloxide_core::types::InlineQueryResult>,
        cache_time: u32,
    ) -> Result<(), BotError> {
        self.outbound
            .answer_inline(query_id, results, cache_time, true)
            .await
            .map_err(telegram_error)
    }

    /// Every callback query must be answered, or the user's client shows a spinner.
    pub async fn answer(
        &self,
        query_id: &CallbackQueryId,
        text: Option<String>,
    ) -> Result<(), BotError> {
        self.outbound
            .answer_callback(query_id, text)
            .await
            .map_err(telegram_error)
    }
}

fn telegram_error(failure: SendFailure) -> BotError {
    BotError::Telegram(failure.to_string())
}

/// Telegram no longer knows a file_id we kept (answers to a send or edit by file_id).
pub fn is_unknown_file(error: &BotError) -> bool {
    matches!(error, BotError::Telegram(text) if text.contains("wrong file identifier"))
}
