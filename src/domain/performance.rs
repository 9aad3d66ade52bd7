//! Signal performance, pure: how one trade ended (`outcome`), figures over many trades (`stats`),
//! the performance category a new signal shows (`similar`), when an open signal expires
//! (`horizon`), and the time windows and report periods in a user's time zone (`periods`).
//!
//! A "trade" is a buy or sell signal followed from its entry to its exit. Each is counted with
//! the same stake, so returns add up (a fixed-stake ledger) rather than compound: signals overlap
//! in time, and compounding overlapping positions would invent a sequence that never happened.

mod horizon;
mod outcome;
mod pages;
mod periods;
mod requests;
mod similar;
mod stats;
mod text;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests_periods;
#[cfg(test)]
mod tests_stats;
#[cfg(test)]
mod tests_text;

pub use horizon::{Horizon, HorizonError, Horizons};
pub use outcome::{
    Direction, Exit, OpenPosition, OutcomeReason, PriceTick, first_exit, return_pct, risk_pct,
};
pub use pages::{PerformancePage, breakdown_text};
pub use periods::{Period, ReportKind, ReportPeriod, day_start, latest_due_report, window_start};
pub use requests::{
    FieldErrors, MAX_PRICE_BATCH, MAX_REASON_CHARS, PriceUpdate, ReportedOutcome, RequestError,
    parse_outcome, parse_prices,
};
pub use similar::{MIN_SIMILAR, SimilarIndex, Tally};
pub use stats::{
    Breakdowns, ClosedTrade, ConfidenceBand, EquityPoint, Figures, Summary, equity_curve, figures,
    summarize,
};
pub use text::{
    PerformanceView, holding, performance_text, period_label, rate, report_text, signed_pct,
};
