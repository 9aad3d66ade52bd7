//! Fixtures for the render tests, the seed message byte for byte, escaping and the length limit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use uuid::Uuid;

use super::html::check_telegram_html;
use super::*;
use crate::domain::signal::parse_signal;

fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2023, 6, 15, h, m, s).unwrap()
}

/// Signals go through `parse_signal`, as they do in production; a close without confidence
/// takes the seed's.
pub(super) fn signal(json: &str) -> Signal {
    let parse = |json: &str| parse_signal(json.as_bytes(), Uuid::from_u128(7), at(20, 0, 0));
    let mut parsed = parse(json).unwrap();
    if parsed.confidence.is_none() {
        parsed.inherit_confidence(&seed());
    }
    parsed.signal
}

/// The seed's §3.1 example.
pub(super) fn seed() -> Signal {
    signal(
        r#"{"id":"00000000-0000-0000-0000-000000000001","type":"buy","asset":"BTC/USD",
        "entry_price":45250,"target_price":46500,"stop_loss":44500,"timeframe":"1H","confidence":85,
        "notes":["Strong bullish momentum detected","Breaking above key resistance level",
        "Increasing volume supporting the move"],"generated_at":"2023-06-15T14:30:45Z"}"#,
    )
}

pub(super) fn seed_with_metadata() -> Signal {
    let mut s = seed();
    s.source_model = Some("lstm-v3".into());
    s.market_context = Some("Trending, high volume".into());
    s
}

pub(super) fn sell() -> Signal {
    signal(
        r#"{"type":"sell","asset":"EUR/USD","entry_price":1.08523,"target_price":1.07900,
        "stop_loss":1.08800,"timeframe":"4H","confidence":72,"source_model":"gbm-fx",
        "generated_at":"2023-06-15T09:05:00Z"}"#,
    )
}

pub(super) fn close() -> Signal {
    signal(
        r#"{"type":"close","asset":"BTC/USD","closes":"00000000-0000-0000-0000-000000000001",
        "exit_price":46100,"source_model":"lstm-v3","notes":["Momentum fading"],
        "generated_at":"2023-06-15T18:02:10Z"}"#,
    )
}

pub(super) fn alert() -> Signal {
    signal(
        r#"{"type":"alert","asset":"BTC/USD","confidence":90,"timeframe":"5m",
        "message":"Flash crash on major exchanges.\nSpreads <wide> & liquidity thin",
        "market_context":"High volatility","generated_at":"2023-06-15T19:45:00Z"}"#,
    )
}

pub(super) fn similar(win_rate_pct: f64, closed: u32, scope: SimilarScope) -> Option<SimilarStats> {
    Some(SimilarStats {
        win_rate_pct,
        closed,
        scope,
    })
}

pub(super) fn ctx() -> RenderContext {
    RenderContext::default()
}

/// Renders and checks the result against Telegram's HTML rules.
pub(super) fn render(s: &Signal, lang: Lang, format: MessageFormat, ctx: &RenderContext) -> String {
    let text = render_signal(s, lang, format, ctx).text;
    check_telegram_html(&text).unwrap_or_else(|e| panic!("{e}:\n{text}"));
    text
}

/// What the user sees: tags removed, entities decoded.
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        rest = &rest[start + rest[start..].find('>').unwrap() + 1..];
    }
    out.push_str(rest);
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

const SEED: &str = "🚨 TRADING SIGNAL: BUY BTC/USD 🚨

📊 Signal Details:
- Direction: BUY
- Asset: BTC/USD
- Entry Price: $45,250
- Target Price: $46,500 (+2.76%)
- Stop Loss: $44,500 (-1.66%)
- Timeframe: 1H

📈 Signal Confidence: 85%
⏱️ Signal Generated: 2023-06-15 14:30:45 UTC

📝 Notes:
- Strong bullish momentum detected
- Breaking above key resistance level
- Increasing volume supporting the move

#BTC #Trading #Signal";

#[test]
fn the_seed_example_renders_byte_for_byte() {
    let text = render(&seed(), Lang::En, MessageFormat::Detailed, &ctx());
    assert_eq!(visible(&text), SEED);
    assert!(text.starts_with("🚨 <b>TRADING SIGNAL: BUY BTC/USD</b> 🚨\n\n"));
}

