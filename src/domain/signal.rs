//! A trading signal as Herald understands it, after the signal engine's JSON has been checked.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

mod fields;
mod number;
mod parse;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_request;

pub use number::{NumberError, decimal_from_json};
pub use parse::{FieldErrors, ParsedSignal, Repeated, SignalError, parse_signal};

/// What a signal asks the trader to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignalKind {
    Buy,
    Sell,
    Close,
    Alert,
}

impl SignalKind {
    pub const ALL: [SignalKind; 4] = [Self::Buy, Self::Sell, Self::Close, Self::Alert];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Buy => "buy",
            Self::Sell => "sell",
            Self::Close => "close",
            Self::Alert => "alert",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(text))
    }
}

/// An instrument name: 1–32 characters of `A-Z 0-9 / . _ -`, upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Asset(String);

impl Asset {
    pub const MAX_LEN: usize = 32;

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let upper = raw.trim().to_ascii_uppercase();
        if upper.is_empty() || upper.len() > Self::MAX_LEN {
            return Err("must be 1 to 32 characters");
        }
        if !upper
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "/._-".contains(c))
        {
            return Err("may only contain letters, digits and / . _ -");
        }
        Ok(Self(upper))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Asset {
    type Error = &'static str;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Asset> for String {
    fn from(value: Asset) -> Self {
        value.0
    }
}

impl std::fmt::Display for Asset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The chart interval a signal was generated on; also sets when an open signal expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Timeframe {
    #[serde(rename = "1m")]
    M1,
    #[serde(rename = "5m")]
    M5,
    #[serde(rename = "15m")]
    M15,
    #[serde(rename = "30m")]
    M30,
    #[serde(rename = "1H")]
    H1,
    #[serde(rename = "4H")]
    H4,
    #[serde(rename = "1D")]
    D1,
}

impl Timeframe {
    pub const ALL: [Timeframe; 7] = [
        Self::M1,
        Self::M5,
        Self::M15,
        Self::M30,
        Self::H1,
        Self::H4,
        Self::D1,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::M1 => "1m",
            Self::M5 => "5m",
            Self::M15 => "15m",
            Self::M30 => "30m",
            Self::H1 => "1H",
            Self::H4 => "4H",
            Self::D1 => "1D",
        }
    }

    /// Exact match: `1h` is not `1H`, because the engine's contract spells them one way.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|tf| tf.as_str() == text)
    }
}

/// A strictly positive, finite price, kept with the precision it arrived with (`1.08523`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Price(Decimal);

impl Price {
    pub fn new(value: Decimal) -> Option<Self> {
        (value > Decimal::ZERO).then_some(Self(value))
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

/// Model confidence, an integer percentage 0..=100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Confidence(u8);

impl Confidence {
    pub fn new(value: i64) -> Option<Self> {
        u8::try_from(value).ok().filter(|v| *v <= 100).map(Self)
    }

    pub fn value(self) -> u8 {
        self.0
    }
}

/// A validated signal. Which optional fields are present depends on `kind`
/// (buy/sell carry entry, target and stop; close carries `closes` and `exit_price`; alert carries `message`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    pub id: Uuid,
    pub kind: SignalKind,
    pub asset: Asset,
    pub entry_price: Option<Price>,
    pub target_price: Option<Price>,
    pub stop_loss: Option<Price>,
    pub timeframe: Option<Timeframe>,
    /// For a close that gave none, the closed signal's (see [`ParsedSignal::inherit_confidence`]).
    pub confidence: Confidence,
    pub source_model: Option<String>,
    pub market_context: Option<String>,
    pub notes: Vec<String>,
    pub generated_at: DateTime<Utc>,
    pub closes: Option<Uuid>,
    pub exit_price: Option<Price>,
    pub message: Option<String>,
}

impl Signal {
    /// Ingest limits, part of the API contract. Rendering relies on them to stay under Telegram's
    /// 4096 characters.
    pub const MAX_NOTES: usize = 10;
    pub const MAX_NOTE_CHARS: usize = 200;
    pub const MAX_MESSAGE_CHARS: usize = 1000;
    pub const MAX_SOURCE_MODEL_CHARS: usize = 64;
    pub const MAX_MARKET_CONTEXT_CHARS: usize = 300;
    /// How far `generated_at` may lie ahead of our clock (engine clock skew), in seconds.
    pub const MAX_FUTURE_SKEW_SECS: i64 = 5 * 60;
    /// The earliest `generated_at` accepted (2000-01-01T00:00:00Z, Unix seconds).
    pub const EARLIEST_GENERATED_AT: i64 = 946_684_800;
}
