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
    AnswerCallbackQuerySetters, AnswerInlineQuerySetters, AnswerPreCheckoutQuerySetters,
    CreateInvoiceLinkSetters, EditMessageMediaSetters, EditMessageTextSetters, SendMessage,
    SendMessageSetters, SendPhoto, SendPhotoSetters, SetChatMenuButtonSetters,
};
use teloxide_core::prelude::Requester;
use teloxide_core::requests::{JsonRequest, MultipartRequest, Output, Request};
use teloxide_core::types::{
    CallbackQueryId, ChatId, FileId, InlineKeyboardMarkup, InlineQueryId, InlineQueryResult,
    InputFile, InputMedia, InputMediaPhoto, LabeledPrice, MenuButton, Message, MessageId,
    ParseMode, PreCheckoutQueryId, ReplyParameters, Seconds, TelegramTransactionId, UserId,
    WebAppInfo,
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

/// Telegram Stars, the currency of digital goods.
const STARS: &str = "XTR";

/// What a Stars invoice asks for.
#[derive(Debug, Clone)]
pub struct Invoice {
    /// 1-32 characters.
    pub title: String,
    /// 1-255 characters.
    pub description: String,
    /// 1-128 bytes, handed back with the pre-checkout query and the payment.
    pub payload: String,
    pub label: String,
    pub stars: u32,
    pub renews: bool,
}

/// A picture to send: new bytes, or a file Telegram already has.
#[derive(Debug, Clone)]
pub enum Photo {
    Upload(Vec<u8>),
    FileId(String),
}

/// The file_id of the largest size Telegram stored of a sent photo, for sending it again.
pub fn photo_file_id(message: &Message) -> Option<String> {
    message
        .photo()
        .and_then(|sizes| sizes.iter().max_by_key(|size| size.width * size.height))
        .map(|size| size.file.id.0.clone())
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

    /// Like [`Outbound::send_message`], as a reply to `reply_to` in the same chat (sent anyway
    /// should that message be gone).
    pub async fn send_reply(
        &self,
        chat_id: i64,
        reply_to: MessageId,
        html: String,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<Message, SendFailure> {
        let request = self
            .message(chat_id, html, keyboard)
            .reply_parameters(reply_parameters(reply_to));
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

    /// A photo (uploaded, or re-sent by the file_id of an earlier upload) with an HTML caption
    /// and optional buttons, to send as it is or with more options set.
    pub fn photo(
        &self,
        chat_id: i64,
        photo: Photo,
        caption: String,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> MultipartRequest<SendPhoto> {
        let request = self
            .bot
            .send_photo(ChatId(chat_id), photo.into_input_file())
            .caption(caption)
            .parse_mode(ParseMode::Html);
        match keyboard {
            Some(keyboard) => request.reply_markup(keyboard),
            None => request,
        }
    }

    /// Sends a photo in a slot booked earlier, once, as [`Outbound::send_booked`] does a message.
    pub async fn send_photo_booked(
        &self,
        at: Instant,
        chat_id: i64,
        request: MultipartRequest<SendPhoto>,
    ) -> Result<Message, SendFailure> {
        limits::wait_to_depart(&self.limiter, at).await;
        self.to_chat("sendPhoto", chat_id, request.send()).await
    }

    /// Sends a photo with an HTML caption, paced like every reply.
    pub async fn send_photo(
        &self,
        chat_id: i64,
        photo: Photo,
        caption: String,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<Message, SendFailure> {
        let request = self.photo(chat_id, photo, caption, keyboard);
        self.paced("sendPhoto", chat_id, &request).await
    }

    /// Sends a prepared photo request (a reply with more options set), paced like every reply.
    pub async fn send_photo_request(
        &self,
        chat_id: i64,
        request: MultipartRequest<SendPhoto>,
    ) -> Result<Message, SendFailure> {
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

    /// A Telegram Stars invoice link (`XTR`, no provider token, one price); `renews` makes it a
    /// subscription Telegram charges again every 30 days.
    pub async fn invoice_link(&self, invoice: Invoice) -> Result<String, SendFailure> {
        let price = LabeledPrice::new(invoice.label, invoice.stars);
        let mut request = self.bot.create_invoice_link(
            invoice.title,
            invoice.description,
            invoice.payload,
            STARS,
            [price],
        );
        if invoice.renews {
            request = request.subscription_period(Seconds::from_seconds(
                crate::billing::SUBSCRIPTION_PERIOD_SECS,
            ));
        }
        self.call("createInvoiceLink", request.send()).await
    }

    /// Answers a pre-checkout query: `Err(reason)` declines, with the reason shown to the user.
    /// Telegram waits 10 seconds for it; it is not a message in a chat, so it is not paced.
    pub async fn answer_pre_checkout(
        &self,
        query_id: PreCheckoutQueryId,
        verdict: Result<(), String>,
    ) -> Result<(), SendFailure> {
        let mut request = self
            .bot
            .answer_pre_checkout_query(query_id, verdict.is_ok());
        if let Err(reason) = verdict {
            request = request.error_message(reason);
        }
        self.call("answerPreCheckoutQuery", request.send())
            .await
            .map(drop)
    }

    /// Answers an inline query (an empty list is "no results"). `is_personal` keeps Telegram
    /// from showing one user's answer to another. Not a message in a chat, so not paced.
    pub async fn answer_inline(
        &self,
        query_id: InlineQueryId,
        results: Vec<InlineQueryResult>,
        cache_time: u32,
        is_personal: bool,
    ) -> Result<(), SendFailure> {
        let request = self
            .bot
            .answer_inline_query(query_id, results)
            .cache_time(cache_time)
            .is_personal(is_personal);
        self.call("answerInlineQuery", request.send())
            .await
            .map(drop)
    }

    /// Gives a user back the Stars of one charge; Telegram then sends a `refunded_payment`.
    pub async fn refund_stars(&self, telegram_id: i64, charge_id: &str) -> Result<(), SendFailure> {
        let user = UserId(u64::try_from(telegram_id).unwrap_or_default());
        let request = self
            .bot
            .refund_star_payment(user, TelegramTransactionId(charge_id.to_owned()));
        self.call("refundStarPayment", request.send())
            .await
            .map(drop)
    }

    /// The menu button every private chat shows: a Mini App at `url`, labelled `text`.
    pub async fn set_menu_app(&self, text: String, url: reqwest::Url) -> Result<(), SendFailure> {
        let button = MenuButton::WebApp {
            text,
            web_app: WebAppInfo { url },
        };
        let request = self.bot.set_chat_menu_button().menu_button(button);
        self.call("setChatMenuButton", request.send())
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

/// A reply to `message_id` in the same chat, sent without it should it be gone (deleted by the
/// user): the reply still makes sense on its own.
pub fn reply_parameters(message_id: MessageId) -> ReplyParameters {
    ReplyParameters {
        message_id,
        chat_id: None,
        allow_sending_without_reply: Some(true),
        quote: None,
        quote_parse_mode: None,
        quote_entities: None,
        quote_position: None,
    }
}

/// Telegram's answer to an edit that changes nothing.
const NOT_MODIFIED: &str = "message is not modified";
