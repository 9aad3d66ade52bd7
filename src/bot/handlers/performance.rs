//! `/performance [today|7d|30d|all] [asset]` and its Refresh button: the figures as a compact
//! table, with an equity-curve chart where the user's tier includes charts (as a photo whose
//! caption is the table). Refresh edits the same message in place.
//!
//! Charts are cached by content: users in the same time zone and language asking for the same
//! period see the same picture until a new outcome is recorded, so it is uploaded once and then
//! re-sent by Telegram file_id.

use chrono::{DateTime, Duration, Utc};
use teloxide_core::types::{CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup};

use super::super::replies::{Photo, is_unknown_file};
use super::super::{BotContext, BotError};
use crate::charts::{ChartSpec, render_png};
use crate::domain::i18n::{Arg, Lang, t, t_args};
use crate::domain::performance::{
    PerformanceView, Period, day_start, equity_curve, figures, performance_text, period_label,
    summarize, window_start,
};
use crate::domain::preferences::Tier;
use crate::domain::render::{MAX_TEXT_UTF16, escape};
use crate::domain::signal::Asset;
use crate::domain::tier::TierRules;
use crate::store::{TradeQuery, User};

/// Callback data of the Refresh button: `perf:<period>:<asset or empty>` (at most 41 bytes).
pub const CALLBACK_PREFIX: &str = "perf:";
/// Telegram's limit for a photo caption (T13).
const MAX_CAPTION_UTF16: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Request {
    period: Period,
    asset: Option<Asset>,
}

/// Period and asset in either order, both optional (7 days and every asset by default); the
/// first word that is neither comes back as the error.
fn parse_args(args: &str) -> Result<Request, String> {
    let mut request = Request {
        period: Period::Days7,
        asset: None,
    };
    let (mut period_seen, mut asset_seen) = (false, false);
    for word in args.split_whitespace() {
        if let Some(period) = Period::parse(word) {
            if period_seen {
                return Err(word.to_owned());
            }
            request.period = period;
            period_seen = true;
        } else if let (false, Ok(asset)) = (asset_seen, Asset::parse(word)) {
            request.asset = Some(asset);
            asset_seen = true;
        } else {
            return Err(word.to_owned());
        }
    }
    Ok(request)
}

fn callback_data(request: &Request) -> String {
    let asset = request.asset.as_ref().map_or("", Asset::as_str);
    format!("{CALLBACK_PREFIX}{}:{asset}", request.period.as_str())
}

fn parse_callback(data: &str) -> Option<Request> {
    let (period, asset) = data.strip_prefix(CALLBACK_PREFIX)?.split_once(':')?;
    Some(Request {
        period: Period::parse(period)?,
        asset: match asset {
            "" => None,
            text => Some(Asset::parse(text).ok()?),
        },
    })
}

/// A ready answer: the text (a caption when there is a chart) and the chart, if any.
struct Answer {
    text: String,
    chart: Option<ChartSpec>,
    keyboard: InlineKeyboardMarkup,
}

pub async fn command(
    ctx: &BotContext,
    user: &User,
    chat_id: i64,
    lang: Lang,
    args: &str,
) -> Result<(), BotError> {
    let request = match parse_args(args) {
        Ok(request) => request,
        Err(word) => {
            let key = if word.contains('/') {
                "perf-bad-asset"
            } else {
                "perf-bad-period"
            };
            let text = escape(&t_args(lang, key, [("text", Arg::from(word))]));
            return ctx.replies.send(chat_id, text, None).await.map(drop);
        }
    };
    if let Some(asset) = &request.asset
        && !ctx.store.has_signals_for(asset.as_str()).await?
    {
        let text = escape(&t_args(
            lang,
            "perf-unknown-asset",
            [("asset", Arg::from(asset.as_str()))],
        ));
        return ctx.replies.send(chat_id, text, None).await.map(drop);
    }
    let answer = build(ctx, user, &request, Utc::now()).await?;
    match answer.chart {
        Some(spec) => send_chart(ctx, chat_id, None, spec, answer.text, answer.keyboard).await,
        None => ctx
            .replies
            .send(chat_id, answer.text, Some(answer.keyboard))
            .await
            .map(drop),
    }
}

