//! The performance table (`/performance`) and scheduled reports, as Telegram HTML. Words come
//! from `locales/*/performance.ftl`; every catalog text and outside string is escaped here once.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::periods::{Period, ReportKind, ReportPeriod};
use super::stats::{Figures, Summary};
use crate::domain::i18n::{Arg, Lang, t};
use crate::domain::render::{escape, tx, tx_args, visible_len_utf16};

/// Rows shown per breakdown; the rest are counted on one line.
const ROWS_PER_SECTION: usize = 5;
/// Names in the breakdown tables are cut to this many characters to keep columns aligned.
const NAME_WIDTH: usize = 12;

/// `+1.23%`, `-0.50%`, `0.00%`.
pub fn signed_pct(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    if rounded > 0.0 {
        format!("+{rounded:.2}%")
    } else if rounded < 0.0 {
        format!("{rounded:.2}%")
    } else {
        "0.00%".to_owned()
    }
}

/// A win rate as a whole percentage, or `—` when there is nothing to rate.
pub fn rate(value: Option<f64>) -> String {
    value.map_or_else(
        || "—".to_owned(),
        |v| format!("{:.0}%", v.clamp(0.0, 100.0)),
    )
}

/// Gross profit over gross loss; `∞` with wins and no loss, `—` with neither.
pub(super) fn profit_factor(figures: &Figures) -> String {
    match figures.profit_factor {
        Some(pf) => format!("{pf:.2}"),
        None if figures.gross_profit_pct > 0.0 => "∞".to_owned(),
        None => "—".to_owned(),
    }
}

pub(super) fn expectancy(figures: &Figures) -> String {
    match figures.expectancy_r {
        Some(r) if r > 0.0 => format!("+{r:.2}R"),
        Some(r) => format!("{r:.2}R"),
        None => "—".to_owned(),
    }
}

/// `2d 4h`, `5h 20m`, `45m`, `<1m`.
pub fn holding(secs: f64) -> String {
    let minutes = (secs / 60.0).round() as i64;
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    match (days, hours, mins) {
        (0, 0, 0) => "<1m".to_owned(),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

pub fn period_label(lang: Lang, period: Period) -> String {
    t(lang, &format!("perf-period-{}", period.as_str()))
}

/// The headline figures of a group, a few lines.
fn figure_lines(lang: Lang, f: &Figures) -> Vec<String> {
    let mut lines = vec![tx_args(
        lang,
        "perf-line-closed",
        [
            ("count", Arg::from(f.count as i64)),
            ("wins", Arg::from(f.wins as i64)),
            ("losses", Arg::from(f.losses as i64)),
            ("even", Arg::from(f.breakeven as i64)),
        ],
    )];
    if f.unpriced > 0 {
        lines.push(tx_args(
            lang,
            "perf-line-unpriced",
            [("count", Arg::from(f.unpriced as i64))],
        ));
    }
    if f.count == 0 {
        return lines;
    }
    let avg = f.avg_return_pct.map_or_else(|| "—".to_owned(), signed_pct);
    lines.push(tx_args(
        lang,
        "perf-line-rate",
        [
            ("rate", Arg::from(rate(f.win_rate_pct))),
            ("avg", Arg::from(avg)),
            ("total", Arg::from(signed_pct(f.total_return_pct))),
        ],
    ));
    lines.push(tx_args(
        lang,
        "perf-line-risk",
        [
            ("pf", Arg::from(profit_factor(f))),
            ("expectancy", Arg::from(expectancy(f))),
            ("drawdown", Arg::from(format!("{:.2}%", f.max_drawdown_pct))),
        ],
    ));
    if let Some(secs) = f.avg_holding_secs {
        lines.push(tx_args(
            lang,
            "perf-line-holding",
            [("holding", Arg::from(holding(secs)))],
        ));
    }
    lines
}

/// A breakdown as a monospaced table: name, closed, win rate, total; busiest groups first.
fn section<'a>(
    lang: Lang,
    title_key: &str,
    groups: impl IntoIterator<Item = (&'a String, &'a Figures)>,
) -> Option<String> {
    let mut rows: Vec<(&String, &Figures)> =
        groups.into_iter().filter(|(_, f)| f.count > 0).collect();
    if rows.is_empty() {
        return None;
    }
    rows.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(b.0)));
    let hidden = rows.len().saturating_sub(ROWS_PER_SECTION);
    let cell = |text: &str, width: usize| {
        let cut: String = text.chars().take(width).collect();
        format!("{cut:<width$}")
    };
    let header = format!(
        "{} {:>5} {:>6} {:>8}",
        cell("", NAME_WIDTH),
        cell(&t(lang, "perf-column-closed"), 5),
        cell(&t(lang, "perf-column-rate"), 6),
        cell(&t(lang, "perf-column-total"), 8),
    );
    let mut table = vec![header.trim_end().to_owned()];
    for (name, f) in rows.into_iter().take(ROWS_PER_SECTION) {
        table.push(format!(
            "{} {:>5} {:>6} {:>8}",
            cell(name, NAME_WIDTH),
            f.count,
            rate(f.win_rate_pct),
            signed_pct(f.total_return_pct)
        ));
    }
    let mut text = format!(
        "<b>{}</b>\n<pre>{}</pre>",
        tx(lang, title_key),
        escape(&table.join("\n"))
    );
    if hidden > 0 {
        text.push('\n');
        text.push_str(&tx_args(
            lang,
            "perf-more-rows",
            [("count", Arg::from(hidden))],
        ));
    }
    Some(text)
}

