//! Every statistic against figures worked out by hand (in the comments).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::domain::signal::Timeframe;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap()
}

/// A trade closed `close_h` hours after t0, held `held_h` hours.
fn trade(asset: &str, ret: Option<f64>, risk: f64, close_h: i64, held_h: i64) -> ClosedTrade {
    let closed_at = t0() + Duration::hours(close_h);
    ClosedTrade {
        asset: asset.to_owned(),
        model: Some("lstm-v3".to_owned()),
        direction: Direction::Buy,
        timeframe: Some(Timeframe::H1),
        confidence: 85,
        opened_at: closed_at - Duration::hours(held_h),
        closed_at,
        return_pct: ret,
        risk_pct: Some(risk),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn assert_some_close(actual: Option<f64>, expected: f64) {
    let actual = actual.unwrap_or_else(|| panic!("expected {expected}, got None"));
    assert!(close(actual, expected), "expected {expected}, got {actual}");
}

#[test]
fn no_trades() {
    let f = figures(&[]);
    assert_eq!(
        (f.count, f.wins, f.losses, f.breakeven, f.unpriced),
        (0, 0, 0, 0, 0)
    );
    assert_eq!(f.win_rate_pct, None);
    assert_eq!(f.avg_return_pct, None);
    assert_eq!(f.total_return_pct, 0.0);
    assert_eq!(f.profit_factor, None);
    assert_eq!(f.expectancy_r, None);
    assert_eq!(f.max_drawdown_pct, 0.0);
    assert_eq!(f.avg_holding_secs, None);
    let s = summarize(&[]);
    assert_eq!(s.overall, f);
    assert_eq!(s.by, Breakdowns::default());
    assert!(equity_curve(&[]).is_empty());
}

#[test]
fn one_winning_trade() {
    // +2% with 1% at risk, held one hour: 2R, no loss so no profit factor.
    let f = figures(&[trade("BTC/USD", Some(2.0), 1.0, 5, 1)]);
    assert_eq!((f.count, f.wins, f.losses), (1, 1, 0));
    assert_some_close(f.win_rate_pct, 100.0);
    assert_some_close(f.avg_return_pct, 2.0);
    assert!(close(f.total_return_pct, 2.0));
    assert!(close(f.gross_profit_pct, 2.0));
    assert_eq!(f.gross_loss_pct, 0.0);
    assert_eq!(f.profit_factor, None);
    assert_some_close(f.expectancy_r, 2.0);
    assert_eq!(f.max_drawdown_pct, 0.0);
    assert_some_close(f.avg_holding_secs, 3600.0);
}

#[test]
fn one_losing_trade() {
    // -1.5% with 3% at risk: -0.5R; profit factor 0 / 1.5 = 0; the total falls 1.5 below 0.
    let f = figures(&[trade("BTC/USD", Some(-1.5), 3.0, 5, 2)]);
    assert_eq!((f.count, f.wins, f.losses), (1, 0, 1));
    assert_some_close(f.win_rate_pct, 0.0);
    assert_some_close(f.profit_factor, 0.0);
    assert_some_close(f.expectancy_r, -0.5);
    assert!(close(f.max_drawdown_pct, 1.5));
    assert_some_close(f.avg_holding_secs, 7200.0);
}

#[test]
fn all_losses() {
    // -1 (1% risk), -2 (1%), -3 (1.5%): total -6, average -2, R = -1, -2, -2 → -5/3.
    // Running total -1, -3, -6 from a peak of 0: drawdown 6.
    let trades = [
        trade("BTC/USD", Some(-3.0), 1.5, 3, 3),
        trade("BTC/USD", Some(-1.0), 1.0, 1, 1),
        trade("BTC/USD", Some(-2.0), 1.0, 2, 2),
    ];
    let f = figures(&trades);
    assert_eq!((f.count, f.wins, f.losses, f.breakeven), (3, 0, 3, 0));
    assert_some_close(f.win_rate_pct, 0.0);
    assert_some_close(f.avg_return_pct, -2.0);
    assert!(close(f.total_return_pct, -6.0));
    assert!(close(f.gross_loss_pct, 6.0));
    assert_some_close(f.profit_factor, 0.0);
    assert_some_close(f.expectancy_r, -5.0 / 3.0);
    assert!(close(f.max_drawdown_pct, 6.0));
    assert_some_close(f.avg_holding_secs, 2.0 * 3600.0);
}

/// In closing order: +4 (2% risk, BTC), -2 (2%, ETH), -3 (1%, BTC), +5 (2.5%, ETH), 0 (1%, ETH),
/// held 1..5 hours, plus one ETH trade that expired with no price.
fn mixed() -> Vec<ClosedTrade> {
    vec![
        trade("ETH/USD", Some(5.0), 2.5, 4, 4),
        trade("BTC/USD", Some(4.0), 2.0, 1, 1),
        trade("ETH/USD", None, 1.0, 6, 9),
        trade("ETH/USD", Some(0.0), 1.0, 5, 5),
        trade("BTC/USD", Some(-3.0), 1.0, 3, 3),
        trade("ETH/USD", Some(-2.0), 2.0, 2, 2),
    ]
}

#[test]
fn mixed_results_overall() {
    // 5 priced: 2 wins, 2 losses, 1 even; win rate 2/5; total +4, average 0.8.
    // Gross profit 9, gross loss 5: profit factor 1.8. R: 2, -1, -3, 2, 0 → 0.
    // Running total 4, 2, -1, 4, 4: peak 4 then -1, a drawdown of 5. Holding 1..5 h → 3 h.
    let f = figures(&mixed());
    assert_eq!(
        (f.count, f.wins, f.losses, f.breakeven, f.unpriced),
        (5, 2, 2, 1, 1)
    );
    assert_some_close(f.win_rate_pct, 40.0);
    assert_some_close(f.avg_return_pct, 0.8);
    assert!(close(f.total_return_pct, 4.0));
    assert!(close(f.gross_profit_pct, 9.0));
    assert!(close(f.gross_loss_pct, 5.0));
    assert_some_close(f.profit_factor, 1.8);
    assert_some_close(f.expectancy_r, 0.0);
    assert!(close(f.max_drawdown_pct, 5.0));
    assert_some_close(f.avg_holding_secs, 3.0 * 3600.0);
    let curve: Vec<f64> = equity_curve(&mixed()).iter().map(|p| p.total_pct).collect();
    assert_eq!(curve, vec![4.0, 2.0, -1.0, 4.0, 4.0]);
}

#[test]
fn mixed_results_by_asset() {
    // BTC: +4, -3 → total 1, drawdown 3, profit factor 4/3.
    // ETH: -2, +5, 0 (+ the unpriced one) → total 3, drawdown 2 (0 → -2), profit factor 2.5.
    let by = summarize(&mixed()).by;
    let btc = &by.asset["BTC/USD"];
    assert_eq!(
        (btc.count, btc.wins, btc.losses, btc.unpriced),
        (2, 1, 1, 0)
    );
    assert!(close(btc.total_return_pct, 1.0));
    assert!(close(btc.max_drawdown_pct, 3.0));
    assert_some_close(btc.profit_factor, 4.0 / 3.0);
    let eth = &by.asset["ETH/USD"];
    assert_eq!(
        (eth.count, eth.wins, eth.losses, eth.breakeven, eth.unpriced),
        (3, 1, 1, 1, 1)
    );
    assert!(close(eth.total_return_pct, 3.0));
    assert!(close(eth.max_drawdown_pct, 2.0));
    assert_some_close(eth.profit_factor, 2.5);
    assert_some_close(eth.win_rate_pct, 100.0 / 3.0);
    assert_eq!(by.asset.len(), 2);
    assert_eq!(by.model.keys().collect::<Vec<_>>(), ["lstm-v3"]);
    assert_eq!(by.direction.keys().collect::<Vec<_>>(), ["buy"]);
    assert_eq!(by.timeframe.keys().collect::<Vec<_>>(), ["1H"]);
    assert_eq!(by.confidence.keys().collect::<Vec<_>>(), ["80-89"]);
    assert_eq!(by.model["lstm-v3"], figures(&mixed()));
}

#[test]
fn groups_by_type_timeframe_band_and_missing_model() {
    let mut a = trade("BTC/USD", Some(1.0), 1.0, 1, 1);
    a.direction = Direction::Sell;
    a.confidence = 59;
    a.model = None;
    let mut b = trade("BTC/USD", Some(-1.0), 1.0, 2, 1);
    b.timeframe = Some(Timeframe::D1);
    b.confidence = 90;
    let mut c = trade("BTC/USD", Some(2.0), 1.0, 3, 1);
    c.confidence = 60;
    c.timeframe = None;
    let by = summarize(&[a, b, c]).by;
    assert_eq!(by.direction["sell"].count, 1);
    assert_eq!(by.direction["buy"].count, 2);
    assert_eq!(by.model[Breakdowns::NO_MODEL].count, 1);
    assert_eq!(by.model["lstm-v3"].count, 2);
    let bands: Vec<_> = by.confidence.keys().map(String::as_str).collect();
    assert_eq!(bands, ["0-59", "60-69", "90-100"]);
    let timeframes: Vec<_> = by.timeframe.keys().map(String::as_str).collect();
    assert_eq!(timeframes, ["-", "1D", "1H"]);
}

#[test]
fn trades_closed_at_the_same_instant_count_losses_first() {
    // +3 and -3 at the same instant: -3 first gives a running total of -3, then 0.
    let win = trade("BTC/USD", Some(3.0), 1.0, 1, 1);
    let loss = trade("BTC/USD", Some(-3.0), 1.0, 1, 1);
    let forward = figures(&[win.clone(), loss.clone()]);
    let backward = figures(&[loss, win]);
    assert!(close(forward.max_drawdown_pct, 3.0));
    assert_eq!(forward, backward);
}

#[test]
fn unpriced_only() {
    let f = figures(&[trade("BTC/USD", None, 1.0, 1, 1)]);
    assert_eq!((f.count, f.unpriced), (0, 1));
    assert_eq!((f.win_rate_pct, f.avg_holding_secs), (None, None));
    assert_eq!(
        summarize(&[trade("BTC/USD", None, 1.0, 1, 1)]).by.asset["BTC/USD"].unpriced,
        1
    );
}

#[test]
fn sharpe_sortino_and_streaks() {
    // Returns in closing order: +2, +1, -1, 0, +3, -2, -1, -3.
    let returns = [2.0, 1.0, -1.0, 0.0, 3.0, -2.0, -1.0, -3.0];
    let trades: Vec<ClosedTrade> = returns
        .iter()
        .enumerate()
        .map(|(i, r)| trade("BTC/USD", Some(*r), 1.0, i as i64 + 1, 1))
        .collect();
    let f = figures(&trades);
    let n = returns.len() as f64;
    let mean = returns.iter().sum::<f64>() / n;
    let variance = returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0);
    assert_some_close(f.sharpe, mean / variance.sqrt());
    let downside = (returns.iter().map(|r| r.min(0.0).powi(2)).sum::<f64>() / n).sqrt();
    assert_some_close(f.sortino, mean / downside);
    // Two wins, then a loss, a break-even (ends both), a win, then three losses.
    assert_eq!((f.longest_win_streak, f.longest_loss_streak), (2, 3));
    // Wins +2 +1 +3, losses -1 -2 -1 -3: the parts of the expectancy.
    assert_some_close(f.avg_win_pct, 2.0);
    assert_some_close(f.avg_loss_pct, 7.0 / 4.0);
    assert_some_close(f.payoff_ratio, 2.0 / 1.75);
    let (win_rate, loss_rate) = (3.0 / n, 4.0 / n);
    assert_some_close(f.avg_return_pct, win_rate * 2.0 - loss_rate * 7.0 / 4.0);
    // One trade has no spread, no losses means no Sortino.
    let one = figures(&trades[..1]);
    assert_eq!((one.sharpe, one.sortino), (None, None));
    assert_eq!((one.longest_win_streak, one.longest_loss_streak), (1, 0));
    assert_eq!((one.avg_loss_pct, one.payoff_ratio), (None, None));
}
