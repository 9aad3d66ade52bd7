//! `/performance [today|7d|30d|all] [asset]` and its buttons: the figures in pages (an overview,
//! then one page per asset, model, timeframe and confidence band), a period row and Refresh, with
//! an equity-curve chart where the user's tier includes charts (a photo whose caption is the
//! page). Every button edits the same message in place: `editMessageText`, or
//! `editMessageMedia` for a chart.
//!
//! Charts are cached by content: users in the same time zone and language asking for the same
//! period see the same picture until a new outcome is recorded, so it is uploaded once and then
//! re-sent by Telegram file_id (`charts::send_chart`).

use chrono::{DateTime, Duration, Utc};
use teloxide_core::types::{CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup};

use super::super::{BotContext, BotError};
use super::charts::{Placement, send_chart};
use super::info::effective_rule;
use crate::charts::{ChartSpec, render_png};
use crate::domain::i18n::{Arg, Lang, t, t_args};
use crate::domain::performance::{
    PerformancePage, PerformanceView, Period, breakdown_text, day_start, equity_curve, figures,
    performance_text, period_label, summarize, window_start,
};
use crate::domain::render::{MAX_CAPTION_UTF16, MAX_TEXT_UTF16, escape};
use crate::domain::signal::Asset;
use crate::store::{TradeQuery, User};

/// Callback data of every button: `perf:<page>:<period>:<asset or empty>` (at most 45 bytes).
/// Buttons of older messages, `perf:<period>:<asset>`, open the overview.
pub const CALLBACK_PREFIX: &str = "perf:";

#[derive(Debug, Clone, PartialEq, Eq)]
struct Request {
    page: PerformancePage,
    period: Period,
    asset: Option<Asset>,
}

