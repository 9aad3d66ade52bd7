//! The Telegram messages users see, as `parse_mode=HTML` text.
//!
//! Every word comes from the Fluent catalogs (`locales/*/signal.ftl`); catalog text and outside
//! strings are plain text, escaped exactly once here, and the only markup is ours (`<b>`, `<i>`).
//! The detailed layout is the seed's §3.1; the compact one fits in two lines.

mod card;
mod chart;
mod compact;
mod detailed;
mod format;
#[cfg(test)]
mod golden;
mod html;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use chrono_tz::Tz;

pub use card::{Ending, ShareCard, render_share_card};
pub use chart::render_chart_caption;
pub use format::{local_time, pct as pct_text, price as price_text, result_pct, signed_amount};
#[cfg(test)]
pub use html::check_telegram_html;
pub use html::{MAX_CAPTION_UTF16, MAX_TEXT_UTF16, escape, visible_len_utf16};

use super::i18n::{Arg, Lang, t, t_args};
use super::performance::OutcomeReason;
use super::preferences::MessageFormat;
use super::signal::{Signal, SignalKind};

/// A message ready for `sendMessage` with `parse_mode=HTML`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
}

/// Which past signals the performance line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SimilarScope {
    /// Same model, asset and direction.
    ModelAssetDirection,
    /// Same model and direction on any asset: the fallback when the asset has no history.
    ModelDirection,
}

/// How similar closed signals did.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SimilarStats {
    pub win_rate_pct: f64,
    pub closed: u32,
    pub scope: SimilarScope,
}

/// Why a position was closed, shown on the close message that announces it (Herald writes
/// that close itself when the outcome came from a price update, the API or expiry).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OutcomeNote {
    pub reason: OutcomeReason,
    /// The engine's own words for a reported outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What is worked out once, when a signal is accepted, and stored with it: the performance
/// category its messages show, as it stood at that moment.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AcceptedContext {
    pub similar: Option<SimilarStats>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<OutcomeNote>,
}

/// What the message needs besides the signal itself; all of it is optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RenderContext {
    /// `None` leaves the performance line out (not computed); `Some` with `closed: 0` says
    /// "No closed similar signals yet".
    pub similar: Option<SimilarStats>,
    /// For a close: the signal it closes, so the result against its entry can be shown.
    pub original: Option<Signal>,
    /// The previous send may have reached the user (`uncertain`): say so on the first line.
    pub maybe_repeat: bool,
    /// For a close: why the position ended, when Herald closed it.
    pub outcome: Option<OutcomeNote>,
}

/// The message for one signal in the user's language and format, never over Telegram's limit.
pub fn render_signal(
    signal: &Signal,
    lang: Lang,
    format: MessageFormat,
    ctx: &RenderContext,
) -> Rendered {
    let compose =
        |signal: &Signal, notes_shown: usize| compose(signal, lang, format, ctx, notes_shown);
    let fits = |text: &str| visible_len_utf16(text) <= MAX_TEXT_UTF16;

    // Notes go first: they matter least and are the only part that repeats. Each note shown
    // adds more than the "…and N more" line can shrink, so the length grows with the count
    // and a binary search finds the most notes that fit.
    let all = signal.notes.len();
    let full = compose(signal, all);
    if fits(&full) {
        return Rendered { text: full };
    }
    let none = compose(signal, 0);
    if fits(&none) {
        let (mut fit, mut too_many) = (0, all);
        while too_many - fit > 1 {
            let mid = fit + (too_many - fit) / 2;
            if fits(&compose(signal, mid)) {
                fit = mid;
            } else {
                too_many = mid;
            }
        }
        return Rendered {
            text: compose(signal, fit),
        };
    }
    // Only reachable for a `Signal` that did not come through `parse_signal`: within the ingest
    // limits even all-emoji text stays under 4096 units (1000 + 300 + 64 chars, 2 units each).
    Rendered {
        text: compose(&clip_to_ingest_limits(signal), 0),
    }
}

/// The message in `format` with the first `notes_shown` notes (detailed only).
fn compose(
    signal: &Signal,
    lang: Lang,
    format: MessageFormat,
    ctx: &RenderContext,
    notes_shown: usize,
) -> String {
    let body = match format {
        MessageFormat::Detailed => detailed::render(signal, lang, ctx, notes_shown),
        MessageFormat::Compact => compact::render(signal, lang, ctx),
    };
    if !ctx.maybe_repeat {
        return body;
    }
    let gap = match format {
        MessageFormat::Detailed => "\n\n",
        MessageFormat::Compact => "\n",
    };
    let notice = tx(lang, "signal-repeat-notice");
    format!("⚠️ <i>{notice}</i>{gap}{body}")
}

/// The signal as the caption of its chart, within Telegram's 1,024 characters: the user's format
/// when it fits whole (every note included), else the compact one; `None` when neither fits, and
/// the message then goes as text without its chart.
pub fn render_caption(
    signal: &Signal,
    lang: Lang,
    format: MessageFormat,
    ctx: &RenderContext,
) -> Option<Rendered> {
    [format, MessageFormat::Compact]
        .into_iter()
        .map(|format| compose(signal, lang, format, ctx, signal.notes.len()))
        .find(|text| visible_len_utf16(text) <= MAX_CAPTION_UTF16)
        .map(|text| Rendered { text })
}

