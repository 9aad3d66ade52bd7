//! The callback buttons under a signal message (see `delivery::buttons`): `✅ Got it`, `✅ I
//! took it` and `🔕 Mute <asset>`, and the `↩️ Undo` under a mute's confirmation. The first tap
//! of any of them marks the delivery read; every tap is answered, a stale or forged one with
//! what happened instead, never an error.

use chrono::Utc;
use teloxide_core::types::{InlineKeyboardButton, InlineKeyboardMarkup};
use uuid::Uuid;

use super::info::effective_rule;
use super::{BotError, Caller, Press};
use crate::bot::BotContext;
use crate::bot::callbacks::Callback;
use crate::domain::filter::MAX_ASSETS;
use crate::domain::i18n::{Arg, t, t_args};
use crate::domain::position::{self, CloseReason};
use crate::domain::preferences::PreferenceChange;
use crate::domain::render::escape;
use crate::domain::signal::Asset;
use crate::positions::{self, Take};

/// The first tap on any button of a signal message is its read receipt.
async fn mark_read(
    ctx: &BotContext,
    caller: &Caller<'_>,
    press: &Press<'_>,
) -> Result<(), BotError> {
    ctx.store
        .mark_read(caller.chat_id, press.message_id, Utc::now())
        .await?;
    Ok(())
}

pub async fn ack(ctx: &BotContext, caller: &Caller<'_>, press: &Press<'_>) -> Result<(), BotError> {
    mark_read(ctx, caller, press).await?;
    ctx.replies
        .answer(&press.query.id, Some(t(caller.lang, "signal-ack-answer")))
        .await
}

/// `✅ I took it`: a position at the signal's entry, confirmed by a reply to the signal that
/// invites the user to reply in turn with their own entry and size.
pub async fn took(
    ctx: &BotContext,
    caller: &Caller<'_>,
    press: &Press<'_>,
    signal_id: Uuid,
) -> Result<(), BotError> {
    mark_read(ctx, caller, press).await?;
    let lang = caller.lang;
    let user_id = press.user.id;
    let take = positions::take(
        &ctx.store,
        user_id,
        caller.chat_id,
        press.message_id,
        signal_id,
        Utc::now(),
    )
    .await?;
    let answer = match take {
        Take::Opened(position) => {
            ctx.replies
                .answer(&press.query.id, Some(t(lang, "took-answer")))
                .await?;
            let text = position::opened(lang, &position);
            let sent = ctx
                .replies
                .reply(caller.chat_id, press.message_id, text, None)
                .await?;
            return Ok(ctx
                .store
                .set_position_message(user_id, position.id, sent)
                .await?);
        }
        Take::AlreadyOpen(_) => t(lang, "took-already-open"),
        Take::AlreadyClosed(_) => t(lang, "took-already-closed"),
        Take::SignalClosed(reason) => t_args(
            lang,
            "signal-closed-answer",
            [(
                "reason",
                Arg::from(position::reason_text(lang, CloseReason::from(reason))),
            )],
        ),
        Take::Unknown => t(lang, "signal-gone"),
        Take::NotTradable => t(lang, "signal-not-tradable"),
    };
    ctx.replies.answer(&press.query.id, Some(answer)).await
}

/// `🔕 Mute <asset>`: the asset joins the muted list (nothing else changes), confirmed by a
/// reply with `↩️ Undo`, which takes it out again.
pub async fn mute(
    ctx: &BotContext,
    caller: &Caller<'_>,
    press: &Press<'_>,
    asset: Asset,
) -> Result<(), BotError> {
    mark_read(ctx, caller, press).await?;
    let account = caller.account()?;
    let lang = caller.lang;
    let name = || [("asset", Arg::from(escape(asset.as_str())))];
    if account.prefs.muted_assets.contains(&asset) {
        let text = t_args(lang, "mute-already", name());
        return ctx.replies.answer(&press.query.id, Some(text)).await;
    }
    let rule = effective_rule(ctx, &account.subscription);
    let Ok(next) = PreferenceChange::Mute(true, asset.clone()).apply(&account.prefs, &rule) else {
        let text = t_args(lang, "mute-too-many", [("max", Arg::from(MAX_ASSETS))]);
        return ctx.replies.answer(&press.query.id, Some(text)).await;
    };
    ctx.store
        .save_preferences(press.user.id, &next, Utc::now())
        .await?;
    ctx.replies
        .answer(&press.query.id, Some(t_args(lang, "mute-answer", name())))
        .await?;
    let undo = InlineKeyboardMarkup::new([[InlineKeyboardButton::callback(
        t(lang, "mute-undo-button"),
        Callback::Unmute(asset.clone()).encode(),
    )]]);
    ctx.replies
        .reply(
            caller.chat_id,
            press.message_id,
            t_args(lang, "mute-done", name()),
            Some(undo),
        )
        .await
        .map(drop)
}

/// `↩️ Undo`: un-mutes the asset, which gives back exactly the preferences before the mute (it
/// only added the asset to the muted list, and only if it was not there).
pub async fn unmute(
    ctx: &BotContext,
    caller: &Caller<'_>,
    press: &Press<'_>,
    asset: Asset,
) -> Result<(), BotError> {
    let account = caller.account()?;
    let lang = caller.lang;
    let name = || [("asset", Arg::from(escape(asset.as_str())))];
    let answer = if account.prefs.muted_assets.contains(&asset) {
        let rule = effective_rule(ctx, &account.subscription);
        // Removing from a list never passes its limit.
        if let Ok(next) = PreferenceChange::Mute(false, asset.clone()).apply(&account.prefs, &rule)
        {
            ctx.store
                .save_preferences(press.user.id, &next, Utc::now())
                .await?;
        }
        t(lang, "mute-undone-answer")
    } else {
        t_args(lang, "mute-undo-stale", name())
    };
    ctx.replies.answer(&press.query.id, Some(answer)).await?;
    ctx.replies
        .edit(
            caller.chat_id,
            press.message_id,
            t_args(lang, "mute-undone", name()),
            None,
        )
        .await
}
