#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::domain::preferences::{HourWindow, TypeModes};
use crate::domain::tier::TierRule;

fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 2, 12, 0, 0).unwrap()
}

fn any_candidate() -> impl Strategy<Value = Candidate> {
    let mode = || prop::sample::select(vec![Delivery::On, Delivery::Silent, Delivery::Off]);
    let modes = (mode(), mode(), mode(), mode()).prop_map(|(buy, sell, close, alert)| TypeModes {
        buy,
        sell,
        close,
        alert,
    });
    let assets =
        prop::sample::subsequence(vec!["BTC/USD", "ETH/USD", "EUR/USD"], 0..=3).prop_map(|names| {
            names
                .into_iter()
                .map(|n| Asset::parse(n).unwrap())
                .collect()
        });
    let muted = prop::sample::subsequence(vec!["BTC/USD", "EUR/USD"], 0..=2).prop_map(|names| {
        names
            .into_iter()
            .map(|n| Asset::parse(n).unwrap())
            .collect()
    });
    let tz = prop::sample::select(chrono_tz::TZ_VARIANTS.to_vec());
    let prefs = (modes, 0u8..=100, 0u8..24, 0u8..24, tz, assets, muted).prop_map(
        |(signal_types, confidence_threshold, start, end, timezone, assets, muted_assets)| {
            Preferences {
                signal_types,
                confidence_threshold,
                notification_hours: HourWindow { start, end },
                timezone,
                assets,
                muted_assets,
                ..Preferences::default()
            }
        },
    );
    let expires = prop::option::of(
        (-100_000i64..100_000).prop_map(|s| noon() + chrono::Duration::seconds(s)),
    );
    let tier = prop::sample::select(vec![Tier::Free, Tier::Premium]);
    (any::<[bool; 4]>(), tier, expires, prefs).prop_map(
        |(
            [active, subscribed, disclaimer_accepted, received_original],
            tier,
            subscription_expires_at,
            prefs,
        )| {
            Candidate {
                active,
                subscribed,
                disclaimer_accepted,
                tier,
                subscription_expires_at,
                prefs,
                received_original,
            }
        },
    )
}

fn any_tiers() -> impl Strategy<Value = TierRules> {
    let rule = |base: TierRule| {
        (
            prop::sample::subsequence(SignalKind::ALL.to_vec(), 0..=4),
            0u64..600,
            any::<bool>(),
        )
            .prop_map(
                move |(signal_types, delivery_delay_secs, protect_content)| TierRule {
                    signal_types,
                    delivery_delay_secs,
                    protect_content,
                    ..base.clone()
                },
            )
    };
    (rule(TierRule::free()), rule(TierRule::premium()))
        .prop_map(|(free, premium)| TierRules { free, premium })
}

proptest! {
    #[test]
    fn send_implies_every_rule_holds(
        candidate in any_candidate(),
        tiers in any_tiers(),
        kind in prop::sample::select(SignalKind::ALL.to_vec()),
        asset in prop::sample::select(vec!["BTC/USD", "ETH/USD", "XAU/USD"]),
        confidence in 0u8..=100,
        seconds in 946_684_800i64..2_208_988_800, // 2000..2040
    ) {
        let now = DateTime::from_timestamp(seconds, 0).unwrap();
        let facts = SignalFacts { kind, asset: Asset::parse(asset).unwrap(), confidence };
        let decision = decide(&candidate, &facts, &tiers, now);
        let prefs = &candidate.prefs;
        let rule = tiers.rule(candidate.effective_tier(now));
        let mode = prefs.signal_types.get(kind);
        let local_hour = now.with_timezone(&prefs.timezone).hour() as u8;
        let in_hours = prefs.notification_hours.contains(local_hour);
        let reachable = candidate.active && candidate.subscribed && candidate.disclaimer_accepted
            && (kind != SignalKind::Close || candidate.received_original);
        prop_assert_eq!(decision == Decision::Ignore, !reachable);
        if let Decision::Send { silent, protect_content, delay_secs } = decision {
            prop_assert!(mode != Delivery::Off);
            prop_assert_eq!((protect_content, delay_secs), (rule.protect_content, rule.delivery_delay_secs));
            if kind == SignalKind::Close {
                prop_assert_eq!(silent, mode == Delivery::Silent || !in_hours);
            } else {
                prop_assert!(rule.allows(kind));
                prop_assert!(confidence >= prefs.confidence_threshold);
                prop_assert!(prefs.assets.is_empty() || prefs.assets.contains(&facts.asset));
                prop_assert!(!prefs.muted_assets.contains(&facts.asset));
                prop_assert!(in_hours);
                prop_assert_eq!(silent, mode == Delivery::Silent);
            }
        }
        if let Decision::Skip(reason) = decision {
            let holds = match reason {
                SkipReason::TierExcludesType => !rule.allows(kind),
                SkipReason::TypeOff => mode == Delivery::Off,
                SkipReason::BelowThreshold => confidence < prefs.confidence_threshold,
                SkipReason::AssetNotFollowed => !prefs.assets.contains(&facts.asset),
                SkipReason::AssetMuted => prefs.muted_assets.contains(&facts.asset),
                SkipReason::OutsideHours => !in_hours,
            };
            prop_assert!(holds, "{:?}", reason);
        }
    }
}
