//! The signal engine's JSON → a validated [`Signal`], or every broken rule at once.
//!
//! Fields are first read as raw JSON text (`RawValue`) so that prices keep the digits they were
//! written with and a wrong type is a field error (422) rather than a parse failure (400).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use uuid::Uuid;

use super::number::{NumberError, decimal_from_json};
use super::{Asset, Confidence, Price, Signal, SignalKind, Timeframe};

/// JSON field name (`entry_price`, `notes[3]`) → what is wrong with it, for the 422 body.
pub type FieldErrors = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignalError {
    /// Not UTF-8, not JSON, not an object, or a key given twice: HTTP 400.
    #[error("malformed JSON: {0}")]
    Malformed(String),
    /// Well-formed JSON breaking one or more rules: HTTP 422.
    #[error("invalid signal: {} field(s) break the rules", .0.len())]
    Invalid(FieldErrors),
}

/// A validated signal plus what idempotency needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedSignal {
    pub signal: Signal,
    /// The request as sorted, whitespace-free JSON with normalised values (trimmed strings,
    /// upper-cased asset, the `id` actually used, absent and `null` fields left out, defaults such
    /// as `generated_at = now` NOT filled in), so a retry of the same request compares equal.
    pub canonical: String,
    /// The confidence the request gave. `None` only for a close signal that left it out; then
    /// `signal.confidence` is a placeholder 0 until [`ParsedSignal::inherit_confidence`] is called
    /// with the closed signal (which the HTTP layer loads anyway to check that `closes` is known).
    pub confidence: Option<Confidence>,
}

impl ParsedSignal {
    /// A close without its own confidence takes the one of the signal it closes.
    pub fn inherit_confidence(&mut self, closed: &Signal) {
        if self.confidence.is_none() {
            self.signal.confidence = closed.confidence;
        }
    }
}

const FIELDS: [&str; 15] = [
    "id",
    "type",
    "asset",
    "entry_price",
    "target_price",
    "stop_loss",
    "timeframe",
    "confidence",
    "source_model",
    "market_context",
    "notes",
    "generated_at",
    "closes",
    "exit_price",
    "message",
];

/// Which fields a type requires and which it forbids (everything else is optional).
fn rules(kind: SignalKind) -> (&'static [&'static str], &'static [&'static str]) {
    match kind {
        SignalKind::Buy | SignalKind::Sell => (
            &[
                "entry_price",
                "target_price",
                "stop_loss",
                "timeframe",
                "confidence",
            ],
            &["closes", "exit_price", "message"],
        ),
        // A close inherits entry, target, stop and timeframe from the signal it closes.
        SignalKind::Close => (
            &["closes", "exit_price"],
            &[
                "entry_price",
                "target_price",
                "stop_loss",
                "timeframe",
                "message",
            ],
        ),
        // An alert may name a timeframe but recommends no trade, so carries no prices.
        SignalKind::Alert => (
            &["message", "confidence"],
            &[
                "entry_price",
                "target_price",
                "stop_loss",
                "closes",
                "exit_price",
            ],
        ),
    }
}

