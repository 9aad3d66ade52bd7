//! What a signal's chart shows and who gets one: the asset's recent prices (kept per minute from
//! `POST /api/prices`, see `store::prices`) over a window that suits the signal's timeframe, with
//! its entry, target and stop, in the reader's language. The dispatcher sends it above a buy or
//! sell; the `📈 Chart` button sends it with the latest prices.

use chrono::{DateTime, Duration, Utc};
use rust_decimal::prelude::ToPrimitive;
use uuid::Uuid;

use crate::charts::{LevelRole, PriceChartSpec, PriceLevel};
use crate::domain::i18n::{Arg, Lang, t, t_args};
use crate::domain::render::price_text;
use crate::domain::signal::{Price, Signal, SignalKind, Timeframe};
use crate::domain::tier::{TierRules, effective_tier};
use crate::store::{ChartChoice, Store, StoreResult};

/// Prices are kept this long: the longest window below, and a day to spare.
pub const HISTORY_KEPT: Duration = Duration::days(15);
/// Points drawn at most: a line of 720 px shows no more than this apart.
const MAX_POINTS: usize = 360;
/// Rows read at most: the longest window, minute by minute.
const MAX_ROWS: i64 = 14 * 24 * 60;

/// How far back a chart looks: sixty bars of the signal's timeframe, from an hour to two weeks.
pub fn lookback(timeframe: Option<Timeframe>) -> Duration {
    let bar = match timeframe {
        Some(Timeframe::M1) => Duration::minutes(1),
        Some(Timeframe::M5) => Duration::minutes(5),
        Some(Timeframe::M15) => Duration::minutes(15),
        Some(Timeframe::M30) => Duration::minutes(30),
        Some(Timeframe::H1) | None => Duration::hours(1),
        Some(Timeframe::H4) => Duration::hours(4),
        Some(Timeframe::D1) => Duration::days(1),
    };
    (bar * 60).clamp(Duration::hours(1), Duration::days(14))
}

/// Whether this recipient's signals go with their chart: their switch is on and their tier, as
/// it stands at `now`, includes charts. Broadcasts and erased users (`None`) get none.
pub fn chart_wanted(choice: Option<ChartChoice>, tiers: &TierRules, now: DateTime<Utc>) -> bool {
    choice.is_some_and(|choice| {
        choice.on
            && tiers
                .rule(effective_tier(choice.tier, choice.tier_expires_at, now))
                .charts
    })
}

/// The name a signal's chart is uploaded under (per language: its words are the reader's), so
/// every later recipient gets it by file_id, across restarts too.
pub fn delivery_key(signal_id: Uuid, lang: Lang) -> String {
    format!("signal:{}:{}", signal_id.simple(), lang.code())
}

/// The signal's chart with the prices known up to `now`; `None` for a signal without levels (a
/// close or an alert) or when no price of its asset falls in the window.
pub async fn price_chart(
    store: &Store,
    signal: &Signal,
    lang: Lang,
    now: DateTime<Utc>,
) -> StoreResult<Option<PriceChartSpec>> {
    let (Some(entry), Some(target), Some(stop)) =
        (signal.entry_price, signal.target_price, signal.stop_loss)
    else {
        return Ok(None);
    };
    let direction = match signal.kind {
        SignalKind::Buy => "signal-direction-buy",
        SignalKind::Sell => "signal-direction-sell",
        SignalKind::Close | SignalKind::Alert => return Ok(None),
    };
    let since = now - lookback(signal.timeframe);
    let history = store
        .price_history(signal.asset.as_str(), since, now, MAX_ROWS)
        .await?;
    let last_label = history
        .last()
        .and_then(|(_, price)| Price::new(*price))
        .map(|price| price_text(&signal.asset, price));
    let points = thin(
        history
            .into_iter()
            .filter_map(|(at, price)| Some((at, price.to_f64()?)))
            .collect(),
        MAX_POINTS,
    );
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return Ok(None);
    };
    // From the first price (or the signal, when it falls in the window) to the last: the
    // picture then changes only with the prices, so an unchanged chart keeps its name and its
    // upload however often it is asked for.
    let issued = signal.generated_at;
    let shown = (since..=now).contains(&issued);
    let (from, until) = if shown {
        (first.0.min(issued), last.0.max(issued))
    } else {
        (first.0, last.0)
    };
    let asset = &signal.asset;
    let level = |role, key: &str, price: Price| {
        Some(PriceLevel {
            role,
            value: price.value().to_f64()?,
            label: t_args(lang, key, [("price", Arg::from(price_text(asset, price)))]),
        })
    };
    let levels = [
        level(LevelRole::Target, "chart-level-target", target),
        level(LevelRole::Entry, "chart-level-entry", entry),
        level(LevelRole::Stop, "chart-level-stop", stop),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut title_args = vec![
        ("asset", Arg::from(asset.as_str())),
        ("direction", Arg::from(t(lang, direction))),
    ];
    let title_key = match signal.timeframe {
        Some(timeframe) => {
            title_args.push(("timeframe", Arg::from(timeframe.as_str())));
            "chart-title"
        }
        None => "chart-title-untimed",
    };
    Ok(Some(PriceChartSpec {
        title: t_args(lang, title_key, title_args),
        time_axis: t(lang, "chart-time-axis"),
        points,
        levels,
        last_label,
        issued: shown.then(|| (issued, t(lang, "chart-issued"))),
        from,
        until,
    }))
}

