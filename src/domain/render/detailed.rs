//! The detailed layout: the seed's §3.1 message, in blocks separated by a blank line
//! (title, details, metadata, notes, hashtags). A line whose data is absent is left out.

use super::format;
use super::{
    RenderContext, close_result, escape, kind_word, outcome_text, similar_text, tx, tx_args,
};
use crate::domain::i18n::{Arg, Lang};
use crate::domain::signal::{Signal, SignalKind};

pub(super) fn render(
    signal: &Signal,
    lang: Lang,
    ctx: &RenderContext,
    notes_shown: usize,
) -> String {
    let mut blocks = match signal.kind {
        SignalKind::Buy | SignalKind::Sell => trade(signal, lang),
        SignalKind::Close => close(signal, lang, ctx),
        SignalKind::Alert => alert(signal, lang),
    };
    blocks.push(metadata(signal, lang, ctx));
    if !signal.notes.is_empty() {
        blocks.push(notes(signal, lang, notes_shown));
    }
    blocks.push(hashtags(signal, lang));
    blocks.join("\n\n")
}

/// `- Label: value`, the seed's bullet line; `value` is already HTML.
fn item(lang: Lang, label_key: &str, value: &str) -> String {
    format!("- {}: {value}", tx(lang, label_key))
}

fn price(signal: &Signal, price: crate::domain::signal::Price) -> String {
    escape(&format::price(&signal.asset, price))
}

fn trade(signal: &Signal, lang: Lang) -> Vec<String> {
    let direction = kind_word(lang, signal.kind);
    let title = tx_args(
        lang,
        "signal-title",
        [
            ("direction", Arg::from(direction.as_str())),
            ("asset", Arg::from(signal.asset.as_str())),
        ],
    );
    let mut details = vec![
        format!("📊 {}", tx(lang, "signal-details")),
        item(lang, "signal-label-direction", &escape(&direction)),
        item(lang, "signal-label-asset", &escape(signal.asset.as_str())),
    ];
    if let Some(entry) = signal.entry_price {
        details.push(item(lang, "signal-label-entry", &price(signal, entry)));
    }
    // Target and stop carry their distance from the entry: `$46,500 (+2.76%)`.
    let with_change = |level| {
        let change = signal
            .entry_price
            .and_then(|entry| format::change_pct(entry, level))
            .map(|pct| format!(" ({})", format::pct(pct)))
            .unwrap_or_default();
        format!("{}{change}", price(signal, level))
    };
    if let Some(target) = signal.target_price {
        details.push(item(lang, "signal-label-target", &with_change(target)));
    }
    if let Some(stop) = signal.stop_loss {
        details.push(item(lang, "signal-label-stop", &with_change(stop)));
    }
    if let Some(timeframe) = signal.timeframe {
        details.push(item(lang, "signal-label-timeframe", timeframe.as_str()));
    }
    vec![format!("🚨 <b>{title}</b> 🚨"), details.join("\n")]
}

fn close(signal: &Signal, lang: Lang, ctx: &RenderContext) -> Vec<String> {
    let result = close_result(signal, ctx.original.as_ref());
    let emoji = result.as_ref().map_or("⚪", |r| r.emoji());
    let title = tx_args(
        lang,
        "signal-close-title",
        [("asset", Arg::from(signal.asset.as_str()))],
    );
    let mut details = vec![format!("📊 {}", tx(lang, "signal-close-details"))];
    if let Some(result) = &result {
        let direction = escape(&kind_word(lang, result.direction));
        details.push(item(lang, "signal-label-position", &direction));
    }
    details.push(item(
        lang,
        "signal-label-asset",
        &escape(signal.asset.as_str()),
    ));
    if let Some(result) = &result {
        details.push(item(
            lang,
            "signal-label-entry",
            &price(signal, result.entry),
        ));
    }
    if let Some(exit) = signal.exit_price {
        details.push(item(lang, "signal-label-exit", &price(signal, exit)));
    }
    if let Some(result) = &result {
        let outcome = tx(lang, result.outcome_key());
        let value = format!("{} ({outcome})", format::pct(result.pct));
        details.push(item(lang, "signal-label-result", &value));
    }
    if let Some(outcome) = &ctx.outcome {
        details.push(format!(
            "- {}",
            outcome_text(lang, outcome, signal.exit_price.is_some())
        ));
    }
    vec![
        format!("{emoji} <b>{title}</b> {emoji}"),
        details.join("\n"),
    ]
}

fn alert(signal: &Signal, lang: Lang) -> Vec<String> {
    let title = tx_args(
        lang,
        "signal-alert-title",
        [("asset", Arg::from(signal.asset.as_str()))],
    );
    let mut blocks = vec![format!("⚠️ <b>{title}</b> ⚠️")];
    if let Some(message) = &signal.message {
        blocks.push(escape(message));
    }
    blocks
}

/// Confidence, model, market, performance and time: the metadata every message carries.
fn metadata(signal: &Signal, lang: Lang, ctx: &RenderContext) -> String {
    let line = |emoji: &str, key: &str, value: &str| format!("{emoji} {}: {value}", tx(lang, key));
    let mut lines = Vec::new();
    if signal.kind == SignalKind::Alert
        && let Some(timeframe) = signal.timeframe
    {
        lines.push(line("🕐", "signal-label-timeframe", timeframe.as_str()));
    }
    let confidence = format!("{}%", signal.confidence.value());
    lines.push(line("📈", "signal-label-confidence", &confidence));
    if let Some(model) = &signal.source_model {
        lines.push(line("🤖", "signal-label-model", &escape(model)));
    }
    if let Some(market) = &signal.market_context {
        lines.push(line("🌐", "signal-label-market", &escape(market)));
    }
    if let Some(similar) = &ctx.similar {
        let text = similar_text(lang, similar);
        lines.push(if similar.closed == 0 {
            format!("🏆 {text}")
        } else {
            line("🏆", "signal-similar-label", &text)
        });
    }
    let generated = format::utc_time(signal.generated_at);
    lines.push(line("⏱️", "signal-label-generated", &generated));
    lines.join("\n")
}

/// The first `shown` notes, and how many were left out to stay under Telegram's limit.
fn notes(signal: &Signal, lang: Lang, shown: usize) -> String {
    let mut lines = vec![format!("📝 {}", tx(lang, "signal-notes"))];
    let shown = shown.min(signal.notes.len());
    lines.extend(
        signal.notes[..shown]
            .iter()
            .map(|note| format!("- {}", escape(note))),
    );
    let hidden = signal.notes.len() - shown;
    if hidden > 0 {
        lines.push(tx_args(
            lang,
            "signal-notes-more",
            [("count", Arg::from(hidden))],
        ));
    }
    lines.join("\n")
}

fn hashtags(signal: &Signal, lang: Lang) -> String {
    let general = tx(lang, "signal-hashtags");
    match format::asset_hashtag(&signal.asset) {
        Some(tag) => format!("{} {general}", escape(&tag)),
        None => general,
    }
}