/// Parses and checks one signal request. `fresh_id` is used when the request has no `id`,
/// `now` is the default `generated_at` and the reference for "not in the future".
pub fn parse_signal(
    body: &[u8],
    fresh_id: Uuid,
    now: DateTime<Utc>,
) -> Result<ParsedSignal, SignalError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| SignalError::Malformed(format!("body is not UTF-8: {e}")))?;
    let Entries(entries) =
        serde_json::from_str(text).map_err(|e| SignalError::Malformed(e.to_string()))?;

    let mut r = Reader::default();
    for (key, value) in entries {
        match FIELDS.iter().find(|field| **field == key) {
            // An engine written in Python sends `None` as null: the same as leaving it out.
            Some(_) if value.get() == "null" => {}
            Some(field) => {
                r.raw.insert(field, value);
            }
            None => r.fail(key, "unknown field"),
        }
    }

    let kind = r.kind();
    if let Some(kind) = kind {
        let (required, forbidden) = rules(kind);
        for field in forbidden {
            if r.raw.remove(field).is_some() {
                r.fail(*field, format!("not allowed for {} signals", kind.as_str()));
            }
        }
        for field in required {
            if !r.raw.contains_key(field) {
                r.fail(*field, format!("is required for {} signals", kind.as_str()));
            }
        }
    }

    let id = r.uuid("id");
    let asset = r.asset();
    let entry_price = r.price("entry_price");
    let target_price = r.price("target_price");
    let stop_loss = r.price("stop_loss");
    let exit_price = r.price("exit_price");
    let timeframe = r.timeframe();
    let confidence = r.confidence();
    let source_model = r.single_line("source_model", Signal::MAX_SOURCE_MODEL_CHARS);
    let market_context = r.single_line("market_context", Signal::MAX_MARKET_CONTEXT_CHARS);
    let notes = r.notes();
    let given_at = r.generated_at(now);
    let closes = r.uuid("closes");
    let message = r.message();

    if let Some(side @ (SignalKind::Buy | SignalKind::Sell)) = kind {
        let name = side.as_str();
        // buy: stop < entry < target; sell: target < entry < stop.
        let (target_side, stop_side) = match side {
            SignalKind::Buy => (std::cmp::Ordering::Greater, std::cmp::Ordering::Less),
            _ => (std::cmp::Ordering::Less, std::cmp::Ordering::Greater),
        };
        let word = |o| match o {
            std::cmp::Ordering::Greater => "above",
            _ => "below",
        };
        if let (Some(entry), Some(target)) = (entry_price, target_price)
            && target.cmp(&entry) != target_side
        {
            let msg = format!(
                "must be {} entry_price for {name} signals",
                word(target_side)
            );
            r.fail("target_price", msg);
        }
        if let (Some(entry), Some(stop)) = (entry_price, stop_loss)
            && stop.cmp(&entry) != stop_side
        {
            let msg = format!("must be {} entry_price for {name} signals", word(stop_side));
            r.fail("stop_loss", msg);
        }
    }

    let (Some(kind), Some(asset), true) = (kind, asset, r.errors.is_empty()) else {
        return Err(SignalError::Invalid(r.errors));
    };
    let id = id.unwrap_or(fresh_id);
    let signal = Signal {
        id,
        kind,
        asset,
        entry_price,
        target_price,
        stop_loss,
        timeframe,
        confidence: confidence.unwrap_or(Confidence(0)),
        source_model,
        market_context,
        notes,
        generated_at: given_at.unwrap_or(now),
        closes,
        exit_price,
        message,
    };
    let canonical = canonical_json(&signal, confidence, given_at);
    Ok(ParsedSignal {
        signal,
        canonical,
        confidence,
    })
}

