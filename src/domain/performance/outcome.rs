//! How a trade ends: by the engine (close signal or a reported outcome), by the market reaching
//! its target or stop, or by running out of time.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use crate::domain::signal::{Signal, SignalKind};

/// Why a trade was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeReason {
    /// A close signal from the engine, with its exit price.
    Close,
    /// `POST /api/signals/{id}/outcome`.
    Reported,
    /// A price update reached the target.
    Target,
    /// A price update reached the stop.
    Stop,
    /// The timeframe's horizon passed first.
    Expired,
}

impl OutcomeReason {
    pub const ALL: [OutcomeReason; 5] = [
        Self::Close,
        Self::Reported,
        Self::Target,
        Self::Stop,
        Self::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Close => "close",
            Self::Reported => "reported",
            Self::Target => "target",
            Self::Stop => "stop",
            Self::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// The side of a trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Buy,
    Sell,
}

impl Direction {
    pub fn of(kind: SignalKind) -> Option<Self> {
        match kind {
            SignalKind::Buy => Some(Self::Buy),
            SignalKind::Sell => Some(Self::Sell),
            SignalKind::Close | SignalKind::Alert => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Buy => "buy",
            Self::Sell => "sell",
        }
    }

    pub fn kind(self) -> SignalKind {
        match self {
            Self::Buy => SignalKind::Buy,
            Self::Sell => SignalKind::Sell,
        }
    }
}

/// A buy or sell still open, with what price checks need.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenPosition {
    pub direction: Direction,
    pub entry: Decimal,
    pub target: Decimal,
    pub stop: Decimal,
    pub opened_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl OpenPosition {
    /// The position a buy or sell signal opens; `None` for other types or missing levels
    /// (impossible for a signal that passed `parse_signal`).
    pub fn of(signal: &Signal, expires_at: DateTime<Utc>) -> Option<Self> {
        Some(Self {
            direction: Direction::of(signal.kind)?,
            entry: signal.entry_price?.value(),
            target: signal.target_price?.value(),
            stop: signal.stop_loss?.value(),
            opened_at: signal.generated_at,
            expires_at,
        })
    }

    fn reached_target(&self, price: Decimal) -> bool {
        match self.direction {
            Direction::Buy => price >= self.target,
            Direction::Sell => price <= self.target,
        }
    }

    fn reached_stop(&self, price: Decimal) -> bool {
        match self.direction {
            Direction::Buy => price <= self.stop,
            Direction::Sell => price >= self.stop,
        }
    }
}

/// One observed market price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceTick {
    pub price: Decimal,
    pub at: DateTime<Utc>,
}

/// Where and when the market closed a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exit {
    /// `Target` or `Stop`.
    pub reason: OutcomeReason,
    /// The level reached: the orders a signal implies rest at its target and stop, so the trade
    /// ends there even when the observed price went past it.
    pub price: Decimal,
    pub at: DateTime<Utc>,
}

/// The first tick, in time order, at which the market reached the position's target or stop,
/// counting only ticks from its opening up to its expiry. When ticks at the same instant reach
/// both (possible in a batch), the stop wins: without finer data the cautious reading is the loss.
pub fn first_exit(position: &OpenPosition, ticks: &[PriceTick]) -> Option<Exit> {
    let mut in_life: Vec<&PriceTick> = ticks
        .iter()
        .filter(|tick| tick.at >= position.opened_at && tick.at <= position.expires_at)
        .collect();
    in_life.sort_by_key(|tick| tick.at);
    let mut target_at: Option<DateTime<Utc>> = None;
    for tick in in_life {
        if target_at.is_some_and(|at| at < tick.at) {
            break;
        }
        if position.reached_stop(tick.price) {
            return Some(Exit {
                reason: OutcomeReason::Stop,
                price: position.stop,
                at: tick.at,
            });
        }
        if target_at.is_none() && position.reached_target(tick.price) {
            target_at = Some(tick.at);
        }
    }
    target_at.map(|at| Exit {
        reason: OutcomeReason::Target,
        price: position.target,
        at,
    })
}

