//! `GET /console`: the dashboard. The figures part is also served alone
//! (`/console/dashboard/live`) so the page refreshes it every few seconds.

use std::sync::atomic::Ordering;

use axum::extract::State;
use chrono::{Duration, Utc};
use maud::{Markup, html};

use super::super::AppState;
use super::page::{ConsoleError, Ctx, Nav, page, when_opt};
use crate::domain::i18n::Lang;
use crate::domain::i18n::{t, t_args};
use crate::ops::metrics::TALLIES;
use crate::store::HourCounts;

/// The send rate is deliveries sent over this last window.
const RATE_WINDOW_SECS: i64 = 10;
/// The tables an operator can download.
const EXPORTS: [&str; 4] = ["signals", "deliveries", "outcomes", "payments"];
/// The dashboard's figures refresh this often.
const REFRESH_MS: u32 = 5000;

pub(super) async fn show(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, ConsoleError> {
    let figures = figures(&state, ctx.lang)
        .await
        .map_err(|err| ctx.err(err))?;
    let body = html! {
        div data-live="/console/dashboard/live" data-every=(REFRESH_MS) { (figures) }
        h2 { (ctx.t("console-export-title")) }
        p.muted { (ctx.t("console-export-intro")) }
        form.filters method="get" action="/console/export/deliveries.csv" id="export-form" {
            label { (ctx.t("console-export-since")) input type="date" name="since"; }
            label { (ctx.t("console-export-until")) input type="date" name="until"; }
            @for table in EXPORTS {
                button.secondary type="submit" id=(format!("export-{table}"))
                    formaction=(format!("/console/export/{table}.csv")) { (table) ".csv" }
            }
        }
    };
    Ok(page(
        &ctx,
        Nav::Dashboard,
        &ctx.t("console-dashboard-title"),
        body,
    ))
}

pub(super) async fn live(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, ConsoleError> {
    figures(&state, ctx.lang).await.map_err(|err| ctx.err(err))
}

async fn figures(state: &AppState, lang: Lang) -> Result<Markup, crate::store::StoreError> {
    let store = &state.store;
    let now = Utc::now();
    let day_ago = now - Duration::hours(24);
    let midnight = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or(day_ago, |at| at.and_utc());
    let today: i64 = store.signal_counts(Some(midnight)).await?.values().sum();
    let open = store.count_open_signals().await?;
    let deliveries = store.delivery_stats(Some(day_ago)).await?;
    let flow = store.signal_flow().await?;
    let sent_lately = store
        .sent_since(now - Duration::seconds(RATE_WINDOW_SECS), now)
        .await?;
    let users = store.user_stats().await?;
    let hours = store.deliveries_per_hour(day_ago, now).await?;
    let rate = sent_lately as f64 / RATE_WINDOW_SECS as f64;
    let rate_limited = TALLIES.rate_limited.load(Ordering::Relaxed);
    let latency = &deliveries.latency_ms;
    let ms = |value: Option<i64>| value.map_or_else(|| "—".to_owned(), |v| format!("{v} ms"));
    Ok(html! {
        div.cards {
            (card(&t(lang, "console-card-signals-today"), &today.to_string(),
                &t_args(lang, "console-card-open", [("count", open.into())]), "signals-today"))
            (card(&t(lang, "console-card-queue"), &flow.queue_depth.to_string(),
                &t_args(lang, "console-card-last-signal", [("at", when_opt(flow.last_signal_at).into())]), "queue-depth"))
            (card(&t(lang, "console-card-send-rate"), &format!("{rate:.1}/s"),
                &t(lang, "console-card-send-rate-sub"), "send-rate"))
            (card(&t(lang, "console-card-latency"), &ms(latency.p50),
                &format!("p95 {} · max {}", ms(latency.p95), ms(latency.max)), "latency"))
            (card(&t(lang, "console-card-429"), &rate_limited.to_string(),
                &t(lang, "console-card-429-sub"), "rate-limited"))
            (card(&t(lang, "console-card-users"), &users.subscribed.to_string(),
                &t_args(lang, "console-card-users-sub", [("active", users.active.into()), ("total", users.total.into())]), "users"))
        }
        h2 { (t(lang, "console-deliveries-24h")) }
        table.compact #deliveries-by-status {
            tr { @for (status, _) in &deliveries.by_status { th.num { (status) } } }
            tr { @for (status, n) in &deliveries.by_status { td.num class=(format!("status-{status}")) { (n) } } }
        }
        @if deliveries.by_status.is_empty() { p.muted { (t(lang, "console-none")) } }
        h2 { (t(lang, "console-chart-title")) }
        (chart(&hours))
        p.legend {
            span { i.sent {} (t(lang, "console-chart-sent")) }
            span { i.failed {} (t(lang, "console-chart-failed")) }
            span { i.waiting {} (t(lang, "console-chart-waiting")) }
        }
    })
}

fn card(label: &str, value: &str, sub: &str, id: &str) -> Markup {
    html! {
        div.card id=(id) {
            div.label { (label) }
            div.value { (value) }
            div.sub { (sub) }
        }
    }
}

/// Deliveries per hour of acceptance over the last day, stacked, as inline SVG (no script, no
/// image request).
fn chart(hours: &[HourCounts]) -> Markup {
    const W: f64 = 960.0;
    const H: f64 = 220.0;
    const PAD_LEFT: f64 = 48.0;
    const PAD_BOTTOM: f64 = 24.0;
    let peak = hours
        .iter()
        .map(|h| h.sent + h.failed + h.waiting)
        .max()
        .unwrap_or(0)
        .max(1);
    let slot = (W - PAD_LEFT) / hours.len().max(1) as f64;
    let plot_h = H - PAD_BOTTOM - 8.0;
    let scale = |n: i64| n as f64 / peak as f64 * plot_h;
    html! {
        svg.chart viewBox=(format!("0 0 {W} {H}")) role="img" aria-label="deliveries per hour" {
            line x1=(PAD_LEFT) y1=(H - PAD_BOTTOM) x2=(W) y2=(H - PAD_BOTTOM) {}
            text x="4" y="16" { (peak) }
            text x="4" y=(H - PAD_BOTTOM) { "0" }
            @for (i, hour) in hours.iter().enumerate() {
                @let x = PAD_LEFT + i as f64 * slot + 2.0;
                @let width = (slot - 4.0).max(1.0);
                @let mut base = H - PAD_BOTTOM;
                @for (class, n) in [("sent", hour.sent), ("failed", hour.failed), ("waiting", hour.waiting)] {
                    @if n > 0 {
                        @let height = scale(n);
                        @let y = { base -= height; base };
                        rect class=(class) x=(format!("{x:.1}")) y=(format!("{y:.1}")) width=(format!("{width:.1}")) height=(format!("{height:.1}")) {
                            title { (hour.hour.format("%H:00")) " " (class) ": " (n) }
                        }
                    }
                }
                @if i % 6 == 0 {
                    text x=(format!("{x:.1}")) y=(H - 6.0) { (hour.hour.format("%H:00")) }
                }
            }
        }
    }
}