fn canonical_json(
    signal: &Signal,
    confidence: Option<Confidence>,
    given_at: Option<DateTime<Utc>>,
) -> String {
    use serde_json::Value;
    let text = |s: &str| Value::from(s).to_string();
    let mut fields: BTreeMap<&str, String> = BTreeMap::new();
    fields.insert("id", text(&signal.id.to_string()));
    fields.insert("type", text(signal.kind.as_str()));
    fields.insert("asset", text(signal.asset.as_str()));
    let prices = [
        ("entry_price", signal.entry_price),
        ("target_price", signal.target_price),
        ("stop_loss", signal.stop_loss),
        ("exit_price", signal.exit_price),
    ];
    for (name, price) in prices {
        // Decimal's Display never uses an exponent and keeps the scale: valid JSON number text.
        if let Some(price) = price {
            fields.insert(name, price.value().to_string());
        }
    }
    let optional_texts = [
        (
            "timeframe",
            signal.timeframe.map(|tf| tf.as_str().to_owned()),
        ),
        ("source_model", signal.source_model.clone()),
        ("market_context", signal.market_context.clone()),
        ("closes", signal.closes.map(|id| id.to_string())),
        ("message", signal.message.clone()),
        (
            "generated_at",
            given_at.map(|at| at.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        ),
    ];
    for (name, value) in optional_texts {
        if let Some(value) = value {
            fields.insert(name, text(&value));
        }
    }
    if let Some(confidence) = confidence {
        fields.insert("confidence", confidence.value().to_string());
    }
    if !signal.notes.is_empty() {
        fields.insert("notes", Value::from(signal.notes.clone()).to_string());
    }
    let body: Vec<String> = fields
        .iter()
        .map(|(name, value)| format!("\"{name}\":{value}"))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// The top-level object as (key, raw value) pairs; a key given twice is malformed, because
/// which of the two values counts would otherwise depend on the parser.
struct Entries<'a>(Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut seen = BTreeSet::new();
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if !seen.insert(key.clone()) {
                        return Err(de::Error::custom(format!("duplicate field `{key}`")));
                    }
                    let value: &'de RawValue = map.next_value()?;
                    entries.push((key, value));
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

/// Reads fields one by one, recording every problem instead of stopping at the first.
#[derive(Default)]
struct Reader<'a> {
    /// Known, non-null fields not yet rejected.
    raw: BTreeMap<&'static str, &'a RawValue>,
    errors: FieldErrors,
}

impl Reader<'_> {
    /// Records a problem; the first one found for a field is the one reported.
    fn fail(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors
            .entry(field.into())
            .or_insert_with(|| message.into());
    }

    fn string(&mut self, field: &'static str) -> Option<String> {
        let raw = self.raw.get(field)?;
        match serde_json::from_str::<String>(raw.get()) {
            Ok(text) => Some(text),
            Err(_) => {
                self.fail(field, "must be a string");
                None
            }
        }
    }

    fn kind(&mut self) -> Option<SignalKind> {
        if !self.raw.contains_key("type") {
            self.fail("type", "is required");
        }
        let text = self.string("type")?;
        let kind = SignalKind::parse(text.trim());
        if kind.is_none() {
            self.fail("type", "must be one of buy, sell, close, alert");
        }
        kind
    }

    fn asset(&mut self) -> Option<Asset> {
        if !self.raw.contains_key("asset") {
            self.fail("asset", "is required");
        }
        let text = self.string("asset")?;
        Asset::parse(&text)
            .map_err(|message| self.fail("asset", message))
            .ok()
    }

    fn uuid(&mut self, field: &'static str) -> Option<Uuid> {
        let text = self.string(field)?;
        Uuid::parse_str(text.trim())
            .map_err(|_| self.fail(field, "must be a UUID"))
            .ok()
    }

    fn timeframe(&mut self) -> Option<Timeframe> {
        let text = self.string("timeframe")?;
        Timeframe::parse(text.trim())
            .ok_or_else(|| self.fail("timeframe", "must be one of 1m, 5m, 15m, 30m, 1H, 4H, 1D"))
            .ok()
    }

    fn price(&mut self, field: &'static str) -> Option<Price> {
        let raw = self.raw.get(field)?.get();
        let looks_numeric = raw.starts_with(|c: char| c == '-' || c.is_ascii_digit());
        let parsed = match decimal_from_json(raw) {
            Ok(value) => Price::new(value).ok_or("must be greater than 0"),
            Err(NumberError::OutOfRange) => Err("out of range"),
            Err(NumberError::NotANumber) => Err("must be a number"),
        };
        // `raw` is valid JSON, so anything not starting like a number is a string, bool, array…
        let parsed = if looks_numeric {
            parsed
        } else {
            Err("must be a number")
        };
        parsed.map_err(|message| self.fail(field, message)).ok()
    }

    fn confidence(&mut self) -> Option<Confidence> {
        let raw = self.raw.get("confidence")?.get();
        let value = raw
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'-')
            .then(|| raw.parse::<i64>().ok())
            .flatten()
            .and_then(Confidence::new);
        if value.is_none() {
            self.fail("confidence", "must be an integer from 0 to 100");
        }
        value
    }

    /// Optional one-line text: trimmed, empty means absent, no control characters at all.
    fn single_line(&mut self, field: &'static str, max_chars: usize) -> Option<String> {
        let text = self.string(field)?.trim().to_owned();
        if text.is_empty() {
            return None;
        }
        if text.chars().any(char::is_control) {
            self.fail(field, "must not contain control characters");
        } else if text.chars().count() > max_chars {
            self.fail(field, format!("must be at most {max_chars} characters"));
        }
        Some(text)
    }

    /// Multi-line text (a note, an alert message): CRLF becomes LF, then it is trimmed.
    fn multi_line(&mut self, field: String, raw: &str, max_chars: usize) -> Option<String> {
        let Ok(text) = serde_json::from_str::<String>(raw) else {
            self.fail(field, "must be a string");
            return None;
        };
        let text = text.replace("\r\n", "\n").trim().to_owned();
        if text.is_empty() {
            self.fail(field, "must not be empty");
        } else if text.chars().any(|c| c.is_control() && c != '\n') {
            self.fail(
                field,
                "must not contain control characters other than newlines",
            );
        } else if text.chars().count() > max_chars {
            self.fail(field, format!("must be at most {max_chars} characters"));
        }
        Some(text)
    }

    fn message(&mut self) -> Option<String> {
        let raw = self.raw.get("message")?.get();
        self.multi_line("message".into(), raw, Signal::MAX_MESSAGE_CHARS)
    }

    fn notes(&mut self) -> Vec<String> {
        let Some(raw) = self.raw.get("notes") else {
            return Vec::new();
        };
        let Ok(items) = serde_json::from_str::<Vec<&RawValue>>(raw.get()) else {
            self.fail("notes", "must be an array of strings");
            return Vec::new();
        };
        if items.len() > Signal::MAX_NOTES {
            self.fail(
                "notes",
                format!("must have at most {} notes", Signal::MAX_NOTES),
            );
        }
        let mut notes = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let field = format!("notes[{index}]");
            if let Some(note) = self.multi_line(field, item.get(), Signal::MAX_NOTE_CHARS) {
                notes.push(note);
            }
        }
        notes
    }

    /// The time the request gave, if any (the caller defaults to `now`).
    fn generated_at(&mut self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let text = self.string("generated_at")?;
        let Ok(at) = DateTime::parse_from_rfc3339(text.trim()) else {
            self.fail("generated_at", "must be an RFC 3339 timestamp");
            return None;
        };
        let at = at.with_timezone(&Utc);
        if at > now + TimeDelta::seconds(Signal::MAX_FUTURE_SKEW_SECS) {
            self.fail(
                "generated_at",
                "must not be more than 5 minutes in the future",
            );
        }
        Some(at)
    }
}
