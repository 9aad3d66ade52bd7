//! Charts in the conversation: the `📈 Chart` button under a buy or sell, and the one way a
//! handler sends a chart (also `/performance`'s equity curve).
//!
//! Charts are cached by content (`chart_files`): the same picture, asked for again by anyone, is
//! re-sent by the file_id of its first upload; only a new picture is drawn and uploaded.

use chrono::Utc;
use teloxide_core::types::InlineKeyboardMarkup;
use uuid::Uuid;

use super::super::replies::{Photo, is_unknown_file};
use super::info::effective_rule;
use super::{Caller, Press};
use crate::bot::{BotContext, BotError};
use crate::charts::{ChartError, render_price_png};
use crate::delivery::charts::price_chart;
use crate::domain::i18n::{Arg, t, t_args};
use crate::domain::render::render_chart_caption;
use crate::domain::signal::{Price, SignalKind};

/// Where a chart goes.
#[derive(Debug, Clone, Copy)]
pub enum Placement {
    New,
    /// In place of this photo message's picture, caption and buttons.
    Replace(i64),
    /// A new message replying to this one.
    Reply(i64),
}

/// Sends the chart named `key` (drawn by `draw` only when it has not been uploaded before) with
/// `caption`. `Ok(false)` when it could not be drawn: nothing was sent, the caller says it
/// otherwise.
pub async fn send_chart(
    ctx: &BotContext,
    chat_id: i64,
    placement: Placement,
    key: String,
    draw: impl FnOnce() -> Result<Vec<u8>, ChartError> + Send + 'static,
    caption: String,
    keyboard: Option<InlineKeyboardMarkup>,
) -> Result<bool, BotError> {
    let deliver = |photo: Photo| {
        let (caption, keyboard) = (caption.clone(), keyboard.clone());
        async move {
            match placement {
                Placement::New => {
                    ctx.replies
                        .photo(chat_id, None, photo, caption, keyboard)
                        .await
                }
                Placement::Replace(id) => {
                    ctx.replies
                        .photo(chat_id, Some(id), photo, caption, keyboard)
                        .await
                }
                Placement::Reply(id) => {
                    ctx.replies
                        .photo_reply(chat_id, id, photo, caption, keyboard)
                        .await
                }
            }
        }
    };
    if let Some(file_id) = ctx.store.chart_file(&key).await? {
        match deliver(Photo::FileId(file_id)).await {
            Ok(_) => return Ok(true),
            Err(err) if is_unknown_file(&err) => ctx.store.forget_chart_file(&key).await?,
            Err(err) => return Err(err),
        }
    }
    // Drawing takes tens of milliseconds of CPU: off the async workers.
    let png = match tokio::task::spawn_blocking(draw).await {
        Ok(Ok(png)) => png,
        Ok(Err(err)) => {
            tracing::error!(error = %err, "cannot draw a chart");
            return Ok(false);
        }
        Err(err) => {
            tracing::error!(error = %err, "chart drawing panicked");
            return Ok(false);
        }
    };
    if let Some(file_id) = deliver(Photo::Upload(png)).await? {
        ctx.store
            .save_chart_file(&key, &file_id, Utc::now())
            .await?;
    }
    Ok(true)
}

/// `📈 Chart`: the signal's chart with the prices known now, as a reply to the signal, with a
/// caption measuring the last price against the levels. The first tap of any of the signal's
/// buttons marks the delivery read.
pub async fn pressed(
    ctx: &BotContext,
    caller: &Caller<'_>,
    press: &Press<'_>,
    signal_id: Uuid,
) -> Result<(), BotError> {
    let now = Utc::now();
    ctx.store
        .mark_read(caller.chat_id, press.message_id, now)
        .await?;
    let lang = caller.lang;
    let answer = |text: String| ctx.replies.answer(&press.query.id, Some(text));
    if !effective_rule(ctx, &caller.account()?.subscription).charts {
        return answer(t(lang, "chart-premium-only")).await;
    }
    let signal = match ctx.store.signal(signal_id).await? {
        Some(stored) if matches!(stored.signal.kind, SignalKind::Buy | SignalKind::Sell) => {
            stored.signal
        }
        _ => return answer(t(lang, "chart-signal-gone")).await,
    };
    let asset = signal.asset.as_str().to_owned();
    let no_prices = || {
        t_args(
            lang,
            "chart-no-prices",
            [("asset", Arg::from(asset.clone()))],
        )
    };
    let spec = price_chart(&ctx.store, &signal, lang, now).await?;
    let (Some(spec), Some((last, quoted_at))) = (spec, ctx.store.last_price(&asset).await?) else {
        return answer(no_prices()).await;
    };
    let Some(last) = Price::new(last) else {
        return answer(no_prices()).await;
    };
    // Answered first: the client's spinner stops while the chart is drawn and sent.
    ctx.replies.answer(&press.query.id, None).await?;
    let caption = render_chart_caption(lang, &signal, last, quoted_at);
    let key = spec.key();
    let drawn = send_chart(
        ctx,
        caller.chat_id,
        Placement::Reply(press.message_id),
        key,
        move || render_price_png(&spec),
        caption.clone(),
        None,
    )
    .await?;
    if !drawn {
        // The figures still go out, without the picture.
        ctx.replies.send(caller.chat_id, caption, None).await?;
    }
    Ok(())
}
