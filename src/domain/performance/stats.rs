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
//!   (entry to stop), i.e. what a trade earns per unit risked. In percent, the expectancy is
//!   `avg_return_pct` = win rate × `avg_win_pct` − loss rate × `avg_loss_pct`.
//! - `avg_win_pct`, `avg_loss_pct`: the mean return of the wins, and the mean magnitude of the
//!   losses (a positive number); `payoff_ratio` = `avg_win_pct` / `avg_loss_pct`.
//! - `max_drawdown_pct`: the deepest fall of the running total from its previous peak (which
//!   starts at 0), in percentage points, with trades taken in order of closing.
//! - `avg_holding_secs`: mean time from entry (the signal's generation) to exit.
//! - `sharpe`: the mean return over the sample standard deviation of returns (at least two
//!   trades, some spread), per signal and not annualised: signals do not come at a fixed rate.
//! - `sortino`: the mean return over the downside deviation, √(Σ min(return, 0)² / count);
//!   `None` without a loss.
//! - `longest_win_streak`, `longest_loss_streak`: the most wins (losses) in a row, in order of
//!   closing; a break-even trade ends both.

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
    pub avg_win_pct: Option<f64>,
    /// A positive number: the mean magnitude of the losses.
    pub avg_loss_pct: Option<f64>,
    pub payoff_ratio: Option<f64>,
    pub expectancy_r: Option<f64>,
    pub max_drawdown_pct: f64,
    pub avg_holding_secs: Option<f64>,
    pub sharpe: Option<f64>,
    pub sortino: Option<f64>,
    pub longest_win_streak: u64,
    pub longest_loss_streak: u64,
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

/// One trade reduced to what the sums need, with its groups as small numbers: the hot loop then
/// reads one compact array in order instead of chasing pointers and hashing names.
#[derive(Clone, Copy)]
struct Row {
    /// Closing order: close time, then return (losses first on ties).
    order: (i64, i64),
    /// `NaN` when unpriced.
    ret: f64,
    /// 0 when unknown.
    risk: f64,
    holding_ms: i64,
    asset: u32,
    model: u32,
    direction: u8,
    timeframe: u8,
    band: u8,
}

/// Sorts like `f64::total_cmp`, as an integer.
fn total_order(value: f64) -> i64 {
    let bits = value.to_bits() as i64;
    bits ^ ((((bits >> 63) as u64) >> 1) as i64)
}

/// Trades closed at the same instant go losses first, so the result does not depend on the
/// order they were loaded in and the drawdown is not understated.
fn order_key(trade: &ClosedTrade) -> (i64, i64) {
    let ret = trade.return_pct.filter(|r| r.is_finite()).unwrap_or(0.0);
    (trade.closed_at.timestamp_micros(), total_order(ret))
}

impl Row {
    fn of(trade: &ClosedTrade, asset: u32, model: u32) -> Self {
        Row {
            order: order_key(trade),
            ret: trade
                .return_pct
                .filter(|r| r.is_finite())
                .unwrap_or(f64::NAN),
            risk: trade
                .risk_pct
                .filter(|r| r.is_finite() && *r > 0.0)
                .unwrap_or(0.0),
            holding_ms: (trade.closed_at - trade.opened_at).num_milliseconds(),
            asset,
            model,
            direction: trade.direction as u8,
            timeframe: trade
                .timeframe
                .and_then(|tf| Timeframe::ALL.iter().position(|t| *t == tf))
                .unwrap_or(Timeframe::ALL.len()) as u8,
            band: ConfidenceBand::of(trade.confidence) as u8,
        }
    }
}

/// Running sums for one group; fed rows in closing order.
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
    squares: f64,
    downside_squares: f64,
    win_streak: u64,
    loss_streak: u64,
    longest_win_streak: u64,
    longest_loss_streak: u64,
}

impl Acc {
    fn push(&mut self, row: &Row) {
        let ret = row.ret;
        if ret.is_nan() {
            self.unpriced += 1;
            return;
        }
        self.count += 1;
        if ret > 0.0 {
            self.wins += 1;
            self.gross_profit += ret;
            self.win_streak += 1;
            self.loss_streak = 0;
        } else if ret < 0.0 {
            self.losses += 1;
            self.gross_loss -= ret;
            self.loss_streak += 1;
            self.win_streak = 0;
            self.downside_squares += ret * ret;
        } else {
            self.breakeven += 1;
            self.win_streak = 0;
            self.loss_streak = 0;
        }
        self.longest_win_streak = self.longest_win_streak.max(self.win_streak);
        self.longest_loss_streak = self.longest_loss_streak.max(self.loss_streak);
        self.squares += ret * ret;
        self.total += ret;
        self.peak = self.peak.max(self.total);
        self.max_drawdown = self.max_drawdown.max(self.peak - self.total);
        if row.risk > 0.0 {
            self.r_sum += ret / row.risk;
            self.r_count += 1;
        }
        self.holding_ms += row.holding_ms as f64;
    }

    fn used(&self) -> bool {
        self.count + self.unpriced > 0
    }

