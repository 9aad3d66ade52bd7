//! The one way out to Telegram. Deliveries, replies, reports and alerts all send through an
//! [`Outbound`]: it paces each request with the limiter they share (so a chat never gets more than
//! Telegram allows when a broadcast and a conversation overlap), sends it, counts it, classifies a
//! failure and notes a 429 for its chat, so the chat's next slot waits it out.
//!
//! A new kind of send is one method: build the request with `self.bot`, then hand it to `paced`
//! (someone is waiting: 429s are waited out by [`RetryPolicy::REPLIES`]).

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use teloxide_core::payloads::{
    AnswerCallbackQuerySetters, EditMessageMediaSetters, EditMessageTextSetters, SendMessage,
    SendMessageSetters, SendPhotoSetters,
};
use teloxide_core::prelude::Requester;
use teloxide_core::requests::{JsonRequest, Output, Request};
use teloxide_core::types::{
    CallbackQueryId, ChatId, FileId, InlineKeyboardMarkup, InputFile, InputMedia, InputMediaPhoto,
    Message, MessageId, ParseMode,
};
use teloxide_core::{Bot, RequestError};
use tokio::time::Instant;

use super::errors::{SendFailure, classify};
use super::limits::{self, Limiter};
use super::retry::{Decision, RetryPolicy};
use crate::ops::metrics::CallOutcome;

#[derive(Clone)]
pub struct Outbound {
    bot: Bot,
    limiter: Arc<Mutex<Limiter>>,
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

impl Outbound {
    /// Every clone shares `limiter`: build one per process and clone it to every sender.
    pub fn new(bot: Bot, limiter: Limiter) -> Self {
        Self {
            bot,
            limiter: Arc::new(Mutex::new(limiter)),
        }
    }

    /// For requests that are not sends to a chat (getMe, webhook and command registration).
    pub fn bot(&self) -> &Bot {
        &self.bot
    }

    /// The shared pacing state, for a sender that books slots ahead (the dispatcher).
    pub fn limiter(&self) -> MutexGuard<'_, Limiter> {
        limits::lock(&self.limiter)
    }

    /// Books the chat's next slot now; send in it with [`Outbound::send_booked`].
    pub fn book(&self, chat_id: i64) -> Instant {
        self.limiter().reserve(chat_id, Instant::now())
    }

