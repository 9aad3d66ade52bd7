//! Handlers, one small function per thing a user can do.

mod onboarding;
mod performance;
mod subscription;

use chrono::Utc;
use teloxide_core::types::{CallbackQuery, ChatMemberUpdated, Message};

use super::commands::{self, Command, Parsed};
use super::{BotContext, BotError};
use crate::delivery::message::parse_ack_data;
use crate::domain::i18n::{Arg, Lang, t, t_args};
use crate::store::User;

pub async fn message(ctx: &BotContext, message: &Message) -> Result<(), BotError> {
    // Groups and channels are not conversations with a user; signals go to private chats.
    if !message.chat.is_private() {
        return Ok(());
    }
    let Some(from) = message.from.as_ref() else {
        return Ok(());
    };
    let chat_id = message.chat.id.0;
    let telegram_lang = from
        .language_code
        .as_deref()
        .and_then(Lang::from_code)
        .unwrap_or_default();
    let user = ctx.store.user_by_telegram_id(from.id.0 as i64).await?;
    let lang = match &user {
        Some(user) => ctx.store.preferences(user.id).await?.language,
        None => telegram_lang,
    };
    let Some(text) = message.text() else {
        return ctx
            .replies
            .send(chat_id, t(lang, "plain-text-hint"), None)
            .await
            .map(drop);
    };
    match commands::parse(text, &ctx.bot_username) {
        None => ctx
            .replies
            .send(chat_id, t(lang, "plain-text-hint"), None)
            .await
            .map(drop),
        Some(Parsed::NotForUs) => Ok(()),
        Some(Parsed::Unknown(name)) => {
            let hint = t_args(
                lang,
                "unknown-command",
                [("command", Arg::from(escape(&name)))],
            );
            ctx.replies.send(chat_id, hint, None).await.map(drop)
        }
        Some(Parsed::Command(Command::Start { payload })) => {
            onboarding::start(ctx, from, chat_id, payload.as_deref(), telegram_lang).await
        }
        Some(Parsed::Command(Command::Subscribe)) => {
            let user = onboarding::register(ctx, from, telegram_lang).await?;
            subscription::subscribe(ctx, &user, chat_id).await
        }
        Some(Parsed::Command(command)) => {
            let Some(user) = user else {
                return ctx
                    .replies
                    .send(chat_id, t(lang, "need-start"), None)
                    .await
                    .map(drop);
            };
            match command {
                Command::Help => help(ctx, chat_id, lang).await,
                Command::Unsubscribe => subscription::unsubscribe(ctx, &user, chat_id, lang).await,
                Command::Performance { args } => {
                    performance::command(ctx, &user, chat_id, lang, &args).await
                }
                Command::Start { .. } | Command::Subscribe => Ok(()),
            }
        }
    }
}

pub async fn callback(ctx: &BotContext, query: &CallbackQuery) -> Result<(), BotError> {
    let user = ctx
        .store
        .user_by_telegram_id(query.from.id.0 as i64)
        .await?;
    let lang = match &user {
        Some(user) => ctx.store.preferences(user.id).await?.language,
        None => query
            .from
            .language_code
            .as_deref()
            .and_then(Lang::from_code)
            .unwrap_or_default(),
    };
    let data = query.data.as_deref().unwrap_or_default();
    let message = query
        .message
        .as_ref()
        .map(|m| (m.chat().id.0, i64::from(m.id().0)));
    match (user, data) {
        (Some(user), onboarding::ACCEPT_DISCLAIMER) => {
            onboarding::accept_disclaimer(ctx, &user, query, message, lang).await
        }
        (Some(user), data) if data.starts_with(performance::CALLBACK_PREFIX) => {
            performance::refresh(ctx, &user, query, lang).await
        }
        (Some(_), data) if parse_ack_data(data).is_some() => {
            if let Some((chat_id, message_id)) = message {
                ctx.store.mark_read(chat_id, message_id, Utc::now()).await?;
            }
            ctx.replies
                .answer(&query.id, Some(t(lang, "signal-ack-answer")))
                .await
        }
        // Stale buttons (an old menu) and forged data get the same harmless answer.
        _ => {
            ctx.replies
                .answer(&query.id, Some(t(lang, "callback-expired")))
                .await
        }
    }
}

/// Telegram tells us when a user blocks (kicked) or unblocks (member) the bot.
pub async fn membership(ctx: &BotContext, change: &ChatMemberUpdated) -> Result<(), BotError> {
    if !change.chat.is_private() {
        return Ok(());
    }
    let chat_id = change.chat.id.0;
    if change.new_chat_member.is_banned() {
        ctx.store.deactivate_chat(chat_id, "blocked").await?;
        ctx.store
            .block_pending_for_chat(chat_id, "user blocked the bot")
            .await?;
        tracing::info!("a user blocked the bot; deliveries to them stopped");
    } else if change.new_chat_member.is_member() {
        ctx.store.reactivate_chat(chat_id).await?;
    }
    Ok(())
}

async fn help(ctx: &BotContext, chat_id: i64, lang: Lang) -> Result<(), BotError> {
    let mut text = t(lang, "help-title");
    for (name, key) in Command::VISIBLE {
        text.push_str(&format!("\n/{name} — {}", t(lang, key)));
    }
    text.push_str("\n\n");
    text.push_str(&t(lang, "help-footer"));
    ctx.replies.send(chat_id, text, None).await.map(drop)
}

/// Escapes text from outside for Telegram's HTML parse mode.
pub fn escape(text: &str) -> String {
    crate::domain::render::escape(text)
}

fn display_name(user: &User) -> String {
    user.first_name
        .clone()
        .or_else(|| user.username.clone())
        .unwrap_or_else(|| "trader".to_owned())
}
