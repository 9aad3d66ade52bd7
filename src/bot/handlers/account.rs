//! `/language` and `/delete`.

use chrono::Utc;
use teloxide_core::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use super::{Caller, Press, escape, send, send_with};
use crate::accounts::{self, AccountError, Actor};
use crate::bot::callbacks::Callback;
use crate::bot::{BotContext, BotError};
use crate::domain::filter::parse_lang;
use crate::domain::i18n::{Arg, Lang, t, t_args};
use crate::store::User;

fn language_keyboard() -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([Lang::ALL
        .into_iter()
        .map(|lang| {
            InlineKeyboardButton::callback(
                t(lang, "language-name"),
                Callback::Language(lang).encode(),
            )
        })
        .collect::<Vec<_>>()])
}

fn choices() -> String {
    Lang::ALL
        .into_iter()
        .map(|lang| format!("{} ({})", lang.code(), t(lang, "language-name")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `/language` shows buttons; `/language es` switches at once.
pub async fn language(
    ctx: &BotContext,
    caller: &Caller<'_>,
    user: &User,
    args: &str,
) -> Result<(), BotError> {
    if args.is_empty() {
        let text = t_args(
            caller.lang,
            "language-current",
            [("language", Arg::from(t(caller.lang, "language-name")))],
        );
        return send_with(ctx, caller.chat_id, text, language_keyboard()).await;
    }
    let Some(lang) = parse_lang(args) else {
        let reply = t_args(
            caller.lang,
            "language-unknown",
            [
                (
                    "input",
                    Arg::from(escape(&super::onboarding::clip(args, 20))),
                ),
                ("choices", Arg::from(choices())),
            ],
        );
        return send(ctx, caller.chat_id, reply).await;
    };
    set_language(ctx, user, lang).await?;
    send(ctx, caller.chat_id, t(lang, "language-set")).await
}

async fn set_language(ctx: &BotContext, user: &User, lang: Lang) -> Result<(), BotError> {
    let mut prefs = ctx.store.preferences(user.id).await?;
    if prefs.language != lang {
        prefs.language = lang;
        ctx.store
            .save_preferences(user.id, &prefs, Utc::now())
            .await?;
    }
    Ok(())
}

pub async fn language_pressed(
    ctx: &BotContext,
    caller: &Caller<'_>,
    press: &Press<'_>,
    lang: Lang,
) -> Result<(), BotError> {
    set_language(ctx, press.user, lang).await?;
    ctx.replies.answer(&press.query.id, None).await?;
    ctx.replies
        .edit(
            caller.chat_id,
            press.message_id,
            t(lang, "language-set"),
            None,
        )
        .await
}

pub async fn ask_delete(ctx: &BotContext, caller: &Caller<'_>) -> Result<(), BotError> {
    let keyboard = InlineKeyboardMarkup::new([[
        InlineKeyboardButton::callback(
            t(caller.lang, "delete-confirm-button"),
            Callback::Delete(true).encode(),
        ),
        InlineKeyboardButton::callback(
            t(caller.lang, "delete-cancel-button"),
            Callback::Delete(false).encode(),
        ),
    ]]);
    send_with(
        ctx,
        caller.chat_id,
        t(caller.lang, "delete-question"),
        keyboard,
    )
    .await
}

pub async fn delete_pressed(
    ctx: &BotContext,
    caller: &Caller<'_>,
    press: &Press<'_>,
    confirmed: bool,
) -> Result<(), BotError> {
    ctx.replies.answer(&press.query.id, None).await?;
    if !confirmed {
        return ctx
            .replies
            .edit(
                caller.chat_id,
                press.message_id,
                t(caller.lang, "delete-cancelled"),
                None,
            )
            .await;
    }
    let user_id = press.user.id;
    match accounts::erase(&ctx.store, user_id, Actor::User(user_id)).await {
        // Gone already: a second press raced this one, and the answer is the same.
        Ok(()) | Err(AccountError::UnknownUser) => {}
        Err(AccountError::Store(err)) => return Err(err.into()),
    }
    tracing::info!("a user erased their data");
    ctx.replies
        .edit(
            caller.chat_id,
            press.message_id,
            t(caller.lang, "delete-done"),
            None,
        )
        .await
}
