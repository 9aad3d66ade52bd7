//! The fuzz properties, one per target: what must hold for any input, beyond "does not panic".
//! cargo-fuzz drives them from `fuzz_targets/`; herald's test suite includes this file and drives
//! the same functions with random and seed inputs on stable Rust (the CI smoke run).

use arbitrary::Unstructured;
use chrono::{DateTime, TimeZone, Utc};
use herald::bot::callbacks::Callback;
use herald::domain::filter::{
    FilterCommand, describe_error, describe_filters, parse_filter, to_filter_string,
};
use herald::domain::i18n::Lang;
use herald::domain::preferences::{MessageFormat, Preferences};
use herald::domain::render::{
    MAX_TEXT_UTF16, RenderContext, SimilarScope, SimilarStats, render_signal,
};
use herald::domain::signal::{Signal, parse_signal};
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

/// Any body: refused cleanly, or accepted and then its canonical form parses to the same signal
/// and every message for it is valid Telegram HTML within the length limit. Returns whether the
/// body was accepted (so the smoke test can tell that the properties were exercised).
pub fn signal_parse(data: &[u8]) -> bool {
    let Ok(parsed) = parse_signal(data, Uuid::nil(), now()) else {
        return false;
    };
    let again = parse_signal(parsed.canonical.as_bytes(), Uuid::nil(), now())
        .unwrap_or_else(|err| panic!("canonical form {:?} refused: {err:?}", parsed.canonical));
    assert_eq!(
        again.signal, parsed.signal,
        "canonical form changes the signal"
    );
    assert_eq!(
        again.canonical, parsed.canonical,
        "canonical form is not stable"
    );
    check_renders(&parsed.signal);
    true
}

/// Any `/filter` text: refused with a position inside the text and an explanation in every
/// language, or applied; printing the result and parsing it again gives the same preferences.
pub fn filter_grammar(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let defaults = Preferences::default();
    match parse_filter(text) {
        Ok(FilterCommand::Set(changes)) => {
            let prefs = changes.apply(&defaults);
            let printed = to_filter_string(&prefs);
            match parse_filter(&printed) {
                Ok(FilterCommand::Set(again)) => {
                    assert_eq!(
                        again.apply(&defaults),
                        prefs,
                        "{text:?} printed as {printed:?}"
                    )
                }
                other => panic!("{text:?} printed as {printed:?}, which parses as {other:?}"),
            }
            for lang in Lang::ALL {
                assert!(!describe_filters(&prefs, lang).is_empty());
            }
        }
        Ok(FilterCommand::Show | FilterCommand::Reset) => {}
        Err(err) => {
            assert!(
                err.position <= text.chars().count(),
                "{err:?} outside {text:?}"
            );
            for lang in Lang::ALL {
                assert!(!describe_error(&err, lang).is_empty());
            }
        }
    }
}

/// Any callback data or message text: whatever parses as one of the bot's buttons (the signal
/// buttons included) prints back within Telegram's 64 bytes and parses to the same button, and
/// command parsing never panics.
pub fn callback_data(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(callback) = Callback::parse(text) {
        let printed = callback.encode();
        assert!(
            !printed.is_empty() && printed.len() <= 64,
            "{printed:?} is {} bytes",
            printed.len()
        );
        let again = Callback::parse(&printed)
            .unwrap_or_else(|| panic!("printed data {printed:?} does not parse"));
        assert_eq!(again.encode(), printed);
    }
    let _ = herald::bot::commands::parse(text, "herald_bot");
}

/// Structured signals with hostile text: whatever the parser accepts renders as valid HTML in
/// every language and format, within the length limit. Returns whether a signal was accepted.
pub fn render_message(data: &[u8]) -> bool {
    let mut u = Unstructured::new(data);
    let Ok(body) = signal_request(&mut u) else {
        return false;
    };
    let Ok(parsed) = parse_signal(body.to_string().as_bytes(), Uuid::nil(), now()) else {
        return false;
    };
    check_renders(&parsed.signal);
    true
}

fn signal_request(u: &mut Unstructured<'_>) -> arbitrary::Result<serde_json::Value> {
    let kind = *u.choose(&["buy", "sell", "close", "alert"])?;
    let asset: String = if u.arbitrary()? {
        u.arbitrary()?
    } else {
        let len = u.int_in_range(1..=12)?;
        (0..len)
            .map(|_| u.choose(b"ABCXYZ019/._-").map(|b| char::from(*b)))
            .collect::<arbitrary::Result<_>>()?
    };
    let scale = u.int_in_range(0..=8)?;
    let mut prices = [
        u.int_in_range(1u64..=999_999_999_999)?,
        u.int_in_range(1u64..=999_999_999_999)?,
        u.int_in_range(1u64..=999_999_999_999)?,
    ];
    prices.sort_unstable();
    if kind == "sell" {
        prices.reverse();
    }
    let price = |n: u64| -> serde_json::Value {
        let text = format!("{n}e-{scale}");
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
    };
    let notes: Vec<String> = u.arbitrary()?;
    let mut body = serde_json::json!({
        "type": kind,
        "asset": asset,
        "stop_loss": price(prices[0]),
        "entry_price": price(prices[1]),
        "target_price": price(prices[2]),
        "timeframe": *u.choose(&["1m", "5m", "15m", "30m", "1H", "4H", "1D", "2W"])?,
        "confidence": u.int_in_range(0..=100)?,
        "source_model": u.arbitrary::<String>()?,
        "market_context": u.arbitrary::<String>()?,
        "notes": notes,
        "generated_at": "2026-05-31T23:59:59Z",
    });
    // Each kind carries only its own fields (a close inherits levels, an alert has none).
    if let Some(fields) = body.as_object_mut() {
        match kind {
            "close" => {
                for level in ["stop_loss", "entry_price", "target_price", "timeframe"] {
                    fields.remove(level);
                }
                fields.insert(
                    "closes".into(),
                    serde_json::json!(Uuid::from_u128(u.arbitrary()?).to_string()),
                );
                fields.insert("exit_price".into(), price(prices[1]));
            }
            "alert" => {
                for level in ["stop_loss", "entry_price", "target_price"] {
                    fields.remove(level);
                }
                fields.insert(
                    "message".into(),
                    serde_json::json!(u.arbitrary::<String>()?),
                );
            }
            _ => {}
        }
    }
    Ok(body)
}