/// What a trade made, in percent of its entry: a sell gains when the price falls. `None` only
/// when the numbers do not fit (absurd price pairs).
pub fn return_pct(direction: Direction, entry: Decimal, exit: Decimal) -> Option<f64> {
    let change = exit
        .checked_sub(entry)?
        .checked_div(entry)?
        .checked_mul(Decimal::ONE_HUNDRED)?;
    let signed = match direction {
        Direction::Buy => change,
        Direction::Sell => -change,
    };
    signed.to_f64()
}

/// The initial risk, entry to stop, in percent of the entry; the unit of R multiples.
pub fn risk_pct(entry: Decimal, stop: Decimal) -> Option<f64> {
    let distance = (entry.checked_sub(stop)?).abs();
    distance
        .checked_div(entry)?
        .checked_mul(Decimal::ONE_HUNDRED)?
        .to_f64()
        .filter(|risk| *risk > 0.0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, 1, 12, minute, 0).unwrap()
    }

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn buy() -> OpenPosition {
        OpenPosition {
            direction: Direction::Buy,
            entry: d("100"),
            target: d("110"),
            stop: d("95"),
            opened_at: at(0),
            expires_at: at(50),
        }
    }

    fn tick(price: &str, minute: u32) -> PriceTick {
        PriceTick {
            price: d(price),
            at: at(minute),
        }
    }

    #[test]
    fn the_first_level_reached_in_time_order_wins() {
        // Given out of order: the stop at minute 5 comes before the target at minute 7.
        let ticks = [tick("111", 7), tick("94", 5), tick("100", 1)];
        let exit = first_exit(&buy(), &ticks).unwrap();
        assert_eq!(exit.reason, OutcomeReason::Stop);
        assert_eq!((exit.price, exit.at), (d("95"), at(5)));
        let ticks = [tick("110", 3), tick("90", 4)];
        let exit = first_exit(&buy(), &ticks).unwrap();
        assert_eq!(
            (exit.reason, exit.price, exit.at),
            (OutcomeReason::Target, d("110"), at(3))
        );
    }

    #[test]
    fn a_tie_at_the_same_instant_goes_to_the_stop() {
        let ticks = [tick("112", 9), tick("93", 9)];
        let exit = first_exit(&buy(), &ticks).unwrap();
        assert_eq!((exit.reason, exit.at), (OutcomeReason::Stop, at(9)));
        let ticks = [tick("93", 9), tick("112", 9)];
        assert_eq!(
            first_exit(&buy(), &ticks).unwrap().reason,
            OutcomeReason::Stop
        );
    }

    #[test]
    fn sells_mirror_buys_and_levels_count_when_touched() {
        let sell = OpenPosition {
            direction: Direction::Sell,
            entry: d("100"),
            target: d("90"),
            stop: d("105"),
            ..buy()
        };
        assert_eq!(
            first_exit(&sell, &[tick("90", 2)]).unwrap().reason,
            OutcomeReason::Target
        );
        assert_eq!(
            first_exit(&sell, &[tick("105", 2)]).unwrap().reason,
            OutcomeReason::Stop
        );
        assert_eq!(first_exit(&sell, &[tick("95", 2), tick("104.99", 3)]), None);
    }

    #[test]
    fn ticks_outside_the_positions_life_are_ignored() {
        let position = OpenPosition {
            opened_at: at(10),
            ..buy()
        };
        assert_eq!(first_exit(&position, &[tick("120", 9)]), None);
        assert_eq!(first_exit(&position, &[tick("120", 51)]), None);
        assert!(first_exit(&position, &[tick("120", 10)]).is_some());
        assert!(first_exit(&position, &[tick("120", 50)]).is_some());
        assert_eq!(first_exit(&position, &[]), None);
    }

    #[test]
    fn returns_and_risk_in_percent() {
        assert_eq!(return_pct(Direction::Buy, d("100"), d("110")), Some(10.0));
        assert_eq!(return_pct(Direction::Sell, d("100"), d("110")), Some(-10.0));
        assert_eq!(return_pct(Direction::Sell, d("200"), d("150")), Some(25.0));
        assert_eq!(
            return_pct(Direction::Buy, d("45250"), d("45250")),
            Some(0.0)
        );
        assert_eq!(risk_pct(d("100"), d("95")), Some(5.0));
        assert_eq!(risk_pct(d("100"), d("104")), Some(4.0));
        assert_eq!(risk_pct(d("100"), d("100")), None);
    }
}
