//! `GET /console/signals` (filters, newest first) and `GET /console/signals/{id}` with its
//! delivery progress, which the page refreshes from `/console/signals/{id}/progress` while the
//! broadcast runs.

use axum::extract::{Path, Query, State};
use chrono::{DateTime, NaiveDate, Utc};
use maud::{Markup, html};
use serde::Deserialize;

use super::super::AppState;
use super::super::error::ApiError;
use super::page::{ConsoleError, Ctx, Nav, filled, page, pct, urlencode, when};
use crate::domain::i18n::Lang;
use crate::domain::i18n::{t, t_args};
use crate::domain::signal::{Asset, SignalKind};
use crate::store::{DeliveryCounts, DeliveryStatus, SignalListQuery, StoredSignal};

const PAGE_SIZE: i64 = 50;
/// The progress fragment is fetched this often while deliveries are outstanding.
const PROGRESS_EVERY_MS: u32 = 1000;

#[derive(Debug, Default, Deserialize)]
pub(super) struct Filters {
    asset: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    since: Option<String>,
    before: Option<String>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(filters): Query<Filters>,
) -> Result<Markup, ConsoleError> {
    let query = parse_filters(&filters).map_err(|err| ctx.err(err))?;
    let signals = state
        .store
        .list_signals(&query)
        .await
        .map_err(|err| ctx.err(err))?;
    let ids: Vec<uuid::Uuid> = signals.iter().map(|stored| stored.signal.id).collect();
    let sent = state
        .store
        .sent_of_signals(&ids)
        .await
        .map_err(|err| ctx.err(err))?;
    let next = (signals.len() as i64 == PAGE_SIZE)
        .then(|| signals.last())
        .flatten()
        .map(|last| format!("{}_{}", last.accepted_at.timestamp_millis(), last.signal.id));
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let body = html! {
        form.filters method="get" action="/console/signals" {
            label { (ctx.t("console-signals-asset")) input name="asset" value=(text(&filters.asset)) placeholder="BTC/USD"; }
            label { (ctx.t("console-signals-type"))
                select name="type" {
                    option value="" { (ctx.t("console-any")) }
                    @for kind in SignalKind::ALL {
                        option value=(kind.as_str()) selected[filters.kind.as_deref() == Some(kind.as_str())] { (kind.as_str()) }
                    }
                }
            }
            label { (ctx.t("console-signals-since")) input type="date" name="since" value=(text(&filters.since)); }
            button type="submit" { (ctx.t("console-filter")) }
        }
        @if signals.is_empty() {
            p.muted { (ctx.t("console-none")) }
        } @else {
            table #signals {
                tr {
                    th { (ctx.t("console-signals-accepted")) }
                    th { (ctx.t("console-signals-type")) }
                    th { (ctx.t("console-signals-asset")) }
                    th.num { (ctx.t("console-signals-entry")) }
                    th.num { (ctx.t("console-signals-confidence")) }
                    th.num { (ctx.t("console-signals-recipients")) }
                    th.num { (ctx.t("console-signals-sent")) }
                    th { (ctx.t("console-signals-model")) }
                }
                @for stored in &signals {
                    @let signal = &stored.signal;
                    tr {
                        td { a href=(format!("/console/signals/{}", signal.id)) { (when(stored.accepted_at)) } }
                        td { (signal.kind.as_str()) }
                        td { (signal.asset.as_str()) }
                        td.num { (price(signal.entry_price)) }
                        td.num { (signal.confidence.value()) "%" }
                        td.num { (stored.recipients) }
                        td.num.sent { @match sent.get(&signal.id) {
                            Some((sent, all)) => { (sent) " / " (all) }
                            None => { "—" }
                        } }
                        td { (signal.source_model.as_deref().unwrap_or("—")) }
                    }
                }
            }
        }
        @if let Some(next) = next {
            p.pager { a href=(format!("/console/signals?asset={}&type={}&since={}&before={}",
                urlencode(&text(&filters.asset)), urlencode(&text(&filters.kind)),
                urlencode(&text(&filters.since)), urlencode(&next))) { (ctx.t("console-older")) } }
        }
    };
    Ok(page(
        &ctx,
        Nav::Signals,
        &ctx.t("console-signals-title"),
        body,
    ))
}

fn parse_filters(filters: &Filters) -> Result<SignalListQuery, ApiError> {
    let asset = filled(&filters.asset)
        .map(|text| Asset::parse(&text).map_err(|problem| ApiError::invalid("asset", problem)))
        .transpose()?;
    let kind = filled(&filters.kind)
        .map(|text| {
            SignalKind::parse(&text)
                .ok_or_else(|| ApiError::invalid("type", "buy, sell, close or alert"))
        })
        .transpose()?;
    let since = filled(&filters.since)
        .map(|text| day_start(&text, "since"))
        .transpose()?;
    let before = filled(&filters.before)
        .map(|text| super::super::signals::parse_cursor(&text))
        .transpose()?;
    Ok(SignalListQuery {
        asset: asset.map(|asset| asset.as_str().to_owned()),
        kind,
        since,
        until: None,
        before,
        limit: PAGE_SIZE,
    })
}

/// A date field (`2026-12-04`) as the start of that day in UTC, or an RFC 3339 time.
pub(super) fn day_start(text: &str, field: &str) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .map(|at| at.and_utc())
        .ok_or_else(|| ApiError::invalid(field, "a date such as 2026-12-04"))
}

