//! One change to a user's preferences, as a `/settings` button asks for it: applied to the
//! preferences it was pressed on, or refused with the reason the user is told.

use chrono_tz::Tz;

use super::{Delivery, HourWindow, MessageFormat, Preferences, ReportFrequency};
use crate::domain::filter::dedup_assets;
use crate::domain::i18n::Lang;
use crate::domain::signal::{Asset, SignalKind};
use crate::domain::tier::TierRule;

#[derive(Debug, Clone, PartialEq)]
pub enum PreferenceChange {
    SignalType(SignalKind, Delivery),
    Confidence(u8),
    Hours(HourWindow),
    Timezone(Tz),
    Format(MessageFormat),
    Reports(ReportFrequency),
    Language(Lang),
    /// Follow (true) or stop following an asset. Explicit rather than a toggle, so pressing a
    /// stale button twice cannot flip the choice back.
    Asset(bool, Asset),
    /// Every asset (an empty list).
    AllAssets,
    /// Mute (true) or un-mute an asset: a muted one is never sent, followed or not. Explicit, as
    /// `Asset`, and touching only the muted list, so un-muting restores exactly what muting
    /// changed.
    Mute(bool, Asset),
    /// A chart above buy and sell signals, on or off (explicit, like `Asset`).
    Charts(bool),
}

/// Why a change was not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The user's tier does not deliver this signal type; the menu offers only what delivery
    /// will honour.
    NotInPlan,
    /// Following one more asset would pass the limit `/filter` enforces too.
    TooManyAssets,
    /// The user's tier has no charts, so turning them on would change nothing they see.
    ChartsNotInPlan,
}

