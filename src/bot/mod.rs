//! The bot conversation: every update from Telegram (polled or pushed to the webhook) lands in
//! the inbox table, and `inbox::process` hands each to `handle_update` — in order within a chat,
//! concurrently across chats.

pub mod commands;
mod handlers;
pub mod inbox;
pub mod poller;
mod replies;

use std::sync::Arc;

use teloxide_core::Bot;
use teloxide_core::types::{Update, UpdateKind};

use crate::delivery::limits::Limiter;
use crate::store::{Store, StoreError};

pub use replies::Replies;

/// Everything a handler may use.
#[derive(Clone)]
pub struct BotContext {
    pub store: Store,
    pub replies: Replies,
    pub bot_username: Arc<str>,
}

impl BotContext {
    pub fn new(
        store: Store,
        bot: Bot,
        limiter: Arc<std::sync::Mutex<Limiter>>,
        bot_username: &str,
    ) -> Self {
        Self {
            store,
            replies: Replies::new(bot, limiter),
            bot_username: bot_username.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("telegram: {0}")]
    Telegram(String),
}

/// Routes one update to its handler. Kinds the bot does not use are confirmed and ignored.
pub async fn handle_update(ctx: &BotContext, update: &Update) -> Result<(), BotError> {
    match &update.kind {
        UpdateKind::Message(message) => handlers::message(ctx, message).await,
        UpdateKind::CallbackQuery(query) => handlers::callback(ctx, query).await,
        UpdateKind::MyChatMember(change) => handlers::membership(ctx, change).await,
        _ => Ok(()),
    }
}

/// The chat an update belongs to, for per-chat ordering.
pub fn chat_of(update: &Update) -> Option<i64> {
    update.chat().map(|chat| chat.id.0).or(match &update.kind {
        UpdateKind::CallbackQuery(query) => Some(query.from.id.0 as i64),
        _ => None,
    })
}