/// The Refresh button: the same request recomputed, edited into the same message.
pub async fn refresh(
    ctx: &BotContext,
    user: &User,
    query: &CallbackQuery,
    lang: Lang,
) -> Result<(), BotError> {
    let request = query.data.as_deref().and_then(parse_callback);
    let message = query.message.as_ref().and_then(|m| m.regular_message());
    let (Some(request), Some(message)) = (request, message) else {
        return ctx
            .replies
            .answer(&query.id, Some(t(lang, "callback-expired")))
            .await;
    };
    let (chat_id, message_id) = (message.chat.id.0, i64::from(message.id.0));
    let answer = build(ctx, user, &request, Utc::now()).await?;
    // A photo stays a photo and a text a text; if the tier changed since, a new answer is sent.
    match (answer.chart, message.photo().is_some()) {
        (Some(spec), true) => {
            send_chart(
                ctx,
                chat_id,
                Some(message_id),
                spec,
                answer.text,
                answer.keyboard,
            )
            .await?
        }
        (None, false) => {
            ctx.replies
                .edit(chat_id, message_id, answer.text, Some(answer.keyboard))
                .await?
        }
        (Some(spec), false) => {
            send_chart(ctx, chat_id, None, spec, answer.text, answer.keyboard).await?
        }
        (None, true) => ctx
            .replies
            .send(chat_id, answer.text, Some(answer.keyboard))
            .await
            .map(drop)?,
    }
    ctx.replies
        .answer(&query.id, Some(t(lang, "perf-refreshed")))
        .await
}

/// Sends (or edits in) the chart with `caption`, re-using a cached upload when there is one.
/// If drawing fails the figures still go out, as text.
async fn send_chart(
    ctx: &BotContext,
    chat_id: i64,
    edit: Option<i64>,
    spec: ChartSpec,
    caption: String,
    keyboard: InlineKeyboardMarkup,
) -> Result<(), BotError> {
    let key = spec.key();
    let deliver = |photo: Photo| {
        let (caption, keyboard) = (caption.clone(), Some(keyboard.clone()));
        async move {
            ctx.replies
                .photo(chat_id, edit, photo, caption, keyboard)
                .await
        }
    };
    if let Some(file_id) = ctx.store.chart_file(&key).await? {
        match deliver(Photo::FileId(file_id)).await {
            Ok(_) => return Ok(()),
            Err(err) if is_unknown_file(&err) => ctx.store.forget_chart_file(&key).await?,
            Err(err) => return Err(err),
        }
    }
    // Drawing takes tens of milliseconds of CPU: off the async workers.
    let drawn = tokio::task::spawn_blocking(move || render_png(&spec)).await;
    let png = match drawn {
        Ok(Ok(png)) => png,
        Ok(Err(err)) => {
            tracing::error!(error = %err, "cannot draw a chart; sending the figures alone");
            return ctx
                .replies
                .send(chat_id, caption, Some(keyboard))
                .await
                .map(drop);
        }
        Err(err) => {
            tracing::error!(error = %err, "chart drawing panicked; sending the figures alone");
            return ctx
                .replies
                .send(chat_id, caption, Some(keyboard))
                .await
                .map(drop);
        }
    };
    if let Some(file_id) = deliver(Photo::Upload(png)).await? {
        ctx.store
            .save_chart_file(&key, &file_id, Utc::now())
            .await?;
    }
    Ok(())
}

