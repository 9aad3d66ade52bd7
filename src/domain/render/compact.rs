//! The compact layout, one headline plus a metadata line (and an alert's own text):
//! `🟢 BUY BTC/USD @ $45,250 → $46,500 (+2.76%) · SL $44,500 (-1.66%) · 1H · 85%`.
//! The same headline makes the lines of the `/signals` list.

use chrono_tz::Tz;

use super::format;
use super::{
    RenderContext, close_result, escape, kind_word, outcome_text, similar_text, tx, tx_args,
};
use crate::domain::i18n::{Arg, Lang};
use crate::domain::signal::{Price, Signal, SignalKind};

/// How much of an alert's text a `/signals` line shows.
const LIST_EXCERPT_CHARS: usize = 60;

pub(super) fn render(signal: &Signal, lang: Lang, ctx: &RenderContext) -> String {
    let mut lines = vec![headline(signal, lang, ctx.original.as_ref())];
    if signal.kind == SignalKind::Alert
        && let Some(message) = &signal.message
    {
        lines.push(escape(message));
    }
    let metadata = metadata(signal, lang, ctx);
    if !metadata.is_empty() {
        lines.push(metadata);
    }
    lines.join("\n")
}

/// One line, parts joined by ` · `, ending with the confidence.
fn headline(signal: &Signal, lang: Lang, original: Option<&Signal>) -> String {
    let kind = escape(&kind_word(lang, signal.kind));
    let asset = escape(signal.asset.as_str());
    let price = |level: Price| format::price(&signal.asset, level);
    let with_change = |level: Price| {
        let change = signal
            .entry_price
            .and_then(|entry| format::change_pct(entry, level))
            .map(|pct| format!(" ({})", format::pct(pct)))
            .unwrap_or_default();
        escape(&format!("{}{change}", price(level)))
    };
    let mut parts = Vec::new();
    match signal.kind {
        SignalKind::Buy | SignalKind::Sell => {
            let emoji = if signal.kind == SignalKind::Buy {
                "🟢"
            } else {
                "🔴"
            };
            let mut head = format!("{emoji} <b>{kind} {asset}</b>");
            if let Some(entry) = signal.entry_price {
                head.push_str(&format!(" @ {}", escape(&price(entry))));
            }
            if let Some(target) = signal.target_price {
                head.push_str(&format!(" → {}", with_change(target)));
            }
            parts.push(head);
            if let Some(stop) = signal.stop_loss {
                let label = tx(lang, "signal-compact-stop");
                parts.push(format!("{label} {}", with_change(stop)));
            }
            if let Some(timeframe) = signal.timeframe {
                parts.push(timeframe.as_str().to_owned());
            }
        }
        SignalKind::Close => {
            let result = close_result(signal, original);
            let emoji = result.as_ref().map_or("⚪", |r| r.emoji());
            let mut head = format!("{emoji} <b>{kind} {asset}</b>");
            if let Some(exit) = signal.exit_price {
                let exit = tx_args(
                    lang,
                    "signal-compact-exit",
                    [("price", Arg::from(price(exit)))],
                );
                head.push_str(&format!(" — {exit}"));
                if let Some(result) = &result {
                    let versus = tx_args(
                        lang,
                        "signal-compact-vs-entry",
                        [
                            ("change", Arg::from(format::pct(result.pct))),
                            ("entry", Arg::from(price(result.entry))),
                        ],
                    );
                    head.push_str(&format!(" ({versus})"));
                }
            }
            parts.push(head);
        }
        SignalKind::Alert => {
            parts.push(format!("⚠️ <b>{kind} {asset}</b>"));
            if let Some(timeframe) = signal.timeframe {
                parts.push(timeframe.as_str().to_owned());
            }
        }
    }
    parts.push(format!("{}%", signal.confidence.value()));
    parts.join(" · ")
}

/// `🤖 lstm-v3 · 🌐 Trending · 🏆 64% win rate (48 closed)`; empty when none is known.
fn metadata(signal: &Signal, lang: Lang, ctx: &RenderContext) -> String {
    let mut parts = Vec::new();
    if let Some(outcome) = &ctx.outcome {
        parts.push(outcome_text(lang, outcome, signal.exit_price.is_some()));
    }
    if let Some(model) = &signal.source_model {
        parts.push(format!("🤖 {}", escape(model)));
    }
    if let Some(market) = &signal.market_context {
        parts.push(format!("🌐 {}", escape(market)));
    }
    if let Some(similar) = &ctx.similar {
        parts.push(format!("🏆 {}", similar_text(lang, similar)));
    }
    parts.join(" · ")
}

/// A `/signals` line: the headline, an alert's first words, and the time in the user's zone.
pub(super) fn list_line(signal: &Signal, lang: Lang, tz: Tz) -> String {
    let mut line = headline(signal, lang, None);
    if signal.kind == SignalKind::Alert
        && let Some(message) = &signal.message
    {
        line.push_str(&format!(" — {}", escape(&excerpt(message))));
    }
    let time = escape(&format::local_time(signal.generated_at, tz));
    format!("{line} · 🕒 {time}")
}

/// The text on one line, cut to [`LIST_EXCERPT_CHARS`] with an ellipsis.
fn excerpt(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= LIST_EXCERPT_CHARS {
        return flat;
    }
    let cut: String = flat.chars().take(LIST_EXCERPT_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}