fn price(value: Option<crate::domain::signal::Price>) -> String {
    value.map_or_else(|| "—".to_owned(), |p| p.value().normalize().to_string())
}

pub(super) async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Markup, ConsoleError> {
    let id = super::page::parse_id(&ctx, &id)?;
    let store = &state.store;
    let stored = store
        .signal(id)
        .await
        .map_err(|err| ctx.err(err))?
        .ok_or_else(|| ctx.err(ApiError::NotFound))?;
    let counts = store
        .delivery_counts(id)
        .await
        .map_err(|err| ctx.err(err))?;
    let outcome = store.outcome(id).await.map_err(|err| ctx.err(err))?;
    let signal = &stored.signal;
    let title = format!(
        "{} {}",
        signal.kind.as_str().to_uppercase(),
        signal.asset.as_str()
    );
    let body = html! {
        table.facts {
            tr { th { "id" } td { code { (signal.id) } } }
            tr { th { (ctx.t("console-signals-accepted")) } td { (when(stored.accepted_at)) } }
            tr { th { (ctx.t("console-signals-generated")) } td { (when(signal.generated_at)) } }
            tr { th { (ctx.t("console-signals-entry")) } td { (price(signal.entry_price)) } }
            tr { th { (ctx.t("console-signals-target")) } td { (price(signal.target_price)) } }
            tr { th { (ctx.t("console-signals-stop")) } td { (price(signal.stop_loss)) } }
            tr { th { (ctx.t("console-signals-timeframe")) } td { (signal.timeframe.map_or("—", |t| t.as_str())) } }
            tr { th { (ctx.t("console-signals-confidence")) } td { (signal.confidence.value()) "%" } }
            tr { th { (ctx.t("console-signals-model")) } td { (signal.source_model.as_deref().unwrap_or("—")) } }
            @if let Some(closes) = signal.closes {
                tr { th { (ctx.t("console-signals-closes")) } td { a href=(format!("/console/signals/{closes}")) { (closes) } } }
            }
            @if let Some(context) = &signal.market_context {
                tr { th { (ctx.t("console-signals-context")) } td { (context) } }
            }
        }
        @if let Some(outcome) = &outcome {
            h2 { (ctx.t("console-signals-outcome")) }
            p #outcome {
                (outcome.reason.as_str()) " · " (outcome.entry_price) " → "
                (outcome.exit_price.as_deref().unwrap_or("—")) " · " (pct(outcome.return_pct))
                " · " (when(outcome.closed_at))
            }
        }
        h2 { (ctx.t("console-signals-progress")) }
        div #progress data-live=(format!("/console/signals/{id}/progress")) data-every=(PROGRESS_EVERY_MS) {
            (progress_fragment(ctx.lang, &stored, &counts))
        }
    };
    Ok(page(&ctx, Nav::Signals, &title, body))
}

pub(super) async fn progress(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Markup, ConsoleError> {
    let id = super::page::parse_id(&ctx, &id)?;
    let stored = state
        .store
        .signal(id)
        .await
        .map_err(|err| ctx.err(err))?
        .ok_or_else(|| ctx.err(ApiError::NotFound))?;
    let counts = state
        .store
        .delivery_counts(id)
        .await
        .map_err(|err| ctx.err(err))?;
    Ok(progress_fragment(ctx.lang, &stored, &counts))
}

/// Counts per status and a bar; `data-done` tells the script when to stop asking.
fn progress_fragment(lang: Lang, stored: &StoredSignal, counts: &DeliveryCounts) -> Markup {
    let count = |status: DeliveryStatus| counts.get(&status).copied().unwrap_or(0);
    let total: i64 = counts.values().sum();
    let sent = count(DeliveryStatus::Sent);
    let failed = count(DeliveryStatus::Failed) + count(DeliveryStatus::Blocked);
    let skipped = count(DeliveryStatus::Skipped);
    let outstanding = count(DeliveryStatus::Pending)
        + count(DeliveryStatus::Sending)
        + count(DeliveryStatus::Uncertain);
    let done = outstanding == 0;
    let share = |n: i64| {
        if total == 0 {
            0.0
        } else {
            n as f64 * 100.0 / total as f64
        }
    };
    html! {
        div data-done=(done) {
            p #progress-summary {
                (t_args(lang, "console-progress-summary", [
                    ("sent", sent.into()), ("total", total.into()), ("waiting", outstanding.into()),
                ]))
                @if done { " · " (t(lang, "console-progress-done")) } @else { " · " (t(lang, "console-progress-running")) }
            }
            // An SVG bar: the page's CSP allows no inline styles.
            svg.bar viewBox="0 0 100 4" preserveAspectRatio="none" role="img" aria-label="progress" {
                rect class="sent" x="0" y="0" width=(format!("{:.2}", share(sent))) height="4" {}
                rect class="failed" x=(format!("{:.2}", share(sent))) y="0" width=(format!("{:.2}", share(failed))) height="4" {}
                rect class="skipped" x=(format!("{:.2}", share(sent + failed))) y="0" width=(format!("{:.2}", share(skipped))) height="4" {}
            }
            table #progress-counts {
                tr { @for status in DeliveryStatus::ALL { th.num { (status.as_str()) } } }
                tr { @for status in DeliveryStatus::ALL {
                    td.num class=(format!("status-{}", status.as_str())) data-status=(status.as_str()) { (count(status)) }
                } }
            }
            p.muted { (t_args(lang, "console-progress-recipients", [("count", stored.recipients.into())])) }
        }
    }
}
