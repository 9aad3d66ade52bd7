//! The signal engine's JSON → a validated [`Signal`], or every broken rule at once.
//!
//! Fields are first read as raw JSON text (`RawValue`) so that prices keep the digits they were
//! written with and a wrong type is a field error (422) rather than a parse failure (400).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use uuid::Uuid;

use super::fields::Reader;
use super::{Confidence, Price, Signal, SignalKind};

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
    /// What a close repeated of the signal it closes; checked against it by
    /// [`ParsedSignal::contradictions`], never stored on the close itself.
    pub repeated: Repeated,
}

/// Fields of a buy or sell that a close may repeat (engines that send one schema for every type
/// do): equal to the original's is fine, anything else contradicts it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Repeated {
    pub entry_price: Option<Price>,
    pub target_price: Option<Price>,
    pub stop_loss: Option<Price>,
    pub timeframe: Option<super::Timeframe>,
}

impl ParsedSignal {
    /// A close without its own confidence takes the one of the signal it closes.
    pub fn inherit_confidence(&mut self, closed: &Signal) {
        if self.confidence.is_none() {
            self.signal.confidence = closed.confidence;
        }
    }

    /// The fields of a close that contradict the signal it closes, named as in the request.
    /// A model the original did not name contradicts nothing.
    pub fn contradictions(&self, closed: &Signal) -> FieldErrors {
        let mut errors = FieldErrors::new();
        let differs = |field: &str, ours: Option<String>, theirs: Option<String>| {
            let ours = ours?;
            (Some(&ours) != theirs.as_ref()).then(|| {
                let theirs = theirs.unwrap_or_else(|| "none".to_owned());
                (
                    field.to_owned(),
                    format!("does not match the closed signal ({theirs})"),
                )
            })
        };
        let price = |p: Option<Price>| p.map(|p| p.value().normalize().to_string());
        let repeated = &self.repeated;
        let checks = [
            differs(
                "entry_price",
                price(repeated.entry_price),
                price(closed.entry_price),
            ),
            differs(
                "target_price",
                price(repeated.target_price),
                price(closed.target_price),
            ),
            differs(
                "stop_loss",
                price(repeated.stop_loss),
                price(closed.stop_loss),
            ),
            differs(
                "timeframe",
                repeated.timeframe.map(|t| t.as_str().to_owned()),
                closed.timeframe.map(|t| t.as_str().to_owned()),
            ),
        ];
        errors.extend(checks.into_iter().flatten());
        if let (Some(ours), Some(theirs)) = (&self.signal.source_model, &closed.source_model)
            && ours != theirs
        {
            errors.insert(
                "source_model".to_owned(),
                format!("does not match the closed signal ({theirs})"),
            );
        }
        errors
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
        // A close inherits entry, target, stop and timeframe from the signal it closes; it may
        // repeat them (see `Repeated`), but a message has no original to match.
        SignalKind::Close => (&["closes", "exit_price"], &["message"]),
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

/// buy: stop < entry < target; sell: target < entry < stop. Only prices that parsed are compared.
fn check_levels(
    r: &mut Reader,
    side: SignalKind,
    entry: Option<Price>,
    target: Option<Price>,
    stop: Option<Price>,
) {
    let Some(entry) = entry else { return };
    let buy = side == SignalKind::Buy;
    let (above, below) = ("must be above entry_price", "must be below entry_price");
    let name = side.as_str();
    if let Some(target) = target
        && (if buy {
            target <= entry
        } else {
            target >= entry
        })
    {
        let rule = if buy { above } else { below };
        r.fail("target_price", format!("{rule} for {name} signals"));
    }
    if let Some(stop) = stop
        && (if buy { stop >= entry } else { stop <= entry })
    {
        let rule = if buy { below } else { above };
        r.fail("stop_loss", format!("{rule} for {name} signals"));
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
        check_levels(&mut r, side, entry_price, target_price, stop_loss);
    }

    let (Some(kind), Some(asset), true) = (kind, asset, r.errors.is_empty()) else {
        return Err(SignalError::Invalid(r.errors));
    };
    let id = id.unwrap_or(fresh_id);
    // A close keeps what it repeated apart: its own levels are the original's.
    let (repeated, entry_price, target_price, stop_loss, timeframe) = if kind == SignalKind::Close {
        let repeated = Repeated {
            entry_price,
            target_price,
            stop_loss,
            timeframe,
        };
        (repeated, None, None, None, None)
    } else {
        (
            Repeated::default(),
            entry_price,
            target_price,
            stop_loss,
            timeframe,
        )
    };
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
    let canonical = canonical_json(&signal, &repeated, confidence, given_at);
    Ok(ParsedSignal {
        signal,
        canonical,
        confidence,
        repeated,
    })
}

fn canonical_json(
    signal: &Signal,
    repeated: &Repeated,
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
        ("entry_price", signal.entry_price.or(repeated.entry_price)),
        (
            "target_price",
            signal.target_price.or(repeated.target_price),
        ),
        ("stop_loss", signal.stop_loss.or(repeated.stop_loss)),
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
            signal
                .timeframe
                .or(repeated.timeframe)
                .map(|tf| tf.as_str().to_owned()),
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