/// The tier that applies now: an expired premium subscription counts as free.
fn effective_tier(tier: Tier, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Tier {
    match (tier, expires_at) {
        (Tier::Premium, Some(expires)) if expires <= now => Tier::Free,
        (tier, _) => tier,
    }
}

async fn build(
    ctx: &BotContext,
    user: &User,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<Answer, BotError> {
    let prefs = ctx.store.preferences(user.id).await?;
    let (lang, tz) = (prefs.language, prefs.timezone);
    let subscription = ctx.store.subscription(user.id).await?;
    let tiers = TierRules::default();
    let rule = tiers.rule(effective_tier(
        subscription.tier,
        subscription.expires_at,
        now,
    ));
    // The tier decides how far back the user may look.
    let today = now.with_timezone(&tz).date_naive();
    let earliest = day_start(
        today - Duration::days(i64::from(rule.history_days.max(1)) - 1),
        tz,
    );
    let requested = window_start(request.period, now, tz);
    let limited = requested.is_none_or(|since| since < earliest);
    let since = if limited {
        earliest
    } else {
        requested.unwrap_or(earliest)
    };
    let asset = request.asset.as_ref().map(|a| a.as_str().to_owned());
    let query = TradeQuery {
        since: Some(since),
        asset: asset.clone(),
        ..TradeQuery::default()
    };
    let trades = ctx.store.closed_trades(&query).await?;
    let yours = ctx
        .store
        .closed_trades(&TradeQuery {
            received_by: Some(user.id),
            ..query
        })
        .await?;
    let summary = summarize(&trades);
    let yours = figures(&yours);
    let positions =
        crate::positions::figures(&ctx.store, user.id, Some(since), asset.as_deref()).await?;
    let view = PerformanceView {
        period: request.period,
        asset: asset.as_deref(),
        summary: &summary,
        yours: Some(&yours),
        trades: positions.as_ref(),
        history_days: limited.then_some(rule.history_days),
        updated: now,
        tz,
    };
    let chart = rule.charts.then(|| ChartSpec {
        title: t_args(
            lang,
            "perf-chart-title",
            [("period", Arg::from(period_label(lang, request.period)))],
        ),
        empty_text: t(lang, "perf-chart-no-data"),
        from: since,
        // The end of today, not now: the picture then changes only with the data.
        until: day_start(today + Duration::days(1), tz),
        points: equity_curve(&trades),
    });
    let budget = if chart.is_some() {
        MAX_CAPTION_UTF16
    } else {
        MAX_TEXT_UTF16
    };
    let keyboard = InlineKeyboardMarkup::new([[InlineKeyboardButton::callback(
        t(lang, "perf-refresh-button"),
        callback_data(request),
    )]]);
    Ok(Answer {
        text: performance_text(lang, &view, budget),
        chart,
        keyboard,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn arguments_in_either_order_with_defaults() {
        let btc = Some(Asset::parse("BTC/USD").unwrap());
        assert_eq!(
            parse_args("").unwrap(),
            Request {
                period: Period::Days7,
                asset: None
            }
        );
        assert_eq!(
            parse_args("30d btc/usd").unwrap(),
            Request {
                period: Period::Days30,
                asset: btc.clone()
            }
        );
        assert_eq!(
            parse_args("BTC/USD ALL").unwrap(),
            Request {
                period: Period::All,
                asset: btc
            }
        );
        assert_eq!(parse_args("7d 30d").unwrap_err(), "30d");
        assert_eq!(parse_args("week").unwrap().asset.unwrap().as_str(), "WEEK");
        assert_eq!(parse_args("btc/usd eth/usd").unwrap_err(), "eth/usd");
        assert_eq!(parse_args("7d bad*asset").unwrap_err(), "bad*asset");
    }

    #[test]
    fn refresh_data_round_trips_within_telegrams_limit() {
        let longest = Request {
            period: Period::Days30,
            asset: Some(Asset::parse(&"A".repeat(Asset::MAX_LEN)).unwrap()),
        };
        let data = callback_data(&longest);
        assert!(data.len() <= 64, "{data}");
        assert_eq!(parse_callback(&data), Some(longest));
        let plain = Request {
            period: Period::Today,
            asset: None,
        };
        assert_eq!(parse_callback(&callback_data(&plain)), Some(plain));
        assert_eq!(parse_callback("perf:year:"), None);
        assert_eq!(parse_callback("perf:7d:no spaces"), None);
        assert_eq!(parse_callback("ack:1234"), None);
    }
}