#[test]
fn the_repeat_notice_is_the_first_line_then_the_usual_message() {
    for format in [MessageFormat::Detailed, MessageFormat::Compact] {
        let usual = render(&seed(), Lang::En, format, &ctx());
        let repeat = RenderContext {
            maybe_repeat: true,
            ..ctx()
        };
        let text = render(&seed(), Lang::En, format, &repeat);
        let (first, rest) = text.split_once('\n').unwrap();
        assert!(first.starts_with("⚠️ <i>Possible repeat:"), "{first}");
        assert_eq!(rest.trim_start_matches('\n'), usual);
    }
}

#[test]
fn outside_text_is_escaped_everywhere() {
    let mut s = seed();
    s.notes = vec!["<b>&".into(), "\"quoted\" <script>".into()];
    s.source_model = Some("m<1>".into());
    s.market_context = Some("A&B".into());
    let detailed = render(&s, Lang::En, MessageFormat::Detailed, &ctx());
    assert!(detailed.contains("\n- &lt;b&gt;&amp;\n"), "{detailed}");
    assert!(detailed.contains("- &quot;quoted&quot; &lt;script&gt;"));
    assert!(detailed.contains("🤖 Model: m&lt;1&gt;"));
    let compact = render(&s, Lang::Es, MessageFormat::Compact, &ctx());
    assert!(compact.ends_with("🤖 m&lt;1&gt; · 🌐 A&amp;B"), "{compact}");
}

#[test]
fn a_sell_closed_higher_is_a_loss() {
    let close = signal(
        r#"{"type":"close","asset":"EUR/USD","closes":"00000000-0000-0000-0000-000000000001",
        "exit_price":1.08700,"confidence":72,"generated_at":"2023-06-15T12:00:00Z"}"#,
    );
    let ctx = RenderContext {
        original: Some(sell()),
        ..ctx()
    };
    let compact = render(&close, Lang::En, MessageFormat::Compact, &ctx);
    assert_eq!(
        compact,
        "❌ <b>CLOSE EUR/USD</b> — exit $1.08700 (-0.16% vs entry $1.08523) · 72%"
    );
    let detailed = render(&close, Lang::En, MessageFormat::Detailed, &ctx);
    assert!(detailed.starts_with("❌ <b>CLOSE SIGNAL: EUR/USD</b> ❌\n"));
    assert!(detailed.contains("\n- Position: SELL\n"));
    assert!(detailed.contains("\n- Result: -0.16% (loss)\n"));
    let mut even = close;
    even.exit_price = sell().entry_price;
    let text = render(&even, Lang::Es, MessageFormat::Detailed, &ctx);
    assert!(
        text.contains("- Resultado: 0.00% (sin ganancia ni pérdida)"),
        "{text}"
    );
    assert!(text.starts_with("⚪"));
}

#[test]
fn quote_currencies_decide_the_symbol() {
    let cross = signal(
        r#"{"type":"buy","asset":"ETH/BTC","entry_price":0.0523,"target_price":0.0540,
        "stop_loss":0.0510,"timeframe":"1D","confidence":60}"#,
    );
    let text = render(&cross, Lang::En, MessageFormat::Compact, &ctx());
    assert_eq!(
        text,
        "🟢 <b>BUY ETH/BTC</b> @ 0.0523 BTC → 0.0540 BTC (+3.25%) · SL 0.0510 BTC (-2.49%) · 1D · 60%"
    );
    let stock = signal(
        r#"{"type":"buy","asset":"aapl","entry_price":189.50,"target_price":195,
        "stop_loss":185.25,"timeframe":"1D","confidence":60}"#,
    );
    let text = render(&stock, Lang::En, MessageFormat::Detailed, &ctx());
    assert!(text.contains("- Entry Price: $189.50\n"), "{text}");
    assert!(text.ends_with("\n\n#AAPL #Trading #Signal"));
}

fn emoji_text(chars: usize) -> String {
    "🚀".repeat(chars)
}

#[test]
fn notes_are_trimmed_from_the_end_to_stay_under_the_limit() {
    let mut s = seed();
    s.notes = (0..Signal::MAX_NOTES)
        .map(|i| format!("{i}{}", emoji_text(Signal::MAX_NOTE_CHARS - 1)))
        .collect();
    let text = render(&s, Lang::En, MessageFormat::Detailed, &ctx());
    assert!(visible_len_utf16(&text) <= MAX_TEXT_UTF16);
    assert!(text.contains("\n- 0🚀"));
    assert!(!text.contains("\n- 9🚀"));
    let shown = text.matches("\n- ").count() - 6;
    let more = format!("\n…and {} more\n", Signal::MAX_NOTES - shown);
    assert!(text.contains(&more), "{shown} shown:\n{text}");
}

