//! `/positions` (open, with P&L at the last price and a Close button each) and `/positions
//! closed` (realized P&L); the Close question and its answer; replies to a position's
//! confirmation that set the user's own entry and size.

use chrono::Utc;
use teloxide_core::types::{InlineKeyboardButton, InlineKeyboardMarkup, Message};
use uuid::Uuid;

use super::{BotError, Caller, Press, escape, send, send_with};
use crate::bot::BotContext;
use crate::bot::callbacks::Callback;
use crate::domain::i18n::{Arg, Lang, t, t_args};
use crate::domain::position::{self, MAX_LISTED, Position};
use crate::domain::signal::Price;
use crate::positions::{self, Quote, Reply};
use crate::store::Account;

pub async fn command(
    ctx: &BotContext,
    caller: &Caller<'_>,
    account: &Account,
    args: &str,
) -> Result<(), BotError> {
    let user_id = account.user.id;
    match args.trim().to_ascii_lowercase().as_str() {
        "" | "open" => {
            let open = ctx.store.open_positions(user_id).await?;
            match open_view(caller.lang, &open) {
                (text, Some(keyboard)) => send_with(ctx, caller.chat_id, text, keyboard).await,
                (text, None) => send(ctx, caller.chat_id, text).await,
            }
        }
        "closed" => {
            let closed = ctx
                .store
                .closed_positions(user_id, Some(MAX_LISTED))
                .await?;
            let total = ctx.store.count_closed_positions(user_id).await?;
            let older = total.saturating_sub(closed.len());
            let text = position::closed_list(caller.lang, &closed, older, account.prefs.timezone);
            send(ctx, caller.chat_id, text).await
        }
        _ => send(ctx, caller.chat_id, t(caller.lang, "positions-usage")).await,
    }
}

/// The open positions and a Close button for each one listed.
fn open_view(
    lang: Lang,
    open: &[(Position, Option<Price>)],
) -> (String, Option<InlineKeyboardMarkup>) {
    let text = position::open_list(lang, open);
    if open.is_empty() {
        return (text, None);
    }
    let buttons: Vec<InlineKeyboardButton> = open
        .iter()
        .take(MAX_LISTED)
        .enumerate()
        .map(|(n, (position, _))| {
            InlineKeyboardButton::callback(
                t_args(lang, "positions-close-button", [("n", Arg::from(n + 1))]),
                Callback::AskClose(position.id).encode(),
            )
        })
        .collect();
    let rows: Vec<Vec<InlineKeyboardButton>> = buttons.chunks(4).map(<[_]>::to_vec).collect();
    (text, Some(InlineKeyboardMarkup::new(rows)))
}

/// Puts the open list back into the pressed message.
async fn redraw(ctx: &BotContext, caller: &Caller<'_>, press: &Press<'_>) -> Result<(), BotError> {
    let open = ctx.store.open_positions(press.user.id).await?;
    let (text, keyboard) = open_view(caller.lang, &open);
    ctx.replies
        .edit(caller.chat_id, press.message_id, text, keyboard)
        .await
}

fn no_price(lang: Lang, asset: &crate::domain::signal::Asset) -> String {
    t_args(
        lang,
        "position-close-no-price",
        [("asset", Arg::from(escape(asset.as_str())))],
    )
}

/// A Close button: the price it would close at and what that makes, to confirm.
pub async fn ask_close(
    ctx: &BotContext,
    caller: &Caller<'_>,
    press: &Press<'_>,
    id: Uuid,
) -> Result<(), BotError> {
    let lang = caller.lang;
    match positions::quote(&ctx.store, press.user.id, id).await? {
        Quote::At(position, price) => {
            ctx.replies.answer(&press.query.id, None).await?;
            let keyboard = InlineKeyboardMarkup::new([[
                InlineKeyboardButton::callback(
                    t(lang, "position-close-yes"),
                    Callback::ClosePosition(id).encode(),
                ),
                InlineKeyboardButton::callback(
                    t(lang, "position-close-back"),
                    Callback::Positions.encode(),
                ),
            ]]);
            let text = position::close_question(lang, &position, price);
            ctx.replies
                .edit(caller.chat_id, press.message_id, text, Some(keyboard))
                .await
        }
        Quote::NoPrice(asset) => {
            ctx.replies
                .answer(&press.query.id, Some(no_price(lang, &asset)))
                .await
        }
        Quote::Gone => {
            ctx.replies
                .answer(&press.query.id, Some(t(lang, "position-gone")))
                .await?;
            redraw(ctx, caller, press).await
        }
    }
}

/// `✅ Close it`: closes at the last price now (which may have moved since the question).
pub async fn close(
    ctx: &BotContext,
    caller: &Caller<'_>,
    press: &Press<'_>,
    id: Uuid,
) -> Result<(), BotError> {
    let lang = caller.lang;
    let answer = match positions::close(&ctx.store, press.user.id, id, Utc::now()).await? {
        Quote::At(closed, _) => position::closed_answer(lang, &closed),
        Quote::NoPrice(asset) => no_price(lang, &asset),
        Quote::Gone => t(lang, "position-gone"),
    };
    ctx.replies.answer(&press.query.id, Some(answer)).await?;
    redraw(ctx, caller, press).await
}

/// `↩️ Back`.
pub async fn list_pressed(
    ctx: &BotContext,
    caller: &Caller<'_>,
    press: &Press<'_>,
) -> Result<(), BotError> {
    ctx.replies.answer(&press.query.id, None).await?;
    redraw(ctx, caller, press).await
}

/// The bot message a user's message replies to, if it replies to one of ours.
pub fn replied_to_bot(message: &Message) -> Option<i64> {
    message
        .reply_to_message()
        .filter(|replied| replied.from.as_ref().is_some_and(|from| from.is_bot))
        .map(|replied| i64::from(replied.id.0))
}

/// A reply to a position's confirmation (or to the signal it was taken on) with the user's own
/// entry, or entry and size. False when the replied message is not about a position of theirs.
pub async fn replied(
    ctx: &BotContext,
    caller: &Caller<'_>,
    account: &Account,
    replied_to: i64,
    text: &str,
) -> Result<bool, BotError> {
    let Some(position) = ctx
        .store
        .position_replied_to(account.user.id, caller.chat_id, replied_to)
        .await?
    else {
        return Ok(false);
    };
    let lang = caller.lang;
    let answer = match positions::reply(&ctx.store, &position, text).await? {
        Reply::Set(updated) => position::entry_set(lang, &updated),
        Reply::Closed => t(lang, "position-reply-closed"),
        Reply::Refused(err, asset) => position::reply_error(lang, &err, &asset),
    };
    send(ctx, caller.chat_id, answer).await?;
    Ok(true)
}