/// What `/performance` (and its refresh) shows.
pub struct PerformanceView<'a> {
    pub period: Period,
    pub asset: Option<&'a str>,
    pub summary: &'a Summary,
    /// The same figures over the signals this user received.
    pub yours: Option<&'a Figures>,
    /// The user's own closed positions ("your trades"), when they have any.
    pub trades: Option<&'a crate::domain::position::TradeFigures>,
    /// Set when the user's tier shortened the window to this many days.
    pub history_days: Option<u32>,
    pub updated: DateTime<Utc>,
    pub tz: Tz,
}

/// The title of every page (`📊 Performance · BTC/USD · last 7 days`) and, when the tier
/// shortened the window, a line saying so.
pub(super) fn head_lines(lang: Lang, view: &PerformanceView<'_>) -> Vec<String> {
    let period = period_label(lang, view.period);
    let title = match view.asset {
        Some(asset) => tx_args(
            lang,
            "perf-title-asset",
            [("asset", Arg::from(asset)), ("period", Arg::from(period))],
        ),
        None => tx_args(lang, "perf-title", [("period", Arg::from(period))]),
    };
    let mut head = vec![format!("📊 <b>{title}</b>")];
    if let Some(days) = view.history_days {
        head.push(format!(
            "<i>{}</i>",
            tx_args(lang, "perf-history-limit", [("days", Arg::from(days))])
        ));
    }
    head
}

/// `🕒 Updated 2024-03-01 14:35 CET`, in the reader's zone.
pub(super) fn updated_line(lang: Lang, view: &PerformanceView<'_>) -> String {
    let time = view
        .updated
        .with_timezone(&view.tz)
        .format("%Y-%m-%d %H:%M %Z");
    format!(
        "<i>🕒 {}</i>",
        tx_args(
            lang,
            "perf-updated",
            [("time", Arg::from(time.to_string()))]
        )
    )
}

/// A ratio to two decimals, `—` when there is none.
fn ratio(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{v:.2}"))
}

/// The overview's extra lines: what a win and a loss are worth, and how steady the returns were.
fn shape_lines(lang: Lang, f: &Figures) -> Vec<String> {
    if f.count == 0 {
        return Vec::new();
    }
    let magnitude = |value: Option<f64>, sign: f64| {
        value.map_or_else(|| "—".to_owned(), |v| signed_pct(sign * v))
    };
    vec![
        tx_args(
            lang,
            "perf-line-payoff",
            [
                ("win", Arg::from(magnitude(f.avg_win_pct, 1.0))),
                ("loss", Arg::from(magnitude(f.avg_loss_pct, -1.0))),
                ("payoff", Arg::from(ratio(f.payoff_ratio))),
            ],
        ),
        tx_args(
            lang,
            "perf-line-ratios",
            [
                ("sharpe", Arg::from(ratio(f.sharpe))),
                ("sortino", Arg::from(ratio(f.sortino))),
                ("wins", Arg::from(f.longest_win_streak as i64)),
                ("losses", Arg::from(f.longest_loss_streak as i64)),
            ],
        ),
    ]
}

