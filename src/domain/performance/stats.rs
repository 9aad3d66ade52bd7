//! Figures over closed trades, computed in one place for the bot, the reports and the API.
//!
//! Definitions (each trade has the same stake, see the module above):
//! - `count`: trades with a result. A trade that expired with no known price is closed but has
//!   no result; it is counted apart as `unpriced` and in nothing else.
//! - win: return > 0; loss: return < 0; break-even: exactly 0 (neither).
//! - `win_rate_pct` = wins / count × 100.
//! - `avg_return_pct` = total / count; `total_return_pct` = sum of returns.
//! - `profit_factor` = gross profit / gross loss; `None` when there is no loss to divide by.
//! - `expectancy_r`: the average R multiple, each return divided by the trade's initial risk
//!   (entry to stop), i.e. what a trade earns per unit risked.
//! - `max_drawdown_pct`: the deepest fall of the running total from its previous peak (which
//!   starts at 0), in percentage points, with trades taken in order of closing.
//! - `avg_holding_secs`: mean time from entry (the signal's generation) to exit.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::outcome::Direction;
use crate::domain::signal::Timeframe;

/// One closed trade, as statistics need it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClosedTrade {
    pub asset: String,
    pub model: Option<String>,
    pub direction: Direction,
    pub timeframe: Option<Timeframe>,
    pub confidence: u8,
    pub opened_at: DateTime<Utc>,
    pub closed_at: DateTime<Utc>,
    /// `None`: expired with no known price.
    pub return_pct: Option<f64>,
    /// Entry to stop in percent of the entry; `None` leaves the trade out of `expectancy_r`.
    pub risk_pct: Option<f64>,
}

/// The figures of one group of trades.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub count: u64,
    pub wins: u64,
    pub losses: u64,
    pub breakeven: u64,
    pub unpriced: u64,
    pub win_rate_pct: Option<f64>,
    pub avg_return_pct: Option<f64>,
    pub total_return_pct: f64,
    pub gross_profit_pct: f64,
    /// A positive number: the sum of the losses' magnitudes.
    pub gross_loss_pct: f64,
    pub profit_factor: Option<f64>,
    pub expectancy_r: Option<f64>,
    pub max_drawdown_pct: f64,
    pub avg_holding_secs: Option<f64>,
}

/// Confidence in bands of ten above 60; below that the engine's confidence says little.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConfidenceBand {
    Below60,
    From60,
    From70,
    From80,
    From90,
}

impl ConfidenceBand {
    pub const ALL: [ConfidenceBand; 5] = [
        Self::Below60,
        Self::From60,
        Self::From70,
        Self::From80,
        Self::From90,
    ];

    pub fn of(confidence: u8) -> Self {
        match confidence {
            0..=59 => Self::Below60,
            60..=69 => Self::From60,
            70..=79 => Self::From70,
            80..=89 => Self::From80,
            _ => Self::From90,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Below60 => "0-59",
            Self::From60 => "60-69",
            Self::From70 => "70-79",
            Self::From80 => "80-89",
            Self::From90 => "90-100",
        }
    }
}

/// The same figures per asset, model, direction, timeframe and confidence band (groups with no
/// trade are left out). Trades without a model are grouped under `NO_MODEL`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Breakdowns {
    pub asset: BTreeMap<String, Figures>,
    pub model: BTreeMap<String, Figures>,
    #[serde(rename = "type")]
    pub direction: BTreeMap<String, Figures>,
    pub timeframe: BTreeMap<String, Figures>,
    pub confidence: BTreeMap<String, Figures>,
}

impl Breakdowns {
    pub const NO_MODEL: &'static str = "(none)";
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub overall: Figures,
    pub by: Breakdowns,
}

/// A point of the running total, after the trade closed at `at`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EquityPoint {
    pub at: DateTime<Utc>,
    pub total_pct: f64,
}

/// Running sums for one group; fed trades in closing order.
#[derive(Default, Clone)]
struct Acc {
    count: u64,
    wins: u64,
    losses: u64,
    breakeven: u64,
    unpriced: u64,
    total: f64,
    gross_profit: f64,
    gross_loss: f64,
    r_sum: f64,
    r_count: u64,
    peak: f64,
    max_drawdown: f64,
    holding_ms: f64,
}

impl Acc {
    fn push(&mut self, trade: &ClosedTrade) {
        let Some(ret) = trade.return_pct.filter(|r| r.is_finite()) else {
            self.unpriced += 1;
            return;
        };
        self.count += 1;
        if ret > 0.0 {
            self.wins += 1;
            self.gross_profit += ret;
        } else if ret < 0.0 {
            self.losses += 1;
            self.gross_loss -= ret;
        } else {
            self.breakeven += 1;
        }
        self.total += ret;
        self.peak = self.peak.max(self.total);
        self.max_drawdown = self.max_drawdown.max(self.peak - self.total);
        if let Some(risk) = trade.risk_pct.filter(|r| r.is_finite() && *r > 0.0) {
            self.r_sum += ret / risk;
            self.r_count += 1;
        }
        self.holding_ms += (trade.closed_at - trade.opened_at).num_milliseconds() as f64;
    }

