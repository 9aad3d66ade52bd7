//! Reading one field at a time from raw JSON text, recording every problem instead of
//! stopping at the first, so that a 422 lists all of them.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::value::RawValue;
use uuid::Uuid;

use super::number::{NumberError, decimal_from_json};
use super::parse::FieldErrors;
use super::{Asset, Confidence, Price, Signal, SignalKind, Timeframe};

/// Reads fields one by one, recording every problem instead of stopping at the first.
#[derive(Default)]
pub(super) struct Reader<'a> {
    /// Known, non-null fields not yet rejected.
    pub(super) raw: BTreeMap<&'static str, &'a RawValue>,
    pub(super) errors: FieldErrors,
}

impl Reader<'_> {
    /// Records a problem; the first one found for a field is the one reported.
    pub(super) fn fail(&mut self, field: impl Into<String>, message: impl Into<String>) {
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

    pub(super) fn kind(&mut self) -> Option<SignalKind> {
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

    pub(super) fn asset(&mut self) -> Option<Asset> {
        if !self.raw.contains_key("asset") {
            self.fail("asset", "is required");
        }
        let text = self.string("asset")?;
        Asset::parse(&text)
            .map_err(|message| self.fail("asset", message))
            .ok()
    }

    pub(super) fn uuid(&mut self, field: &'static str) -> Option<Uuid> {
        let text = self.string(field)?;
        Uuid::parse_str(text.trim())
            .map_err(|_| self.fail(field, "must be a UUID"))
            .ok()
    }

    pub(super) fn timeframe(&mut self) -> Option<Timeframe> {
        let text = self.string("timeframe")?;
        Timeframe::parse(text.trim())
            .ok_or_else(|| self.fail("timeframe", "must be one of 1m, 5m, 15m, 30m, 1H, 4H, 1D"))
            .ok()
    }

    pub(super) fn price(&mut self, field: &'static str) -> Option<Price> {
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

    pub(super) fn confidence(&mut self) -> Option<Confidence> {
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
    pub(super) fn single_line(&mut self, field: &'static str, max_chars: usize) -> Option<String> {
        let text = self.string(field)?.trim().to_owned();
        if text.is_empty() {
            return None;
        }
        if text.chars().any(char::is_control) {
            self.fail(field, "must not contain control characters");
        } else if text.chars().any(hides_or_reorders) {
            self.fail(field, HIDDEN_CHARACTERS);
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
        } else if text.chars().any(hides_or_reorders) {
            self.fail(field, HIDDEN_CHARACTERS);
        } else if text.chars().count() > max_chars {
            self.fail(field, format!("must be at most {max_chars} characters"));
        }
        Some(text)
    }

    pub(super) fn message(&mut self) -> Option<String> {
        let raw = self.raw.get("message")?.get();
        self.multi_line("message".into(), raw, Signal::MAX_MESSAGE_CHARS)
    }

    pub(super) fn notes(&mut self) -> Vec<String> {
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
    pub(super) fn generated_at(&mut self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let text = self.string("generated_at")?;
        let Ok(at) = DateTime::parse_from_rfc3339(text.trim()) else {
            self.fail("generated_at", "must be an RFC 3339 timestamp");
            return None;
        };
        let at = at.with_timezone(&Utc);
        if at.timestamp() < Signal::EARLIEST_GENERATED_AT {
            // A year-0 or epoch-zero time is an engine's bug, and users would be shown it.
            self.fail("generated_at", "must not be before 2000-01-01");
        } else if at > now + TimeDelta::seconds(Signal::MAX_FUTURE_SKEW_SECS) {
            self.fail(
                "generated_at",
                "must not be more than 5 minutes in the future",
            );
        }
        Some(at)
    }
}

const HIDDEN_CHARACTERS: &str = "must not contain bidirectional overrides or zero-width characters (U+200B, U+200C, U+200E, \
     U+200F, U+202A-U+202E, U+2060-U+2069, U+FEFF)";

/// Characters that make text read other than it is: bidirectional embeddings, overrides and
/// isolates reorder what follows (a "buy" that displays as "yub"), and zero-width ones hide
/// differences. U+200D (zero-width joiner) stays allowed: emoji sequences are made with it, and
/// it reorders nothing.
fn hides_or_reorders(c: char) -> bool {
    matches!(c,
        '\u{200B}' | '\u{200C}' | '\u{200E}' | '\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2069}'
        | '\u{FEFF}')
}
