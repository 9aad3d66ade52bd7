//! Positions: the trades a user says they took on a buy or sell signal (`✅ I took it`), kept
//! for that user alone. Opened at the signal's entry; the user's reply to the confirmation may
//! set their own entry and size. Profit and loss is worked out here, from the entry to a price
//! (the last one for an open position, the exit for a closed one).

#[cfg(test)]
mod tests;
mod text;

use std::str::FromStr;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::performance::{Direction, OutcomeReason};
use super::render::result_pct;
use super::signal::{Asset, Price};

pub use text::{
    MAX_LISTED, close_question, closed_answer, closed_list, entry_set, open_list, opened,
    reason_text, reply_error, trades_line,
};

/// Why a position closed: how its signal ended, or the user's own Close.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseReason {
    /// With the signal: its close, a reported outcome, the target, the stop or expiry.
    Signal(OutcomeReason),
    /// The user's Close button, at the last known price.
    Manual,
}

impl CloseReason {
    /// Every reason, for tests of the stored names and texts.
    pub fn all() -> impl Iterator<Item = CloseReason> {
        OutcomeReason::ALL
            .into_iter()
            .map(Self::Signal)
            .chain([Self::Manual])
    }

    /// Stored in `positions.close_reason` (a signal's reasons as `signal_outcomes` stores
    /// them); never rename one.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signal(reason) => reason.as_str(),
            Self::Manual => "manual",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "manual" => Some(Self::Manual),
            _ => OutcomeReason::parse(text).map(Self::Signal),
        }
    }
}

impl From<OutcomeReason> for CloseReason {
    fn from(reason: OutcomeReason) -> Self {
        Self::Signal(reason)
    }
}

/// One user's trade on one signal.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    pub id: Uuid,
    pub user_id: Uuid,
    pub signal_id: Uuid,
    pub asset: Asset,
    pub direction: Direction,
    pub entry: Price,
    /// In units of the asset, when the user gave it.
    pub size: Option<Decimal>,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub exit_price: Option<Price>,
    pub close_reason: Option<CloseReason>,
    /// The bot's confirmation, which the user replies to with their own entry.
    pub message_id: Option<i64>,
}

impl Position {
    pub fn is_open(&self) -> bool {
        self.closed_at.is_none()
    }

    /// What the position makes or loses at `price`.
    pub fn pnl_at(&self, price: Price) -> Option<Pnl> {
        pnl(self.direction, self.entry, price, self.size)
    }

    /// The realized result of a closed position.
    pub fn realized(&self) -> Option<Pnl> {
        self.pnl_at(self.exit_price?)
    }
}

/// Profit (positive) or loss, as a percentage of the entry and, with a size, as an amount in the
/// asset's quote currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pnl {
    pub pct: Decimal,
    pub amount: Option<Decimal>,
}

/// The result of holding `size` from `entry` to `price`: a sell gains when the price falls.
/// `None` only when the numbers overflow a decimal (absurd prices).
pub fn pnl(direction: Direction, entry: Price, price: Price, size: Option<Decimal>) -> Option<Pnl> {
    let pct = result_pct(direction.kind(), entry, price)?;
    let amount = size.and_then(|size| {
        let moved = price.value().checked_sub(entry.value())?;
        let signed = match direction {
            Direction::Buy => moved,
            Direction::Sell => -moved,
        };
        signed.checked_mul(size)
    });
    Some(Pnl { pct, amount })
}

/// What a reply to a position's confirmation asks: `45100` or `45100 0.5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryReply {
    pub entry: Price,
    pub size: Option<Decimal>,
}

/// Why a reply was not taken; nothing is changed by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyError {
    /// Not one or two words.
    Usage,
    /// The word that should be the price.
    Price(String),
    /// The word that should be the size.
    Size(String),
    /// The price is so far from the signal's entry that it is surely a typo: accepted are
    /// entries from half to twice the signal's.
    FarFromSignal { low: Price, high: Price },
}

/// A positive number as traders type it: digits and a dot, an optional currency sign in front.
/// Commas are refused rather than guessed: `45,100` is 45100 to one reader and 45.1 to another.
fn number(word: &str) -> Option<Decimal> {
    let digits = word.trim_start_matches(['$', '€', '£', '¥']);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    Decimal::from_str(digits)
        .ok()
        .filter(|value| *value > Decimal::ZERO)
}

/// Reads a reply against the signal's entry.
pub fn parse_reply(text: &str, signal_entry: Price) -> Result<EntryReply, ReplyError> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let (price, size) = match words.as_slice() {
        [price] => (*price, None),
        [price, size] => (*price, Some(*size)),
        _ => return Err(ReplyError::Usage),
    };
    let entry = number(price)
        .and_then(Price::new)
        .ok_or_else(|| ReplyError::Price(price.to_owned()))?;
    let size = size
        .map(|word| number(word).ok_or_else(|| ReplyError::Size(word.to_owned())))
        .transpose()?;
    let signal = signal_entry.value();
    let low = signal / Decimal::TWO;
    let high = signal.checked_mul(Decimal::TWO).unwrap_or(Decimal::MAX);
    if entry.value() < low || entry.value() > high {
        return Err(ReplyError::FarFromSignal {
            low: Price::new(low.normalize()).unwrap_or(signal_entry),
            high: Price::new(high.normalize()).unwrap_or(signal_entry),
        });
    }
    Ok(EntryReply { entry, size })
}

/// "Your trades": the user's closed positions that have a result.
#[derive(Debug, Clone, PartialEq)]
pub struct TradeFigures {
    pub count: usize,
    pub wins: usize,
    /// The sum of the trades' percentages.
    pub total_pct: Decimal,
    pub best_pct: Decimal,
    pub worst_pct: Decimal,
}

impl TradeFigures {
    pub fn win_rate_pct(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.wins as f64 * 100.0 / self.count as f64
        }
    }
}

/// Figures over closed positions; `None` when none has a result.
pub fn trade_figures(positions: &[Position]) -> Option<TradeFigures> {
    let results: Vec<Decimal> = positions
        .iter()
        .filter_map(|p| p.realized())
        .map(|pnl| pnl.pct)
        .collect();
    let best_pct = results.iter().copied().max()?;
    let worst_pct = results.iter().copied().min()?;
    Some(TradeFigures {
        count: results.len(),
        wins: results.iter().filter(|pct| **pct > Decimal::ZERO).count(),
        // Saturating: a sum past a decimal's range is not a figure anyone will read.
        total_pct: results
            .iter()
            .try_fold(Decimal::ZERO, |sum, pct| sum.checked_add(*pct))
            .unwrap_or(Decimal::MAX),
        best_pct,
        worst_pct,
    })
}