    fn finish(&self) -> Figures {
        let n = self.count as f64;
        let per_trade = |sum: f64| (self.count > 0).then(|| sum / n);
        Figures {
            count: self.count,
            wins: self.wins,
            losses: self.losses,
            breakeven: self.breakeven,
            unpriced: self.unpriced,
            win_rate_pct: per_trade(self.wins as f64 * 100.0),
            avg_return_pct: per_trade(self.total),
            total_return_pct: self.total,
            gross_profit_pct: self.gross_profit,
            gross_loss_pct: self.gross_loss,
            profit_factor: (self.gross_loss > 0.0).then(|| self.gross_profit / self.gross_loss),
            expectancy_r: (self.r_count > 0).then(|| self.r_sum / self.r_count as f64),
            max_drawdown_pct: self.max_drawdown,
            avg_holding_secs: per_trade(self.holding_ms / 1000.0),
        }
    }
}

/// Trades in closing order. Trades closed at the same instant go losses first, so the result
/// does not depend on the order they were loaded in and the drawdown is not understated.
fn closing_order(trades: &[ClosedTrade]) -> Vec<&ClosedTrade> {
    let mut ordered: Vec<&ClosedTrade> = trades.iter().collect();
    ordered.sort_unstable_by(|a, b| {
        a.closed_at.cmp(&b.closed_at).then_with(|| {
            let ret = |t: &ClosedTrade| t.return_pct.unwrap_or(0.0);
            ret(a).total_cmp(&ret(b))
        })
    });
    ordered
}

/// The figures of all `trades` together.
pub fn figures(trades: &[ClosedTrade]) -> Figures {
    let mut acc = Acc::default();
    for trade in closing_order(trades) {
        acc.push(trade);
    }
    acc.finish()
}

/// The figures overall and per group, in one pass over the trades in closing order.
pub fn summarize(trades: &[ClosedTrade]) -> Summary {
    let mut overall = Acc::default();
    let mut by_asset: HashMap<&str, Acc> = HashMap::new();
    let mut by_model: HashMap<&str, Acc> = HashMap::new();
    let mut by_direction: [Acc; 2] = Default::default();
    let mut by_timeframe: [Acc; Timeframe::ALL.len() + 1] = Default::default();
    let mut by_band: [Acc; ConfidenceBand::ALL.len()] = Default::default();
    for trade in closing_order(trades) {
        overall.push(trade);
        by_asset.entry(&trade.asset).or_default().push(trade);
        let model = trade.model.as_deref().unwrap_or(Breakdowns::NO_MODEL);
        by_model.entry(model).or_default().push(trade);
        by_direction[trade.direction as usize].push(trade);
        let timeframe = trade
            .timeframe
            .and_then(|tf| Timeframe::ALL.iter().position(|t| *t == tf))
            .unwrap_or(Timeframe::ALL.len());
        by_timeframe[timeframe].push(trade);
        by_band[ConfidenceBand::of(trade.confidence) as usize].push(trade);
    }
    let used = |acc: &Acc| acc.count + acc.unpriced > 0;
    let named = |groups: HashMap<&str, Acc>| {
        groups
            .into_iter()
            .map(|(name, acc)| (name.to_owned(), acc.finish()))
            .collect()
    };
    let direction = [Direction::Buy, Direction::Sell]
        .into_iter()
        .zip(&by_direction)
        .filter(|(_, acc)| used(acc))
        .map(|(d, acc)| (d.as_str().to_owned(), acc.finish()))
        .collect();
    let timeframe = Timeframe::ALL
        .iter()
        .map(|tf| tf.as_str())
        .chain(["-"])
        .zip(&by_timeframe)
        .filter(|(_, acc)| used(acc))
        .map(|(name, acc)| (name.to_owned(), acc.finish()))
        .collect();
    let confidence = ConfidenceBand::ALL
        .into_iter()
        .zip(&by_band)
        .filter(|(_, acc)| used(acc))
        .map(|(band, acc)| (band.label().to_owned(), acc.finish()))
        .collect();
    Summary {
        overall: overall.finish(),
        by: Breakdowns {
            asset: named(by_asset),
            model: named(by_model),
            direction,
            timeframe,
            confidence,
        },
    }
}

/// The running total after each priced trade, in closing order: the equity curve.
pub fn equity_curve(trades: &[ClosedTrade]) -> Vec<EquityPoint> {
    let mut total = 0.0;
    closing_order(trades)
        .into_iter()
        .filter_map(|trade| {
            let ret = trade.return_pct.filter(|r| r.is_finite())?;
            total += ret;
            Some(EquityPoint {
                at: trade.closed_at,
                total_pct: total,
            })
        })
        .collect()
}