/// The performance message, at most `max_utf16` long (1024 for a photo caption, 4096 for a
/// message): breakdowns that do not fit are left out, least important last.
pub fn performance_text(lang: Lang, view: &PerformanceView<'_>, max_utf16: usize) -> String {
    let overall = &view.summary.overall;
    let mut head = head_lines(lang, view);
    if overall.count + overall.unpriced == 0 {
        head.push(tx(lang, "perf-empty"));
    } else {
        head.extend(figure_lines(lang, overall));
        head.extend(shape_lines(lang, overall));
    }
    let mut tail = Vec::new();
    match view.yours {
        Some(yours) if yours.count > 0 => tail.push(yours_line(lang, yours)),
        Some(_) => tail.push(format!("👤 {}", tx(lang, "perf-yours-none"))),
        None => {}
    }
    if let Some(trades) = view.trades {
        tail.push(crate::domain::position::trades_line(lang, trades));
    }
    tail.push(updated_line(lang, view));
    let by = &view.summary.by;
    let sections = [
        (view.asset.is_none(), "perf-section-asset", &by.asset),
        (true, "perf-section-model", &by.model),
        (true, "perf-section-type", &by.direction),
        (true, "perf-section-timeframe", &by.timeframe),
        (true, "perf-section-confidence", &by.confidence),
    ];
    let mut text = head.join("\n");
    let mut fixed = visible_len_utf16(&text) + visible_len_utf16(&tail.join("\n")) + 4;
    for (shown, key, groups) in sections {
        let Some(block) = shown.then(|| section(lang, key, groups)).flatten() else {
            continue;
        };
        let cost = visible_len_utf16(&block) + 2;
        if fixed + cost <= max_utf16 {
            text.push_str("\n\n");
            text.push_str(&block);
            fixed += cost;
        }
    }
    text.push_str("\n\n");
    text.push_str(&tail.join("\n"));
    text
}

/// A scheduled report: what closed in the period, the user's own record, and how many new
/// signals went out. With nothing closed it still goes out, saying so (a heartbeat).
pub fn report_text(
    lang: Lang,
    period: &ReportPeriod,
    figures: &Figures,
    yours: &Figures,
    new_signals: i64,
) -> String {
    let title = match period.kind {
        ReportKind::Daily => tx_args(
            lang,
            "report-daily-title",
            [("date", Arg::from(period.first_day.to_string()))],
        ),
        ReportKind::Weekly => tx_args(
            lang,
            "report-weekly-title",
            [
                ("from", Arg::from(period.first_day.to_string())),
                ("to", Arg::from(period.last_day.to_string())),
            ],
        ),
    };
    let mut lines = vec![format!("📬 <b>{title}</b>")];
    lines.push(format!(
        "🆕 {}",
        tx_args(
            lang,
            "report-new-signals",
            [("count", Arg::from(new_signals))]
        )
    ));
    if figures.count + figures.unpriced == 0 {
        let key = match period.kind {
            ReportKind::Daily => "report-heartbeat-daily",
            ReportKind::Weekly => "report-heartbeat-weekly",
        };
        lines.push(format!("💤 {}", tx(lang, key)));
    } else {
        lines.extend(figure_lines(lang, figures));
        if yours.count > 0 {
            lines.push(yours_line(lang, yours));
        }
    }
    lines.push(String::new());
    lines.push(format!("<i>{}</i>", tx(lang, "report-footer")));
    lines.join("\n")
}

/// `👤 Your record: 3 closed · win rate 67% · total +4.20%`: the reader's own figures.
fn yours_line(lang: Lang, yours: &Figures) -> String {
    let args = [
        ("count", Arg::from(yours.count as i64)),
        ("rate", Arg::from(rate(yours.win_rate_pct))),
        ("total", Arg::from(signed_pct(yours.total_return_pct))),
    ];
    format!("👤 {}", tx_args(lang, "perf-yours", args))
}
