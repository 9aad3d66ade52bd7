//! The bot conversation: every update from Telegram (polled or pushed to the webhook) lands in
//! the inbox table, and `inbox::process` hands each to `handle_update` — in order within a chat,
//! concurrently across chats.

pub mod callbacks;
pub mod commands;
mod handlers;
pub mod inbox;
pub mod poller;
pub mod ratelimit;
pub mod reminders;
mod replies;
pub mod setup;

use std::sync::Arc;

use teloxide_core::types::{Update, UpdateKind};

use crate::domain::tier::TierRules;
use crate::ops::health::TelegramProbe;
use crate::store::{CallerRecord, Store, StoreError};
use crate::telegram::Outbound;

pub use replies::Replies;

/// The update kinds the bot handles: what the poller asks for and the webhook registers.
pub const ALLOWED_UPDATES: [teloxide_core::types::AllowedUpdate; 5] = [
    teloxide_core::types::AllowedUpdate::Message,
    teloxide_core::types::AllowedUpdate::CallbackQuery,
    teloxide_core::types::AllowedUpdate::InlineQuery,
    teloxide_core::types::AllowedUpdate::MyChatMember,
    teloxide_core::types::AllowedUpdate::PreCheckoutQuery,
];

/// What the conversation needs from the configuration.
#[derive(Clone)]
pub struct BotSettings {
    pub tiers: Arc<TierRules>,
    /// `HERALD_ADMIN_IDS`; users flagged `is_admin` in the database are admins too.
    pub admin_ids: Arc<[i64]>,
    /// Commands per user per minute.
    pub commands_per_minute: u32,
    /// The Mini App's address (`HERALD_PUBLIC_URL` + `/app`), when it is on.
    pub mini_app: Option<reqwest::Url>,
}

impl Default for BotSettings {
    fn default() -> Self {
        Self {
            tiers: Arc::new(TierRules::default()),
            admin_ids: Arc::from(Vec::new()),
            commands_per_minute: ratelimit::CommandRate::DEFAULT_PER_MINUTE,
            mini_app: None,
        }
    }
}

/// Everything a handler may use.
#[derive(Clone)]
pub struct BotContext {
    pub store: Store,
    pub replies: Replies,
    pub bot_username: Arc<str>,
    pub settings: BotSettings,
    pub rate: Arc<ratelimit::CommandRate>,
    /// Button presses have their own, larger budget: a menu takes several presses.
    pub press_rate: Arc<ratelimit::CommandRate>,
    pub telegram: TelegramProbe,
    /// Wakes the premium reminder loop after a `/grant` or a payment.
    pub reminders_wake: Arc<tokio::sync::Notify>,
    /// Stars payments: plans, invoice links, grants and refunds.
    pub billing: crate::billing::Billing,
}

impl BotContext {
    pub fn new(
        store: Store,
        outbound: Outbound,
        bot_username: &str,
        settings: BotSettings,
        billing: crate::billing::Billing,
    ) -> Self {
        Self {
            store,
            telegram: TelegramProbe::new(outbound.bot().clone()),
            replies: Replies::new(outbound),
            bot_username: bot_username.into(),
            rate: Arc::new(ratelimit::CommandRate::new(settings.commands_per_minute)),
            press_rate: Arc::new(ratelimit::CommandRate::new(
                settings.commands_per_minute.saturating_mul(3),
            )),
            settings,
            reminders_wake: Arc::new(tokio::sync::Notify::new()),
            billing,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("telegram: {0}")]
    Telegram(String),
    #[error(transparent)]
    Billing(#[from] crate::billing::BillingError),
}

/// Routes one update to its handler. Kinds the bot does not use are confirmed and ignored.
/// `prefetched` is the chat's caller record if it was read with the update.
pub async fn handle_update(
    ctx: &BotContext,
    update: &Update,
    prefetched: Option<CallerRecord>,
) -> Result<(), BotError> {
    match &update.kind {
        UpdateKind::Message(message) => handlers::message(ctx, message, prefetched).await,
        UpdateKind::CallbackQuery(query) => handlers::callback(ctx, query, prefetched).await,
        UpdateKind::MyChatMember(change) => handlers::membership(ctx, change).await,
        UpdateKind::PreCheckoutQuery(query) => handlers::pre_checkout(ctx, query).await,
        UpdateKind::InlineQuery(query) => handlers::inline(ctx, query, prefetched).await,
        _ => Ok(()),
    }
}

/// The chat an update belongs to, for per-chat ordering.
pub fn chat_of(update: &Update) -> Option<i64> {
    update.chat().map(|chat| chat.id.0).or(match &update.kind {
        UpdateKind::CallbackQuery(query) => Some(query.from.id.0 as i64),
        UpdateKind::PreCheckoutQuery(query) => Some(query.from.id.0 as i64),
        // Per user, like button presses: a user's queries are answered in order.
        UpdateKind::InlineQuery(query) => Some(query.from.id.0 as i64),
        _ => None,
    })
}