/// Period and asset in either order, both optional (7 days and every asset by default); the
/// first word that is neither comes back as the error.
fn parse_args(args: &str) -> Result<Request, String> {
    let mut request = Request {
        page: PerformancePage::Overview,
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
    format!(
        "{CALLBACK_PREFIX}{}:{}:{asset}",
        request.page.code(),
        request.period.as_str()
    )
}

fn parse_callback(data: &str) -> Option<Request> {
    let rest = data.strip_prefix(CALLBACK_PREFIX)?;
    // An asset never holds `:`, so the fields split cleanly.
    let (page, rest) = match rest.split_once(':') {
        Some((code, rest)) if PerformancePage::parse(code).is_some() => {
            (PerformancePage::parse(code)?, rest)
        }
        _ => (PerformancePage::Overview, rest),
    };
    let (period, asset) = rest.split_once(':')?;
    Some(Request {
        page,
        period: Period::parse(period)?,
        asset: match asset {
            "" => None,
            text => Some(Asset::parse(text).ok().filter(|a| a.as_str() == text)?),
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
        Some(spec) => {
            send_chart_or_text(ctx, chat_id, None, spec, answer.text, answer.keyboard).await
        }
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
            send_chart_or_text(
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
            send_chart_or_text(ctx, chat_id, None, spec, answer.text, answer.keyboard).await?
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

/// Sends (or edits in) the chart with `caption`; if drawing fails the figures still go out, as
/// text.
async fn send_chart_or_text(
    ctx: &BotContext,
    chat_id: i64,
    edit: Option<i64>,
    spec: ChartSpec,
    caption: String,
    keyboard: InlineKeyboardMarkup,
) -> Result<(), BotError> {
    let placement = edit.map_or(Placement::New, Placement::Replace);
    let key = spec.key();
    let drawn = send_chart(
        ctx,
        chat_id,
        placement,
        key,
        move || render_png(&spec),
        caption.clone(),
        Some(keyboard.clone()),
    )
    .await?;
    if !drawn {
        ctx.replies.send(chat_id, caption, Some(keyboard)).await?;
    }
    Ok(())
}

/// The pages, a row of periods, and Refresh (the same page again); what is shown is marked.
fn keyboard(lang: Lang, request: &Request) -> InlineKeyboardMarkup {
    let mark = |on: bool, label: String| if on { format!("• {label}") } else { label };
    let with = |page, period| {
        callback_data(&Request {
            page,
            period,
            asset: request.asset.clone(),
        })
    };
    let page_button = |page: PerformancePage| {
        InlineKeyboardButton::callback(
            mark(page == request.page, t(lang, page.button_key())),
            with(page, request.period),
        )
    };
    // With one asset chosen, a page by asset would hold one line.
    let pages: Vec<InlineKeyboardButton> = PerformancePage::ALL
        .into_iter()
        .filter(|page| *page != PerformancePage::Asset || request.asset.is_none())
        .map(page_button)
        .collect();
    let periods = [Period::Today, Period::Days7, Period::Days30, Period::All]
        .into_iter()
        .map(|period| {
            let label = t(lang, &format!("perf-button-period-{}", period.as_str()));
            InlineKeyboardButton::callback(
                mark(period == request.period, label),
                with(request.page, period),
            )
        })
        .collect();
    let (first, second) = pages.split_at(pages.len().min(3));
    InlineKeyboardMarkup::new([
        first.to_vec(),
        second.to_vec(),
        periods,
        vec![InlineKeyboardButton::callback(
            t(lang, "perf-refresh-button"),
            callback_data(request),
        )],
    ])
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
    let rule = effective_rule(ctx, &subscription);
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
    let text = match request.page {
        PerformancePage::Overview => performance_text(lang, &view, budget),
        page => breakdown_text(lang, &view, page, budget),
    };
    Ok(Answer {
        text,
        chart,
        keyboard: keyboard(lang, request),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn arguments_in_either_order_with_defaults() {
        let btc = Some(Asset::parse("BTC/USD").unwrap());
        let overview = |period, asset| Request {
            page: PerformancePage::Overview,
            period,
            asset,
        };
        assert_eq!(parse_args("").unwrap(), overview(Period::Days7, None));
        assert_eq!(
            parse_args("30d btc/usd").unwrap(),
            overview(Period::Days30, btc.clone())
        );
        assert_eq!(
            parse_args("BTC/USD ALL").unwrap(),
            overview(Period::All, btc)
        );
        assert_eq!(parse_args("7d 30d").unwrap_err(), "30d");
        assert_eq!(parse_args("week").unwrap().asset.unwrap().as_str(), "WEEK");
        assert_eq!(parse_args("btc/usd eth/usd").unwrap_err(), "eth/usd");
        assert_eq!(parse_args("7d bad*asset").unwrap_err(), "bad*asset");
    }

    #[test]
    fn page_data_round_trips_within_telegrams_limit() {
        let longest = Asset::parse(&"A".repeat(Asset::MAX_LEN)).unwrap();
        for page in PerformancePage::ALL {
            for period in [Period::Today, Period::Days7, Period::Days30, Period::All] {
                for asset in [None, Some(longest.clone())] {
                    let request = Request {
                        page,
                        period,
                        asset,
                    };
                    let data = callback_data(&request);
                    assert!(data.len() <= 64, "{data}");
                    assert_eq!(parse_callback(&data), Some(request));
                }
            }
        }
        // Buttons sent before pages existed open the overview.
        assert_eq!(
            parse_callback("perf:7d:BTC/USD"),
            Some(Request {
                page: PerformancePage::Overview,
                period: Period::Days7,
                asset: Some(Asset::parse("BTC/USD").unwrap()),
            })
        );
        assert_eq!(parse_callback("perf:year:"), None);
        assert_eq!(parse_callback("perf:a:year:"), None);
        assert_eq!(parse_callback("perf:x:7d:"), None);
        assert_eq!(parse_callback("perf:7d:no spaces"), None);
        assert_eq!(
            parse_callback("perf:a:7d:btc/usd"),
            None,
            "assets come upper-cased"
        );
        assert_eq!(parse_callback("ack:1234"), None);
    }

    #[test]
    fn the_keyboard_marks_what_is_shown_and_drops_assets_for_one_asset() {
        let request = Request {
            page: PerformancePage::Model,
            period: Period::Days30,
            asset: Some(Asset::parse("BTC/USD").unwrap()),
        };
        let markup = keyboard(Lang::En, &request);
        let labels: Vec<Vec<String>> = markup
            .inline_keyboard
            .iter()
            .map(|row| row.iter().map(|b| b.text.clone()).collect())
            .collect();
        let flat: Vec<&String> = labels.iter().flatten().collect();
        assert!(
            flat.iter()
                .any(|l| l.starts_with("• ") && l.contains("Models")),
            "{labels:?}"
        );
        assert!(
            flat.iter().any(|l| l.starts_with("• ") && l.contains("30")),
            "{labels:?}"
        );
        assert!(!flat.iter().any(|l| l.contains("Assets")), "{labels:?}");
        assert_eq!(flat.iter().filter(|l| l.starts_with("• ")).count(), 2);
    }
}
