//! `/alert BTC/USD > 50000` sets a price alert; `/alerts` lists the waiting ones, each with a
//! delete button. Bad input is named in the reply and nothing is stored.

use chrono::Utc;
use teloxide_core::types::{InlineKeyboardButton, InlineKeyboardMarkup};
use uuid::Uuid;

use super::info::effective_rule;
use super::{BotError, Caller, Press, send, send_with};
use crate::bot::BotContext;
use crate::bot::callbacks::Callback;
use crate::domain::i18n::{Arg, Lang, t, t_args};
use crate::domain::price_alert::{ParseError, Refusal};
use crate::domain::render::escape;
use crate::price_alerts::{self, CreateError};
use crate::store::{Account, PriceAlert};

pub async fn set(
    ctx: &BotContext,
    caller: &Caller<'_>,
    account: &Account,
    args: &str,
) -> Result<(), BotError> {
    let lang = caller.lang;
    let limit = effective_rule(ctx, &account.subscription).price_alerts;
    let user_id = account.user.id;
    let created =
        price_alerts::create(&ctx.store, user_id, caller.chat_id, args, limit, Utc::now()).await;
    let text = match created {
        Ok(alert) => {
            let waiting = ctx.store.armed_price_alerts(user_id).await?.len();
            t_args(
                lang,
                "alert-set",
                [
                    ("alert", Arg::from(escape(&alert.spec))),
                    ("count", Arg::from(waiting)),
                    ("limit", Arg::from(limit)),
                ],
            )
        }
        Err(CreateError::Store(err)) => return Err(err.into()),
        Err(err) => refusal(lang, &err),
    };
    send(ctx, caller.chat_id, text).await
}

fn refusal(lang: Lang, err: &CreateError) -> String {
    match err {
        CreateError::Parse(ParseError::Usage) => t(lang, "alert-usage"),
        CreateError::Parse(ParseError::Asset(problem)) => {
            t_args(lang, "alert-bad-asset", [("problem", Arg::from(*problem))])
        }
        CreateError::Parse(ParseError::Level(text)) => {
            t_args(lang, "alert-bad-level", [("text", Arg::from(escape(text)))])
        }
        CreateError::Parse(ParseError::Percent(text)) => t_args(
            lang,
            "alert-bad-percent",
            [("text", Arg::from(escape(text)))],
        ),
        CreateError::Refused(Refusal::AlreadyPast { last }, _) => t_args(
            lang,
            "alert-already-past",
            [("price", Arg::from(last.normalize().to_string()))],
        ),
        CreateError::Refused(Refusal::AtLevel, _) => t(lang, "alert-at-level"),
        CreateError::Refused(Refusal::NoPrice, asset) => t_args(
            lang,
            "alert-no-price",
            [("asset", Arg::from(escape(asset.as_str())))],
        ),
        CreateError::Full(limit) => t_args(lang, "alert-limit", [("limit", Arg::from(*limit))]),
        CreateError::Store(_) => t(lang, "error-apology"),
    }
}

/// The waiting alerts and a delete button for each.
fn listing(lang: Lang, alerts: &[PriceAlert]) -> (String, Option<InlineKeyboardMarkup>) {
    if alerts.is_empty() {
        return (t(lang, "alerts-none"), None);
    }
    let lines: Vec<String> = alerts
        .iter()
        .enumerate()
        .map(|(i, alert)| format!("{}. {}", i + 1, escape(&alert.spec)))
        .collect();
    let text = format!("{}\n\n{}", t(lang, "alerts-title"), lines.join("\n"));
    let rows = alerts.iter().enumerate().map(|(i, alert)| {
        [InlineKeyboardButton::callback(
            t_args(lang, "alerts-delete-button", [("n", Arg::from(i + 1))]),
            Callback::DeletePriceAlert(alert.id).encode(),
        )]
    });
    (text, Some(InlineKeyboardMarkup::new(rows)))
}

pub async fn list(
    ctx: &BotContext,
    caller: &Caller<'_>,
    account: &Account,
) -> Result<(), BotError> {
    let alerts = ctx.store.armed_price_alerts(account.user.id).await?;
    match listing(caller.lang, &alerts) {
        (text, Some(keyboard)) => send_with(ctx, caller.chat_id, text, keyboard).await,
        (text, None) => send(ctx, caller.chat_id, text).await,
    }
}

/// A delete button: the alert goes (if it is still there and the user's), the list is redrawn.
pub async fn delete_pressed(
    ctx: &BotContext,
    caller: &Caller<'_>,
    press: &Press<'_>,
    id: Uuid,
) -> Result<(), BotError> {
    let deleted = ctx.store.delete_price_alert(press.user.id, id).await?;
    let answer = if deleted {
        t(caller.lang, "alerts-deleted")
    } else {
        t(caller.lang, "alerts-already-gone")
    };
    ctx.replies.answer(&press.query.id, Some(answer)).await?;
    let alerts = ctx.store.armed_price_alerts(press.user.id).await?;
    let (text, keyboard) = listing(caller.lang, &alerts);
    ctx.replies
        .edit(caller.chat_id, press.message_id, text, keyboard)
        .await
}
