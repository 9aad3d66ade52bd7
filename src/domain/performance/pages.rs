//! `/performance` in pages, one per button: the overview (`text::performance_text`) and one page
//! per breakdown (asset, model, timeframe, confidence band), where every group gets the figures
//! the overview gives overall: count, win rate, total and average return, expectancy, profit
//! factor and holding time.

use std::collections::BTreeMap;

use super::stats::Figures;
use super::text::{
    PerformanceView, expectancy, head_lines, holding, profit_factor, rate, signed_pct, updated_line,
};
use crate::domain::i18n::{Arg, Lang};
use crate::domain::render::{escape, tx, tx_args, visible_len_utf16};
use crate::domain::signal::Timeframe;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PerformancePage {
    Overview,
    Asset,
    Model,
    Timeframe,
    Confidence,
}

impl PerformancePage {
    pub const ALL: [PerformancePage; 5] = [
        Self::Overview,
        Self::Asset,
        Self::Model,
        Self::Timeframe,
        Self::Confidence,
    ];

    /// Its name in callback data: one letter, never a period's name.
    pub fn code(self) -> &'static str {
        match self {
            Self::Overview => "o",
            Self::Asset => "a",
            Self::Model => "m",
            Self::Timeframe => "t",
            Self::Confidence => "c",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|page| page.code() == code)
    }

    /// The catalog key of its button.
    pub fn button_key(self) -> &'static str {
        match self {
            Self::Overview => "perf-page-overview",
            Self::Asset => "perf-page-asset",
            Self::Model => "perf-page-model",
            Self::Timeframe => "perf-page-timeframe",
            Self::Confidence => "perf-page-confidence",
        }
    }
}

/// A breakdown page, at most `max_utf16` long (1024 for a photo caption, 4096 for a message):
/// the groups that do not fit are counted on a last line. The overview is
/// `text::performance_text`.
pub fn breakdown_text(
    lang: Lang,
    view: &PerformanceView<'_>,
    page: PerformancePage,
    max_utf16: usize,
) -> String {
    let by = &view.summary.by;
    let (key, groups) = match page {
        PerformancePage::Overview | PerformancePage::Asset => ("perf-section-asset", &by.asset),
        PerformancePage::Model => ("perf-section-model", &by.model),
        PerformancePage::Timeframe => ("perf-section-timeframe", &by.timeframe),
        PerformancePage::Confidence => ("perf-section-confidence", &by.confidence),
    };
    let mut head = head_lines(lang, view);
    head.push(format!("<b>{}</b>", tx(lang, key)));
    let mut text = head.join("\n");
    let tail = updated_line(lang, view);
    let rows = ordered(page, groups);
    if rows.is_empty() {
        text.push_str("\n\n");
        text.push_str(&tx(lang, "perf-empty"));
    }
    let mut used = visible_len_utf16(&text) + visible_len_utf16(&tail) + 2;
    let more = |count: usize| tx_args(lang, "perf-more-rows", [("count", Arg::from(count))]);
    let reserve = visible_len_utf16(&more(rows.len())) + 1;
    let mut shown = 0;
    for (name, figures) in &rows {
        let block = group_block(lang, name, figures);
        let cost = visible_len_utf16(&block) + 2;
        if used + cost + reserve > max_utf16 {
            break;
        }
        text.push_str("\n\n");
        text.push_str(&block);
        used += cost;
        shown += 1;
    }
    if shown < rows.len() {
        text.push('\n');
        text.push_str(&more(rows.len() - shown));
    }
    text.push_str("\n\n");
    text.push_str(&tail);
    text
}

/// Timeframes and bands in their natural order; assets and models busiest first.
fn ordered(page: PerformancePage, groups: &BTreeMap<String, Figures>) -> Vec<(&String, &Figures)> {
    let mut rows: Vec<(&String, &Figures)> = groups
        .iter()
        .filter(|(_, f)| f.count + f.unpriced > 0)
        .collect();
    match page {
        PerformancePage::Timeframe => rows.sort_by_key(|(name, _)| {
            Timeframe::ALL
                .iter()
                .position(|tf| tf.as_str() == name.as_str())
                .unwrap_or(Timeframe::ALL.len())
        }),
        // The band labels ("0-59" … "90-100") already sort in order.
        PerformancePage::Confidence => {}
        _ => rows.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(b.0))),
    }
    rows
}

/// Two lines for one group: its record, then what a trade in it earned and for how long.
fn group_block(lang: Lang, name: &str, f: &Figures) -> String {
    let avg = f.avg_return_pct.map_or_else(|| "—".to_owned(), signed_pct);
    let mut lines = vec![format!(
        "<b>{}</b> · {}",
        escape(name),
        tx_args(
            lang,
            "perf-group-record",
            [
                ("count", Arg::from(f.count as i64)),
                ("rate", Arg::from(rate(f.win_rate_pct))),
                ("total", Arg::from(signed_pct(f.total_return_pct))),
            ],
        )
    )];
    if f.count > 0 {
        let hold = f.avg_holding_secs.map_or_else(|| "—".to_owned(), holding);
        lines.push(tx_args(
            lang,
            "perf-group-trade",
            [
                ("avg", Arg::from(avg)),
                ("expectancy", Arg::from(expectancy(f))),
                ("pf", Arg::from(profit_factor(f))),
                ("holding", Arg::from(hold)),
            ],
        ));
    }
    if f.unpriced > 0 {
        lines.push(tx_args(
            lang,
            "perf-line-unpriced",
            [("count", Arg::from(f.unpriced as i64))],
        ));
    }
    lines.join("\n")
}