impl PreferenceChange {
    /// The preferences after this change, for a user whose tier is `rule`.
    pub fn apply(&self, prefs: &Preferences, rule: &TierRule) -> Result<Preferences, Refusal> {
        let mut next = prefs.clone();
        match self {
            Self::SignalType(kind, mode) => {
                if *mode != Delivery::Off && !rule.allows(*kind) {
                    return Err(Refusal::NotInPlan);
                }
                next.signal_types.set(*kind, *mode);
            }
            Self::Confidence(value) => next.confidence_threshold = *value,
            Self::Hours(window) => next.notification_hours = *window,
            Self::Timezone(tz) => next.timezone = *tz,
            Self::Format(format) => next.format = *format,
            Self::Reports(frequency) => next.performance_updates = *frequency,
            Self::Language(language) => next.language = *language,
            Self::AllAssets => next.assets.clear(),
            Self::Charts(on) => {
                if *on && !rule.charts {
                    return Err(Refusal::ChartsNotInPlan);
                }
                next.charts = *on;
            }
            Self::Asset(follow, asset) => {
                next.assets.retain(|followed| followed != asset);
                if *follow {
                    next.assets.push(asset.clone());
                }
                next.assets = dedup_assets(next.assets).map_err(|_| Refusal::TooManyAssets)?;
            }
            Self::Mute(mute, asset) => {
                next.muted_assets.retain(|muted| muted != asset);
                if *mute {
                    next.muted_assets.push(asset.clone());
                }
                next.muted_assets =
                    dedup_assets(next.muted_assets).map_err(|_| Refusal::TooManyAssets)?;
            }
        }
        Ok(next)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::filter::MAX_ASSETS;

    fn asset(name: &str) -> Asset {
        Asset::parse(name).unwrap()
    }

    fn free() -> TierRule {
        TierRule::free()
    }

    #[test]
    fn each_change_sets_its_own_preference_and_nothing_else() {
        let before = Preferences::default();
        let apply = |change: PreferenceChange| change.apply(&before, &free()).unwrap();
        let window = HourWindow::new(8, 22).unwrap();
        let cases = [
            (
                PreferenceChange::Confidence(80),
                Preferences {
                    confidence_threshold: 80,
                    ..Preferences::default()
                },
            ),
            (
                PreferenceChange::Hours(window),
                Preferences {
                    notification_hours: window,
                    ..Preferences::default()
                },
            ),
            (
                PreferenceChange::Timezone(chrono_tz::Europe::Berlin),
                Preferences {
                    timezone: chrono_tz::Europe::Berlin,
                    ..Preferences::default()
                },
            ),
            (
                PreferenceChange::Format(MessageFormat::Compact),
                Preferences {
                    format: MessageFormat::Compact,
                    ..Preferences::default()
                },
            ),
            (
                PreferenceChange::Reports(ReportFrequency::Daily),
                Preferences {
                    performance_updates: ReportFrequency::Daily,
                    ..Preferences::default()
                },
            ),
            (
                PreferenceChange::Language(Lang::Es),
                Preferences {
                    language: Lang::Es,
                    ..Preferences::default()
                },
            ),
        ];
        for (change, expected) in cases {
            assert_eq!(apply(change.clone()), expected, "{change:?}");
        }
    }

    #[test]
    fn a_signal_type_outside_the_plan_can_only_be_turned_off() {
        let before = Preferences::default();
        let silent = PreferenceChange::SignalType(SignalKind::Buy, Delivery::Silent);
        let after = silent.apply(&before, &free()).unwrap();
        assert_eq!(after.signal_types.get(SignalKind::Buy), Delivery::Silent);
        assert_eq!(
            after.signal_types.get(SignalKind::Sell),
            Delivery::On,
            "other types keep their mode"
        );
        for mode in [Delivery::On, Delivery::Silent] {
            let alert = PreferenceChange::SignalType(SignalKind::Alert, mode);
            assert_eq!(alert.apply(&before, &free()), Err(Refusal::NotInPlan));
            assert!(alert.apply(&before, &TierRule::premium()).is_ok());
        }
        let off = PreferenceChange::SignalType(SignalKind::Alert, Delivery::Off);
        let after = off.apply(&before, &free()).unwrap();
        assert_eq!(after.signal_types.get(SignalKind::Alert), Delivery::Off);
    }

    #[test]
    fn charts_can_be_turned_on_only_where_the_plan_draws_them() {
        let before = Preferences::default();
        let off = PreferenceChange::Charts(false)
            .apply(&before, &free())
            .unwrap();
        assert!(!off.charts, "turning them off is always allowed");
        assert_eq!(
            PreferenceChange::Charts(true).apply(&off, &free()),
            Err(Refusal::ChartsNotInPlan)
        );
        let on = PreferenceChange::Charts(true)
            .apply(&off, &TierRule::premium())
            .unwrap();
        assert_eq!(on, before);
    }

    #[test]
    fn following_an_asset_twice_or_unfollowing_one_not_followed_changes_nothing() {
        let btc = asset("BTC/USD");
        let follow = PreferenceChange::Asset(true, btc.clone());
        let once = follow.apply(&Preferences::default(), &free()).unwrap();
        assert_eq!(once.assets, vec![btc.clone()]);
        assert_eq!(
            follow.apply(&once, &free()).unwrap(),
            once,
            "a stale button"
        );
        let eth = PreferenceChange::Asset(false, asset("ETH/USD"));
        assert_eq!(eth.apply(&once, &free()).unwrap(), once);
        let unfollow = PreferenceChange::Asset(false, btc);
        assert!(unfollow.apply(&once, &free()).unwrap().assets.is_empty());
        let all = PreferenceChange::AllAssets.apply(&once, &free()).unwrap();
        assert_eq!(all, Preferences::default());
    }

    #[test]
    fn muting_touches_only_the_muted_list_and_unmuting_restores_it() {
        let followed = PreferenceChange::Asset(true, asset("BTC/USD"))
            .apply(&Preferences::default(), &free())
            .unwrap();
        let mute = PreferenceChange::Mute(true, asset("BTC/USD"));
        let muted = mute.apply(&followed, &free()).unwrap();
        assert_eq!(muted.assets, followed.assets, "the filter stays as it was");
        assert_eq!(muted.muted_assets, vec![asset("BTC/USD")]);
        assert_eq!(mute.apply(&muted, &free()).unwrap(), muted, "twice is once");
        let unmute = PreferenceChange::Mute(false, asset("BTC/USD"));
        assert_eq!(unmute.apply(&muted, &free()).unwrap(), followed);
        assert_eq!(unmute.apply(&followed, &free()).unwrap(), followed);
    }

    #[test]
    fn one_asset_past_the_limit_is_refused() {
        let full = Preferences {
            assets: (0..MAX_ASSETS)
                .map(|n| asset(&format!("A{n}/USD")))
                .collect(),
            ..Preferences::default()
        };
        let one_more = PreferenceChange::Asset(true, asset("ONE/MORE"));
        assert_eq!(one_more.apply(&full, &free()), Err(Refusal::TooManyAssets));
        let unfollow = PreferenceChange::Asset(false, asset("A0/USD"));
        assert_eq!(
            unfollow.apply(&full, &free()).unwrap().assets.len(),
            MAX_ASSETS - 1
        );
    }
}
