//! Sending the bot's answers. Replies share the dispatcher's limiter, so a chat never gets more
//! than Telegram allows even when a broadcast and a conversation overlap; a 429 is waited out.

use std::sync::Arc;

use teloxide_core::payloads::{
    AnswerCallbackQuerySetters, EditMessageMediaSetters, EditMessageTextSetters,
    SendMessageSetters, SendPhotoSetters,
};
use teloxide_core::prelude::Requester;
use teloxide_core::types::{
    CallbackQueryId, ChatId, FileId, InlineKeyboardMarkup, InputFile, InputMedia, InputMediaPhoto,
    Message, MessageId, ParseMode,
};
use teloxide_core::{Bot, RequestError};
use tokio::time::Instant;

use super::BotError;
use crate::delivery::limits::{self, Limiter};

/// A reply that keeps getting 429s is given up on (the handler reports the error).
const MAX_RATE_LIMITED_RETRIES: u32 = 3;

#[derive(Clone)]
pub struct Replies {
    bot: Bot,
    limiter: Arc<std::sync::Mutex<Limiter>>,
}

impl Replies {
    pub fn new(bot: Bot, limiter: Arc<std::sync::Mutex<Limiter>>) -> Self {
        Self { bot, limiter }
    }

    pub fn bot(&self) -> &Bot {
        &self.bot
    }

    fn limiter(&self) -> std::sync::MutexGuard<'_, Limiter> {
        limits::lock(&self.limiter)
    }

    async fn pace(&self, chat_id: i64) {
        let at = self.limiter().reserve(chat_id, Instant::now());
        limits::wait_to_depart(&self.limiter, at).await;
    }

    /// A 429 on a reply: note it for the chat so the next `pace` waits it out. False when the
    /// answer was not a 429 (or 429s kept coming): the caller gives up.
    fn rate_limited(&self, chat_id: i64, error: &RequestError, attempt: u32) -> bool {
        match error {
            RequestError::RetryAfter(seconds) if attempt < MAX_RATE_LIMITED_RETRIES => {
                self.limiter()
                    .on_retry_after(chat_id, seconds.duration(), Instant::now());
                true
            }
            _ => false,
        }
    }

    /// Sends HTML text (the caller escapes anything from outside) with optional buttons.
    pub async fn send(
        &self,
        chat_id: i64,
        html: String,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<i64, BotError> {
        let mut attempt = 0;
        loop {
            self.pace(chat_id).await;
            let mut request = self
                .bot
                .send_message(ChatId(chat_id), html.clone())
                .parse_mode(ParseMode::Html);
            if let Some(keyboard) = keyboard.clone() {
                request = request.reply_markup(keyboard);
            }
            match request.await {
                Ok(message) => return Ok(i64::from(message.id.0)),
                Err(err) if self.rate_limited(chat_id, &err, attempt) => attempt += 1,
                Err(err) => return Err(BotError::Telegram(describe(&err))),
            }
        }
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
        let mut attempt = 0;
        loop {
            self.pace(chat_id).await;
            let mut request = self
                .bot
                .edit_message_text(ChatId(chat_id), MessageId(message_id), html.clone())
                .parse_mode(ParseMode::Html);
            if let Some(keyboard) = keyboard.clone() {
                request = request.reply_markup(keyboard);
            }
            match request.await {
                Ok(_) => return Ok(()),
                // Pressing the same button twice is not an error worth telling anyone about.
                Err(err) if describe(&err).contains("message is not modified") => return Ok(()),
                Err(err) if self.rate_limited(chat_id, &err, attempt) => attempt += 1,
                Err(err) => return Err(BotError::Telegram(describe(&err))),
            }
        }
    }

    /// Sends a photo (uploaded, or re-sent by the file_id of an earlier upload) with an HTML
    /// caption; returns the message id and the file_id of the largest size Telegram stored.
    pub async fn send_photo(
        &self,
        chat_id: i64,
        photo: Photo,
        caption: String,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<(i64, Option<String>), BotError> {
        self.pace(chat_id).await;
        let mut request = self
            .bot
            .send_photo(ChatId(chat_id), photo.into_input_file())
            .caption(caption)
            .parse_mode(ParseMode::Html);
        if let Some(keyboard) = keyboard {
            request = request.reply_markup(keyboard);
        }
        let message = request
            .await
            .map_err(|err| BotError::Telegram(describe(&err)))?;
        Ok((i64::from(message.id.0), largest_file_id(&message)))
    }

    /// Replaces a photo message's picture, caption and buttons in place; returns the new
    /// picture's file_id.
    pub async fn edit_photo(
        &self,
        chat_id: i64,
        message_id: i64,
        photo: Photo,
        caption: String,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<Option<String>, BotError> {
        let Ok(message_id) = i32::try_from(message_id) else {
            return Ok(None);
        };
        self.pace(chat_id).await;
        let media = InputMedia::Photo(
            InputMediaPhoto::new(photo.into_input_file())
                .caption(caption)
                .parse_mode(ParseMode::Html),
        );
        let mut request =
            self.bot
                .edit_message_media(ChatId(chat_id), MessageId(message_id), media);
        if let Some(keyboard) = keyboard {
            request = request.reply_markup(keyboard);
        }
        match request.await {
            Ok(message) => Ok(largest_file_id(&message)),
            Err(err) if describe(&err).contains("message is not modified") => Ok(None),
            Err(err) => Err(BotError::Telegram(describe(&err))),
        }
    }

    /// Every callback query must be answered, or the user's client shows a spinner.
    pub async fn answer(
        &self,
        query_id: &CallbackQueryId,
        text: Option<String>,
    ) -> Result<(), BotError> {
        let mut request = self.bot.answer_callback_query(query_id.clone());
        if let Some(text) = text {
            request = request.text(text);
        }
        request
            .await
            .map_err(|err| BotError::Telegram(describe(&err)))?;
        Ok(())
    }
}

/// A picture to send: new bytes, or a file Telegram already has.
#[derive(Debug, Clone)]
pub enum Photo {
    Upload(Vec<u8>),
    FileId(String),
}

impl Photo {
    fn into_input_file(self) -> InputFile {
        match self {
            Photo::Upload(bytes) => InputFile::memory(bytes).file_name("chart.png"),
            Photo::FileId(id) => InputFile::file_id(FileId(id)),
        }
    }
}

fn largest_file_id(message: &Message) -> Option<String> {
    message
        .photo()
        .and_then(|sizes| sizes.iter().max_by_key(|size| size.width * size.height))
        .map(|size| size.file.id.0.clone())
}

/// Telegram no longer knows a file_id we kept (answers to a send or edit by file_id).
pub fn is_unknown_file(error: &BotError) -> bool {
    matches!(error, BotError::Telegram(text) if text.contains("wrong file identifier"))
}

/// An error's text without the request URL (which contains the bot token).
fn describe(error: &RequestError) -> String {
    match error {
        RequestError::Network(_) => "network error".to_owned(),
        other => other.to_string(),
    }
}
