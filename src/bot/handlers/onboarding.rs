//! `/start` and the risk disclaimer every user accepts before signals reach them.

use chrono::Utc;
use teloxide_core::types::{CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup};

use super::{display_name, escape};
use crate::bot::{BotContext, BotError};
use crate::domain::i18n::{Arg, Lang, t, t_args};
use crate::store::{NewUser, User};

pub const ACCEPT_DISCLAIMER: &str = "disclaimer:accept";

/// Registers a Telegram user (id, username and names — nothing else) or refreshes their names.
pub async fn register(
    ctx: &BotContext,
    from: &teloxide_core::types::User,
    lang: Lang,
) -> Result<User, BotError> {
    let new = NewUser {
        telegram_id: from.id.0 as i64,
        username: from.username.clone(),
        first_name: Some(from.first_name.clone()),
        last_name: from.last_name.clone(),
        language_code: from.language_code.clone(),
    };
    let (user, created) = ctx.store.upsert_user(&new, lang, Utc::now()).await?;
    if created {
        tracing::info!("new user registered");
    }
    if !user.is_active {
        ctx.store.reactivate_chat(user.telegram_id).await?;
    }
    Ok(user)
}

pub async fn start(
    ctx: &BotContext,
    from: &teloxide_core::types::User,
    chat_id: i64,
    _payload: Option<&str>,
    lang: Lang,
) -> Result<(), BotError> {
    let user = register(ctx, from, lang).await?;
    let lang = ctx.store.preferences(user.id).await?.language;
    let name = Arg::from(escape(&display_name(&user)));
    if user.disclaimer_accepted_at.is_none() {
        let welcome = t_args(lang, "start-welcome", [("name", name)]);
        ctx.replies.send(chat_id, welcome, None).await?;
        return send_disclaimer(ctx, chat_id, lang).await;
    }
    let subscribed = ctx.store.subscription(user.id).await?.subscribed;
    let key = if subscribed {
        "start-welcome-back-subscribed"
    } else {
        "start-welcome-back"
    };
    ctx.replies
        .send(chat_id, t_args(lang, key, [("name", name)]), None)
        .await
        .map(drop)
}

pub async fn send_disclaimer(ctx: &BotContext, chat_id: i64, lang: Lang) -> Result<(), BotError> {
    let keyboard = InlineKeyboardMarkup::new([[InlineKeyboardButton::callback(
        t(lang, "disclaimer-accept-button"),
        ACCEPT_DISCLAIMER,
    )]]);
    ctx.replies
        .send(chat_id, t(lang, "disclaimer-text"), Some(keyboard))
        .await
        .map(drop)
}

pub async fn accept_disclaimer(
    ctx: &BotContext,
    user: &User,
    query: &CallbackQuery,
    message: Option<(i64, i64)>,
    lang: Lang,
) -> Result<(), BotError> {
    ctx.store.accept_disclaimer(user.id, Utc::now()).await?;
    ctx.replies.answer(&query.id, None).await?;
    let subscribed = ctx.store.subscription(user.id).await?.subscribed;
    let key = if subscribed {
        "disclaimer-accepted-subscribed"
    } else {
        "disclaimer-accepted"
    };
    let text = format!("{}\n\n{}", t(lang, "disclaimer-text"), t(lang, key));
    match message {
        // The disclaimer message itself turns into the record of acceptance (button removed).
        Some((chat_id, message_id)) => ctx.replies.edit(chat_id, message_id, text, None).await,
        None => ctx
            .replies
            .send(user.telegram_id, text, None)
            .await
            .map(drop),
    }
}