/// At most `max` points, evenly picked, the last (the latest price) always among them.
fn thin<T: Copy>(points: Vec<T>, max: usize) -> Vec<T> {
    if points.len() <= max || max == 0 {
        return points;
    }
    let step = points.len().div_ceil(max);
    let last = points.len() - 1;
    points
        .into_iter()
        .enumerate()
        .filter(|(i, _)| (last - i).is_multiple_of(step))
        .map(|(_, point)| point)
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::preferences::Tier;

    #[test]
    fn windows_follow_the_timeframe_within_bounds() {
        assert_eq!(lookback(Some(Timeframe::M1)), Duration::hours(1));
        assert_eq!(lookback(Some(Timeframe::M15)), Duration::hours(15));
        assert_eq!(lookback(Some(Timeframe::H1)), Duration::hours(60));
        assert_eq!(lookback(Some(Timeframe::D1)), Duration::days(14));
        assert!(lookback(Some(Timeframe::D1)) < HISTORY_KEPT);
    }

    #[test]
    fn thinning_keeps_the_latest_point_and_the_bound() {
        let points: Vec<usize> = (0..1000).collect();
        let thinned = thin(points.clone(), 360);
        assert!(thinned.len() <= 360, "{}", thinned.len());
        assert_eq!(thinned.last(), Some(&999));
        assert!(thinned.windows(2).all(|w| w[1] - w[0] == 3));
        assert_eq!(thin(points[..10].to_vec(), 360), points[..10].to_vec());
    }

    #[test]
    fn charts_need_the_switch_and_a_tier_that_draws_them() {
        let now = Utc::now();
        let tiers = TierRules::default();
        let choice = |on, tier, expires_at| {
            Some(ChartChoice {
                on,
                tier,
                tier_expires_at: expires_at,
            })
        };
        assert!(chart_wanted(choice(true, Tier::Premium, None), &tiers, now));
        assert!(!chart_wanted(
            choice(false, Tier::Premium, None),
            &tiers,
            now
        ));
        assert!(!chart_wanted(choice(true, Tier::Free, None), &tiers, now));
        let lapsed = Some(now - Duration::days(1));
        assert!(!chart_wanted(
            choice(true, Tier::Premium, lapsed),
            &tiers,
            now
        ));
        assert!(!chart_wanted(None, &tiers, now), "broadcasts");
        let mut generous = TierRules::default();
        generous.free.charts = true;
        assert!(chart_wanted(choice(true, Tier::Free, None), &generous, now));
    }

    #[test]
    fn chart_names_are_per_signal_and_language() {
        let id = Uuid::now_v7();
        assert_ne!(delivery_key(id, Lang::En), delivery_key(id, Lang::Es));
        assert_ne!(
            delivery_key(id, Lang::En),
            delivery_key(Uuid::now_v7(), Lang::En)
        );
    }
}