#[test]
fn the_largest_signal_the_ingest_limits_allow_still_fits() {
    let mut s = alert();
    s.message = Some(emoji_text(Signal::MAX_MESSAGE_CHARS));
    s.market_context = Some(emoji_text(Signal::MAX_MARKET_CONTEXT_CHARS));
    s.source_model = Some(emoji_text(Signal::MAX_SOURCE_MODEL_CHARS));
    s.notes = vec![emoji_text(Signal::MAX_NOTE_CHARS); Signal::MAX_NOTES];
    let ctx = RenderContext {
        maybe_repeat: true,
        similar: similar(50.0, 10, SimilarScope::ModelDirection),
        original: None,
        outcome: None,
    };
    for lang in Lang::ALL {
        for format in [MessageFormat::Detailed, MessageFormat::Compact] {
            let text = render(&s, lang, format, &ctx);
            assert!(
                text.contains(&emoji_text(Signal::MAX_MESSAGE_CHARS)),
                "message cut"
            );
        }
    }
}

#[test]
fn oversized_text_from_elsewhere_is_clipped_as_a_last_resort() {
    let mut s = alert();
    s.message = Some("&".repeat(10_000));
    let text = render(&s, Lang::En, MessageFormat::Compact, &ctx());
    assert_eq!(text.matches("&amp;").count(), Signal::MAX_MESSAGE_CHARS);
}

#[test]
fn the_list_is_newest_first_in_the_users_zone_and_drops_the_oldest() {
    let empty = render_signal_list(&[], Lang::Es, chrono_tz::UTC);
    assert_eq!(empty, "📋 <b>Últimas señales</b>\n\nAún no hay señales.");

    let mut many = Vec::new();
    for i in 0..200 {
        let mut s = alert();
        s.generated_at = at(0, 0, 0) + TimeDelta::minutes(i);
        s.message = Some(format!("alert number {i} {}", emoji_text(60)));
        many.push(s);
    }
    let text = render_signal_list(&many, Lang::En, chrono_tz::Asia::Tokyo);
    check_telegram_html(&text).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[2].contains("alert number 199 "), "{}", lines[2]);
    assert!(
        lines[2].ends_with("· 🕒 2023-06-15 12:19 JST"),
        "{}",
        lines[2]
    );
    let shown = lines.len() - 3;
    assert_eq!(
        *lines.last().unwrap(),
        format!("…and {} older", 200 - shown)
    );
    assert!(lines[lines.len() - 2].contains(&format!("alert number {} ", 200 - shown)));
}

#[test]
fn closes_herald_writes_say_why_the_position_ended() {
    use crate::domain::performance::OutcomeReason;
    let note = |reason, note: Option<&str>| RenderContext {
        original: Some(seed()),
        outcome: Some(OutcomeNote {
            reason,
            note: note.map(str::to_owned),
        }),
        ..ctx()
    };
    let target = render(
        &close(),
        Lang::En,
        MessageFormat::Detailed,
        &note(OutcomeReason::Target, None),
    );
    assert!(target.contains("\n- 🎯 Target reached\n"), "{target}");
    let stop = render(
        &close(),
        Lang::Es,
        MessageFormat::Compact,
        &note(OutcomeReason::Stop, None),
    );
    assert!(stop.contains("🛑 Stop loss alcanzado · "), "{stop}");
    let reported = render(
        &close(),
        Lang::En,
        MessageFormat::Detailed,
        &note(OutcomeReason::Reported, Some("<manual> exit")),
    );
    assert!(
        reported.contains("📝 Outcome reported by the signal engine: &lt;manual&gt; exit"),
        "{reported}"
    );
    let mut unpriced = close();
    unpriced.exit_price = None;
    let expired = render(
        &unpriced,
        Lang::En,
        MessageFormat::Detailed,
        &note(OutcomeReason::Expired, None),
    );
    assert!(expired.contains("no price was known"), "{expired}");
    // Engine closes carry no note and look as before.
    let plain = render(
        &close(),
        Lang::En,
        MessageFormat::Detailed,
        &RenderContext {
            original: Some(seed()),
            ..ctx()
        },
    );
    assert!(!plain.contains("🎯") && !plain.contains("⌛"));
}