fn clip_to_ingest_limits(signal: &Signal) -> Signal {
    let clip = |text: &str, max: usize| text.chars().take(max).collect::<String>();
    let mut clipped = signal.clone();
    clipped.message = signal
        .message
        .as_deref()
        .map(|m| clip(m, Signal::MAX_MESSAGE_CHARS));
    clipped.market_context = signal
        .market_context
        .as_deref()
        .map(|m| clip(m, Signal::MAX_MARKET_CONTEXT_CHARS));
    clipped.source_model = signal
        .source_model
        .as_deref()
        .map(|m| clip(m, Signal::MAX_SOURCE_MODEL_CHARS));
    clipped
}

/// The `/signals` list: one compact line per signal, newest first, times in `tz`. When they do
/// not all fit in one message the oldest are left out and counted on a last line.
pub fn render_signal_list(signals: &[Signal], lang: Lang, tz: Tz) -> String {
    let title = format!("📋 <b>{}</b>", tx(lang, "signal-list-title"));
    if signals.is_empty() {
        return format!("{title}\n\n{}", tx(lang, "signal-list-empty"));
    }
    let mut newest_first: Vec<&Signal> = signals.iter().collect();
    newest_first.sort_by_key(|signal| std::cmp::Reverse(signal.generated_at));
    let more = |count: usize| tx_args(lang, "signal-list-more", [("count", Arg::from(count))]);
    // Room for the "…and N older" line at its longest, plus its newline.
    let budget = MAX_TEXT_UTF16 - visible_len_utf16(&more(signals.len())) - 1;
    let mut used = visible_len_utf16(&title) + 1;
    let mut text = title;
    text.push('\n');
    let mut shown = 0;
    for signal in &newest_first {
        let line = compact::list_line(signal, lang, tz);
        used += 1 + visible_len_utf16(&line);
        if used > budget {
            break;
        }
        text.push('\n');
        text.push_str(&line);
        shown += 1;
    }
    if shown < signals.len() {
        text.push('\n');
        text.push_str(&more(signals.len() - shown));
    }
    text
}

/// A catalog text, escaped.
pub(crate) fn tx(lang: Lang, key: &str) -> String {
    escape(&t(lang, key))
}

/// A catalog text with raw arguments, escaped once as a whole.
pub(crate) fn tx_args<'a>(
    lang: Lang,
    key: &str,
    args: impl IntoIterator<Item = (&'a str, Arg<'a>)>,
) -> String {
    escape(&t_args(lang, key, args))
}

/// `BUY`, `VENTA`, `CLOSE`…: the word for a signal's type.
fn kind_word(lang: Lang, kind: SignalKind) -> String {
    let key = match kind {
        SignalKind::Buy => "signal-direction-buy",
        SignalKind::Sell => "signal-direction-sell",
        SignalKind::Close => "signal-kind-close",
        SignalKind::Alert => "signal-kind-alert",
    };
    t(lang, key)
}

/// `64% win rate (48 closed)`, or that there is no history yet; escaped.
fn similar_text(lang: Lang, similar: &SimilarStats) -> String {
    if similar.closed == 0 {
        return tx(lang, "signal-similar-none");
    }
    let key = match similar.scope {
        SimilarScope::ModelAssetDirection => "signal-similar-stats",
        SimilarScope::ModelDirection => "signal-similar-stats-broad",
    };
    let rate = format::win_rate(similar.win_rate_pct);
    tx_args(
        lang,
        key,
        [
            ("rate", Arg::from(rate)),
            ("closed", Arg::from(similar.closed)),
        ],
    )
}

/// `🎯 Target reached`, `🛑 Stop loss hit`…: why Herald closed a position; escaped. `priced`:
/// the close carries an exit price (an expiry with no known price has none).
fn outcome_text(lang: Lang, outcome: &OutcomeNote, priced: bool) -> String {
    let (emoji, key) = match outcome.reason {
        OutcomeReason::Expired if !priced => ("⌛", "outcome-reason-expired-unpriced"),
        OutcomeReason::Close => ("🔔", "outcome-reason-close"),
        OutcomeReason::Reported => ("📝", "outcome-reason-reported"),
        OutcomeReason::Target => ("🎯", "outcome-reason-target"),
        OutcomeReason::Stop => ("🛑", "outcome-reason-stop"),
        OutcomeReason::Expired => ("⌛", "outcome-reason-expired"),
    };
    let text = tx(lang, key);
    match outcome
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        Some(note) => format!("{emoji} {text}: {}", escape(note)),
        None => format!("{emoji} {text}"),
    }
}

/// The result of a close against the entry of the signal it closes, when both are known.
fn close_result(signal: &Signal, original: Option<&Signal>) -> Option<CloseResult> {
    let original = original?;
    let direction @ (SignalKind::Buy | SignalKind::Sell) = original.kind else {
        return None;
    };
    let entry = original.entry_price?;
    let pct = format::result_pct(direction, entry, signal.exit_price?)?;
    Some(CloseResult {
        direction,
        entry,
        pct,
    })
}

struct CloseResult {
    direction: SignalKind,
    entry: super::signal::Price,
    pct: rust_decimal::Decimal,
}

impl CloseResult {
    /// ✅ gain, ❌ loss, ⚪ even.
    fn emoji(&self) -> &'static str {
        self.pick("✅", "❌", "⚪")
    }

    fn outcome_key(&self) -> &'static str {
        self.pick(
            "signal-result-profit",
            "signal-result-loss",
            "signal-result-flat",
        )
    }

    fn pick<T>(&self, gain: T, loss: T, even: T) -> T {
        match self.pct.cmp(&rust_decimal::Decimal::ZERO) {
            std::cmp::Ordering::Greater => gain,
            std::cmp::Ordering::Less => loss,
            std::cmp::Ordering::Equal => even,
        }
    }
}