fn check_renders(signal: &Signal) {
    let contexts = [
        RenderContext::default(),
        RenderContext {
            similar: Some(SimilarStats {
                win_rate_pct: 66.6667,
                closed: 12,
                scope: SimilarScope::ModelAssetDirection,
            }),
            original: None,
            outcome: None,
            maybe_repeat: true,
        },
    ];
    for lang in Lang::ALL {
        for format in [MessageFormat::Detailed, MessageFormat::Compact] {
            for ctx in &contexts {
                let text = render_signal(signal, lang, format, ctx).text;
                let plain = telegram_emulator::html::parse_html(&text)
                    .unwrap_or_else(|err| panic!("Telegram refuses {text:?}: {err}"));
                assert!(
                    telegram_emulator::html::utf16_len(&plain) <= MAX_TEXT_UTF16,
                    "too long: {text:?}"
                );
            }
        }
    }
}

/// Any webhook body (past the secret check, so anyone who learned the secret can send it): not an
/// update, or an update whose id is the body's own `update_id`, and whose chat, if one is named,
/// is a chat id the body carries.
pub fn webhook_body(data: &[u8]) -> bool {
    let Some((update_id, chat)) = herald::http::webhook::identify(data) else {
        return false;
    };
    let value: serde_json::Value = serde_json::from_slice(data)
        .unwrap_or_else(|err| panic!("identified, yet not JSON: {err}"));
    assert_eq!(value["update_id"].as_i64(), Some(update_id));
    if let Some(chat) = chat {
        assert!(
            carries_number(&value, chat),
            "chat {chat} named, yet not in the body"
        );
    }
    true
}

fn carries_number(value: &serde_json::Value, number: i64) -> bool {
    match value {
        serde_json::Value::Number(n) => n.as_i64() == Some(number),
        serde_json::Value::Array(items) => items.iter().any(|item| carries_number(item, number)),
        serde_json::Value::Object(fields) => {
            fields.values().any(|item| carries_number(item, number))
        }
        _ => false,
    }
}

/// The bot token the `init_data` property signs with.
const INIT_DATA_TOKEN: &str = "123456:FUZZ-TOKEN";

/// The launch string the `init_data` property starts from, signed at `now()`.
pub fn signed_launch() -> String {
    let user = telegram_emulator::TgUser {
        id: 4242,
        is_bot: false,
        first_name: "Fuzz".to_owned(),
        last_name: None,
        username: Some("fuzz".to_owned()),
        language_code: Some("es".to_owned()),
    };
    telegram_emulator::sign_init_data(INIT_DATA_TOKEN, &user, now().timestamp(), "AAEfuzz", &[])
}

/// Mini App launch data: a string is accepted only if it says exactly what was signed. The
/// input is either raw text (first byte 0) or edits to a genuine launch string, as pairs of
/// (position, byte); whatever is accepted must decode to the genuine fields, in any order.
/// Returns whether it was accepted.
pub fn init_data(data: &[u8]) -> bool {
    let genuine = signed_launch();
    let candidate = match data.split_first() {
        Some((0, raw)) => String::from_utf8_lossy(raw).into_owned(),
        _ => {
            let mut bytes = genuine.clone().into_bytes();
            for edit in data.chunks(2) {
                if let [at, byte] = edit
                    && !bytes.is_empty()
                {
                    let at = usize::from(*at) * bytes.len() / 256;
                    bytes[at] = *byte;
                }
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    let Ok(user) = herald::auth::init_data::validate(&candidate, INIT_DATA_TOKEN, now()) else {
        return false;
    };
    let fields = |text: &str| {
        let mut pairs: Vec<(String, String)> = form_urlencoded_pairs(text);
        pairs.sort();
        pairs
    };
    assert_eq!(
        fields(&candidate),
        fields(&genuine),
        "accepted launch data that says something else: {candidate}"
    );
    assert_eq!(user.id, 4242);
    true
}

fn form_urlencoded_pairs(text: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(text.as_bytes())
        .into_owned()
        .collect()
}
