//! Properties of the statistics over arbitrary trade lists.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::domain::signal::Timeframe;

fn trade_strategy() -> impl Strategy<Value = ClosedTrade> {
    (
        prop::sample::select(vec!["BTC/USD", "ETH/USD", "EUR/USD"]),
        prop::option::of(prop::sample::select(vec!["a", "b"])),
        any::<bool>(),
        prop::option::of(prop::sample::select(Timeframe::ALL.to_vec())),
        0u8..=100,
        0i64..500,
        0i64..100,
        prop::option::weighted(0.9, prop_oneof![Just(0.0), -20.0f64..20.0]),
        prop::option::of(0.1f64..10.0),
    )
        .prop_map(
            |(asset, model, buy, timeframe, confidence, close_h, held_h, ret, risk)| {
                let closed_at =
                    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + Duration::hours(close_h);
                ClosedTrade {
                    asset: asset.to_owned(),
                    model: model.map(str::to_owned),
                    direction: if buy { Direction::Buy } else { Direction::Sell },
                    timeframe,
                    confidence,
                    opened_at: closed_at - Duration::hours(held_h),
                    closed_at,
                    return_pct: ret,
                    risk_pct: risk,
                }
            },
        )
}

fn near(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * (1.0 + a.abs().max(b.abs()))
}

fn near_opt(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => near(a, b),
        (None, None) => true,
        _ => false,
    }
}

fn same(a: &Figures, b: &Figures) -> bool {
    (a.count, a.wins, a.losses, a.breakeven, a.unpriced)
        == (b.count, b.wins, b.losses, b.breakeven, b.unpriced)
        && near_opt(a.win_rate_pct, b.win_rate_pct)
        && near_opt(a.avg_return_pct, b.avg_return_pct)
        && near(a.total_return_pct, b.total_return_pct)
        && near_opt(a.profit_factor, b.profit_factor)
        && near_opt(a.expectancy_r, b.expectancy_r)
        && near_opt(a.avg_win_pct, b.avg_win_pct)
        && near_opt(a.avg_loss_pct, b.avg_loss_pct)
        && near_opt(a.payoff_ratio, b.payoff_ratio)
        && near(a.max_drawdown_pct, b.max_drawdown_pct)
        && near_opt(a.avg_holding_secs, b.avg_holding_secs)
        && near_opt(a.sharpe, b.sharpe)
        && near_opt(a.sortino, b.sortino)
        && (a.longest_win_streak, a.longest_loss_streak)
            == (b.longest_win_streak, b.longest_loss_streak)
}

proptest! {
    #[test]
    fn counts_add_up_and_figures_stay_in_range(trades in prop::collection::vec(trade_strategy(), 0..60)) {
        let f = figures(&trades);
        prop_assert_eq!(f.count + f.unpriced, trades.len() as u64);
        prop_assert_eq!(f.wins + f.losses + f.breakeven, f.count);
        let returns: Vec<f64> = trades.iter().filter_map(|t| t.return_pct).collect();
        prop_assert!(near(f.total_return_pct, returns.iter().sum()));
        if let Some(rate) = f.win_rate_pct {
            prop_assert!((0.0..=100.0).contains(&rate));
        }
        if let Some(avg) = f.avg_return_pct {
            prop_assert!(near(avg * f.count as f64, f.total_return_pct));
        }
        if let Some(pf) = f.profit_factor {
            prop_assert!(pf >= 0.0 && near(pf * f.gross_loss_pct, f.gross_profit_pct));
        }
        // A drawdown is made of losses: never below 0, never more than all losses together.
        prop_assert!(f.max_drawdown_pct >= 0.0);
        prop_assert!(f.max_drawdown_pct <= f.gross_loss_pct + 1e-9);
        prop_assert!(near(f.gross_profit_pct - f.gross_loss_pct, f.total_return_pct));
    }

    #[test]
    fn the_order_trades_arrive_in_does_not_matter(
        trades in prop::collection::vec(trade_strategy(), 0..40),
        seed in any::<u64>(),
    ) {
        let mut shuffled = trades.clone();
        // A deterministic Fisher-Yates from the seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        prop_assert!(same(&figures(&trades), &figures(&shuffled)));
    }

    #[test]
    fn breakdowns_partition_the_trades(trades in prop::collection::vec(trade_strategy(), 0..60)) {
        let summary = summarize(&trades);
        prop_assert!(same(&summary.overall, &figures(&trades)));
        let by = &summary.by;
        for groups in [&by.asset, &by.model, &by.direction, &by.timeframe, &by.confidence] {
            let count: u64 = groups.values().map(|f| f.count + f.unpriced).sum();
            prop_assert_eq!(count, trades.len() as u64);
            let total: f64 = groups.values().map(|f| f.total_return_pct).sum();
            prop_assert!(near(total, summary.overall.total_return_pct));
            let wins: u64 = groups.values().map(|f| f.wins).sum();
            prop_assert_eq!(wins, summary.overall.wins);
        }
        for (asset, figures_of_asset) in &by.asset {
            let own: Vec<ClosedTrade> = trades.iter().filter(|t| &t.asset == asset).cloned().collect();
            prop_assert!(same(figures_of_asset, &figures(&own)));
        }
    }

    #[test]
    fn the_equity_curve_ends_at_the_total_and_its_deepest_fall_is_the_drawdown(
        trades in prop::collection::vec(trade_strategy(), 0..60),
    ) {
        let f = figures(&trades);
        let curve = equity_curve(&trades);
        prop_assert_eq!(curve.len() as u64, f.count);
        let last = curve.last().map_or(0.0, |p| p.total_pct);
        prop_assert!(near(last, f.total_return_pct));
        let (mut peak, mut deepest) = (0.0f64, 0.0f64);
        for point in &curve {
            peak = peak.max(point.total_pct);
            deepest = deepest.max(peak - point.total_pct);
        }
        prop_assert!(near(deepest, f.max_drawdown_pct));
        prop_assert!(curve.windows(2).all(|w| w[0].at <= w[1].at));
    }
}