    /// An HTML message (the caller escapes anything from outside) with optional buttons, to send
    /// as it is or with more options set.
    pub fn message(
        &self,
        chat_id: i64,
        html: String,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> JsonRequest<SendMessage> {
        let request = self
            .bot
            .send_message(ChatId(chat_id), html)
            .parse_mode(ParseMode::Html);
        match keyboard {
            Some(keyboard) => request.reply_markup(keyboard),
            None => request,
        }
    }

    /// Sends a message in a slot booked earlier (`book`, or the limiter's `reserve`), once: a
    /// queued sender decides about retries with its own [`RetryPolicy`].
    pub async fn send_booked(
        &self,
        at: Instant,
        chat_id: i64,
        request: JsonRequest<SendMessage>,
    ) -> Result<Message, SendFailure> {
        limits::wait_to_depart(&self.limiter, at).await;
        self.to_chat("sendMessage", chat_id, request.send()).await
    }

    pub async fn send_message(
        &self,
        chat_id: i64,
        html: String,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<Message, SendFailure> {
        let request = self.message(chat_id, html, keyboard);
        self.paced("sendMessage", chat_id, &request).await
    }

    /// Replaces a message's text and buttons in place. Pressing the same button twice asks for
    /// the text the message already has, which is not a failure.
    pub async fn edit_text(
        &self,
        chat_id: i64,
        message_id: MessageId,
        html: String,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<(), SendFailure> {
        let mut request = self
            .bot
            .edit_message_text(ChatId(chat_id), message_id, html)
            .parse_mode(ParseMode::Html);
        if let Some(keyboard) = keyboard {
            request = request.reply_markup(keyboard);
        }
        match self.paced("editMessageText", chat_id, &request).await {
            Err(failure) if failure.says(NOT_MODIFIED) => Ok(()),
            result => result.map(drop),
        }
    }

    /// Sends a photo (uploaded, or re-sent by the file_id of an earlier upload) with an HTML
    /// caption.
    pub async fn send_photo(
        &self,
        chat_id: i64,
        photo: Photo,
        caption: String,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<Message, SendFailure> {
        let mut request = self
            .bot
            .send_photo(ChatId(chat_id), photo.into_input_file())
            .caption(caption)
            .parse_mode(ParseMode::Html);
        if let Some(keyboard) = keyboard {
            request = request.reply_markup(keyboard);
        }
        self.paced("sendPhoto", chat_id, &request).await
    }

    /// Replaces a photo message's picture, caption and buttons in place; `None` when the message
    /// already showed exactly that.
    pub async fn edit_photo(
        &self,
        chat_id: i64,
        message_id: MessageId,
        photo: Photo,
        caption: String,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<Option<Message>, SendFailure> {
        let media = InputMedia::Photo(
            InputMediaPhoto::new(photo.into_input_file())
                .caption(caption)
                .parse_mode(ParseMode::Html),
        );
        let mut request = self
            .bot
            .edit_message_media(ChatId(chat_id), message_id, media);
        if let Some(keyboard) = keyboard {
            request = request.reply_markup(keyboard);
        }
        match self.paced("editMessageMedia", chat_id, &request).await {
            Err(failure) if failure.says(NOT_MODIFIED) => Ok(None),
            result => result.map(Some),
        }
    }

    /// Every callback query must be answered, or the user's client shows a spinner. An answer is
    /// not a message in the chat, so it is not paced.
    pub async fn answer_callback(
        &self,
        query_id: &CallbackQueryId,
        text: Option<String>,
    ) -> Result<(), SendFailure> {
        let mut request = self.bot.answer_callback_query(query_id.clone());
        if let Some(text) = text {
            request = request.text(text);
        }
        self.call("answerCallbackQuery", request.send())
            .await
            .map(drop)
    }

    /// Waits for the chat's slot, sends, and sends again after a 429 as long as
    /// [`RetryPolicy::REPLIES`] allows (the limiter then holds the chat back for `retry_after`).
    async fn paced<R>(
        &self,
        method: &'static str,
        chat_id: i64,
        request: &R,
    ) -> Result<Output<R>, SendFailure>
    where
        R: Request<Err = RequestError>,
    {
        let mut attempts = 1;
        loop {
            limits::wait_to_depart(&self.limiter, self.book(chat_id)).await;
            match self.to_chat(method, chat_id, request.send_ref()).await {
                Err(failure @ SendFailure::RetryAfter(_))
                    if matches!(
                        RetryPolicy::REPLIES.decide(&failure, attempts, 0.5),
                        Decision::Retry { .. }
                    ) =>
                {
                    attempts += 1;
                }
                result => return result,
            }
        }
    }

    /// One request to a chat; a 429 holds back that chat (and, from several chats, everyone).
    async fn to_chat<T>(
        &self,
        method: &'static str,
        chat_id: i64,
        request: impl Future<Output = Result<T, RequestError>>,
    ) -> Result<T, SendFailure> {
        let result = self.call(method, request).await;
        if let Err(SendFailure::RetryAfter(delay)) = &result {
            self.limiter()
                .on_retry_after(chat_id, *delay, Instant::now());
        }
        result
    }

    /// One request: timed, counted by outcome, its failure classified.
    async fn call<T>(
        &self,
        method: &'static str,
        request: impl Future<Output = Result<T, RequestError>>,
    ) -> Result<T, SendFailure> {
        let started = std::time::Instant::now();
        let result = request.await.map_err(|error| classify(&error));
        let outcome = result
            .as_ref()
            .err()
            .map_or(CallOutcome::Ok, SendFailure::call_outcome);
        crate::ops::metrics::telegram_call(method, started, outcome);
        result
    }
}

/// Telegram's answer to an edit that changes nothing.
const NOT_MODIFIED: &str = "message is not modified";
