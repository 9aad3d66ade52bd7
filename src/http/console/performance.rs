//! `GET /console/performance`: the figures of `GET /api/performance` for a period, the equity
//! curve (the bot's own chart, `/console/performance/equity.png`) and every breakdown.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use maud::{Markup, html};
use serde::Deserialize;

use super::super::AppState;
use super::super::error::ApiError;
use super::page::{ConsoleError, Ctx, Nav, page, pct};
use crate::charts::{ChartSpec, render_png};
use crate::domain::i18n::Lang;
use crate::domain::i18n::t;
use crate::domain::performance::{
    ClosedTrade, Figures, Period, equity_curve, summarize, window_start,
};
use crate::store::TradeQuery;

#[derive(Debug, Default, Deserialize)]
pub(super) struct PeriodQuery {
    period: Option<String>,
}

fn period_of(ctx: &Ctx, query: &PeriodQuery) -> Result<Period, ConsoleError> {
    match query.period.as_deref().filter(|p| !p.is_empty()) {
        None => Ok(Period::Days30),
        Some(text) => Period::parse(text)
            .ok_or_else(|| ctx.err(ApiError::invalid("period", "today, 7d, 30d or all"))),
    }
}

async fn trades(
    state: &AppState,
    period: Period,
    now: DateTime<Utc>,
) -> Result<(Option<DateTime<Utc>>, Vec<ClosedTrade>), crate::store::StoreError> {
    let since = window_start(period, now, Tz::UTC);
    let trades = state
        .store
        .closed_trades(&TradeQuery {
            since,
            ..TradeQuery::default()
        })
        .await?;
    Ok((since, trades))
}

pub(super) async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<PeriodQuery>,
) -> Result<Markup, ConsoleError> {
    let period = period_of(&ctx, &query)?;
    let (_, trades) = trades(&state, period, Utc::now())
        .await
        .map_err(|err| ctx.err(err))?;
    let summary = summarize(&trades);
    let lang = ctx.lang;
    let body = html! {
        form.filters method="get" action="/console/performance" {
            label { (ctx.t("console-performance-period"))
                select name="period" {
                    @for option in Period::ALL {
                        option value=(option.as_str()) selected[option == period] { (option.as_str()) }
                    }
                }
            }
            button type="submit" { (ctx.t("console-filter")) }
        }
        (figures_table(lang, &BTreeMap::from([(ctx.t("console-performance-overall"), summary.overall.clone())]), "overall"))
        p { img.equity src=(format!("/console/performance/equity.png?period={}", period.as_str()))
            alt=(ctx.t("console-performance-equity")) width="800" height="400"; }
        @for (key, groups) in [
            ("console-performance-by-asset", &summary.by.asset),
            ("console-performance-by-model", &summary.by.model),
            ("console-performance-by-type", &summary.by.direction),
            ("console-performance-by-timeframe", &summary.by.timeframe),
            ("console-performance-by-confidence", &summary.by.confidence),
        ] {
            h2 { (t(lang, key)) }
            @if groups.is_empty() { p.muted { (t(lang, "console-none")) } }
            @else { (figures_table(lang, groups, key)) }
        }
    };
    Ok(page(
        &ctx,
        Nav::Performance,
        &ctx.t("console-performance-title"),
        body,
    ))
}

fn figures_table(lang: Lang, groups: &BTreeMap<String, Figures>, id: &str) -> Markup {
    let number = |value: Option<f64>| value.map_or_else(|| "—".to_owned(), |v| format!("{v:.2}"));
    html! {
        table id=(id) {
            tr {
                th { "" }
                th.num { (t(lang, "console-performance-trades")) }
                th.num { (t(lang, "console-performance-win-rate")) }
                th.num { (t(lang, "console-performance-total")) }
                th.num { (t(lang, "console-performance-average")) }
                th.num { (t(lang, "console-performance-profit-factor")) }
                th.num { (t(lang, "console-performance-expectancy")) }
                th.num { (t(lang, "console-performance-drawdown")) }
                th.num { "Sharpe" }
                th.num { "Sortino" }
                th.num { (t(lang, "console-performance-streaks")) }
            }
            @for (name, figures) in groups {
                tr {
                    th { (name) }
                    td.num { (figures.count) }
                    td.num { (figures.win_rate_pct.map_or_else(|| "—".to_owned(), |v| format!("{v:.1}%"))) }
                    td.num { (pct(Some(figures.total_return_pct))) }
                    td.num { (pct(figures.avg_return_pct)) }
                    td.num { (number(figures.profit_factor)) }
                    td.num { (number(figures.expectancy_r)) }
                    td.num { (format!("{:.2}", figures.max_drawdown_pct)) }
                    td.num { (number(figures.sharpe)) }
                    td.num { (number(figures.sortino)) }
                    td.num { (figures.longest_win_streak) " / " (figures.longest_loss_streak) }
                }
            }
        }
    }
}

pub(super) async fn equity_png(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, ConsoleError> {
    let period = period_of(&ctx, &query)?;
    let now = Utc::now();
    let (since, trades) = trades(&state, period, now)
        .await
        .map_err(|err| ctx.err(err))?;
    // All time starts at the first close, as in the bot's chart.
    let from = since
        .or_else(|| trades.iter().map(|trade| trade.closed_at).min())
        .unwrap_or(now);
    let spec = ChartSpec {
        title: format!(
            "{} · {}",
            ctx.t("console-performance-equity"),
            period.as_str()
        ),
        empty_text: ctx.t("console-performance-no-trades"),
        from,
        until: now,
        points: equity_curve(&trades),
    };
    // Drawing takes a few milliseconds of CPU: off the async workers.
    let png = tokio::task::spawn_blocking(move || render_png(&spec))
        .await
        .map_err(|err| ctx.err(ApiError::Internal(anyhow::anyhow!("chart task: {err}"))))?
        .map_err(|err| ctx.err(ApiError::Internal(anyhow::anyhow!(err))))?;
    let mut response = png.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    Ok(response)
}