    fn finish(&self) -> Figures {
        let n = self.count as f64;
        let per_trade = |sum: f64| (self.count > 0).then(|| sum / n);
        let avg_win = (self.wins > 0).then(|| self.gross_profit / self.wins as f64);
        let avg_loss = (self.losses > 0).then(|| self.gross_loss / self.losses as f64);
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
            avg_win_pct: avg_win,
            avg_loss_pct: avg_loss,
            payoff_ratio: avg_win.zip(avg_loss).map(|(win, loss)| win / loss),
            expectancy_r: (self.r_count > 0).then(|| self.r_sum / self.r_count as f64),
            max_drawdown_pct: self.max_drawdown,
            avg_holding_secs: per_trade(self.holding_ms / 1000.0),
            sharpe: self.sharpe(),
            sortino: self.sortino(),
            longest_win_streak: self.longest_win_streak,
            longest_loss_streak: self.longest_loss_streak,
        }
    }

    fn sharpe(&self) -> Option<f64> {
        if self.count < 2 {
            return None;
        }
        let n = self.count as f64;
        let mean = self.total / n;
        // Sample variance from the sums; rounding can leave a tiny negative.
        let variance = ((self.squares - n * mean * mean) / (n - 1.0)).max(0.0);
        let spread = variance.sqrt();
        (spread > 1e-12).then(|| mean / spread)
    }

    fn sortino(&self) -> Option<f64> {
        if self.losses == 0 {
            return None;
        }
        let n = self.count as f64;
        let downside = (self.downside_squares / n).sqrt();
        (downside > 0.0).then(|| self.total / n / downside)
    }
}

/// Numbers names in order of first appearance.
struct Names<'a> {
    ids: HashMap<&'a str, u32>,
    names: Vec<&'a str>,
}

impl<'a> Names<'a> {
    fn new() -> Self {
        Self {
            ids: HashMap::new(),
            names: Vec::new(),
        }
    }

    fn id(&mut self, name: &'a str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.ids.insert(name, id);
        self.names.push(name);
        id
    }
}

/// The figures of all `trades` together.
pub fn figures(trades: &[ClosedTrade]) -> Figures {
    let mut rows: Vec<Row> = trades.iter().map(|t| Row::of(t, 0, 0)).collect();
    rows.sort_unstable_by_key(|row| row.order);
    let mut acc = Acc::default();
    for row in &rows {
        acc.push(row);
    }
    acc.finish()
}

/// The figures overall and per group, in one pass over the trades in closing order.
pub fn summarize(trades: &[ClosedTrade]) -> Summary {
    let (mut assets, mut models) = (Names::new(), Names::new());
    let mut rows: Vec<Row> = trades
        .iter()
        .map(|trade| {
            let model = trade.model.as_deref().unwrap_or(Breakdowns::NO_MODEL);
            Row::of(trade, assets.id(&trade.asset), models.id(model))
        })
        .collect();
    rows.sort_unstable_by_key(|row| row.order);
    let mut overall = Acc::default();
    let mut by_asset = vec![Acc::default(); assets.names.len()];
    let mut by_model = vec![Acc::default(); models.names.len()];
    let mut by_direction: [Acc; 2] = Default::default();
    let mut by_timeframe: [Acc; Timeframe::ALL.len() + 1] = Default::default();
    let mut by_band: [Acc; ConfidenceBand::ALL.len()] = Default::default();
    for row in &rows {
        overall.push(row);
        by_asset[row.asset as usize].push(row);
        by_model[row.model as usize].push(row);
        by_direction[usize::from(row.direction)].push(row);
        by_timeframe[usize::from(row.timeframe)].push(row);
        by_band[usize::from(row.band)].push(row);
    }
    let named = |names: &Names<'_>, groups: &[Acc]| {
        names
            .names
            .iter()
            .zip(groups)
            .map(|(name, acc)| ((*name).to_owned(), acc.finish()))
            .collect()
    };
    let direction = [Direction::Buy, Direction::Sell]
        .into_iter()
        .zip(&by_direction)
        .filter(|(_, acc)| acc.used())
        .map(|(d, acc)| (d.as_str().to_owned(), acc.finish()))
        .collect();
    let timeframe = Timeframe::ALL
        .iter()
        .map(|tf| tf.as_str())
        .chain(["-"])
        .zip(&by_timeframe)
        .filter(|(_, acc)| acc.used())
        .map(|(name, acc)| (name.to_owned(), acc.finish()))
        .collect();
    let confidence = ConfidenceBand::ALL
        .into_iter()
        .zip(&by_band)
        .filter(|(_, acc)| acc.used())
        .map(|(band, acc)| (band.label().to_owned(), acc.finish()))
        .collect();
    Summary {
        overall: overall.finish(),
        by: Breakdowns {
            asset: named(&assets, &by_asset),
            model: named(&models, &by_model),
            direction,
            timeframe,
            confidence,
        },
    }
}

/// The running total after each priced trade, in closing order: the equity curve.
pub fn equity_curve(trades: &[ClosedTrade]) -> Vec<EquityPoint> {
    let mut ordered: Vec<&ClosedTrade> = trades.iter().collect();
    ordered.sort_by_key(|trade| order_key(trade));
    let mut total = 0.0;
    ordered
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
