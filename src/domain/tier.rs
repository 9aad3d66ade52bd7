//! What each subscription tier allows, as configured in `herald.toml`:
//!
//! ```toml
//! [tiers.free]
//! delivery_delay_secs = 300      # unset keys keep the free defaults
//! [tiers.premium]
//! signals_history = 100
//! ```

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::preferences::Tier;
use super::signal::SignalKind;

/// The tier whose rules apply at `now`: an expired premium subscription counts as free.
pub fn effective_tier(tier: Tier, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Tier {
    match (tier, expires_at) {
        (Tier::Premium, Some(expires)) if expires <= now => Tier::Free,
        (tier, _) => tier,
    }
}

/// The limits of one tier; enforced in delivery (`recipients::decide`) and in the commands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierRule {
    /// Signal types delivered at all (close signals of a received signal are always delivered).
    pub signal_types: Vec<SignalKind>,
    /// The most signals `/signals [count]` shows.
    pub signals_history: u32,
    /// How far back `/signals` and `/performance` look.
    pub history_days: u32,
    /// Whether messages carry a chart.
    pub charts: bool,
    /// Seconds between a signal's acceptance and its delivery.
    pub delivery_delay_secs: u64,
    /// Sent with Telegram's `protect_content` (no forwarding or saving).
    pub protect_content: bool,
    /// Price alerts (`/alert`) waiting at once.
    pub price_alerts: u32,
}

impl TierRule {
    /// Defaults for the free tier: buy, sell and close; a short history; no charts.
    pub fn free() -> Self {
        Self {
            signal_types: vec![SignalKind::Buy, SignalKind::Sell, SignalKind::Close],
            signals_history: 5,
            history_days: 7,
            charts: false,
            delivery_delay_secs: 0,
            protect_content: false,
            price_alerts: 3,
        }
    }

    /// Defaults for premium: every type, a year of history, charts, protected content.
    pub fn premium() -> Self {
        Self {
            signal_types: SignalKind::ALL.to_vec(),
            signals_history: 50,
            history_days: 365,
            charts: true,
            delivery_delay_secs: 0,
            protect_content: true,
            price_alerts: 50,
        }
    }

    pub fn allows(&self, kind: SignalKind) -> bool {
        self.signal_types.contains(&kind)
    }

    /// `/signals [count]` clamped to this tier (`None` is the default of 5, also clamped).
    pub fn signals_count(&self, requested: Option<u32>) -> u32 {
        requested.unwrap_or(5).min(self.signals_history)
    }

    /// Each key set in the configuration replaces the default; the rest stay.
    fn merged(mut self, overrides: TierRuleConfig) -> Self {
        let TierRuleConfig {
            signal_types,
            signals_history,
            history_days,
            charts,
            delivery_delay_secs,
            protect_content,
            price_alerts,
        } = overrides;
        if let Some(types) = signal_types {
            self.signal_types = types;
        }
        self.signals_history = signals_history.unwrap_or(self.signals_history);
        self.history_days = history_days.unwrap_or(self.history_days);
        self.charts = charts.unwrap_or(self.charts);
        self.delivery_delay_secs = delivery_delay_secs.unwrap_or(self.delivery_delay_secs);
        self.protect_content = protect_content.unwrap_or(self.protect_content);
        self.price_alerts = price_alerts.unwrap_or(self.price_alerts);
        self
    }
}

/// The rules of both tiers; `[tiers]` in `herald.toml`, every key optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "TierRulesConfig")]
pub struct TierRules {
    pub free: TierRule,
    pub premium: TierRule,
}

impl TierRules {
    pub fn rule(&self, tier: Tier) -> &TierRule {
        match tier {
            Tier::Free => &self.free,
            Tier::Premium => &self.premium,
        }
    }
}

impl Default for TierRules {
    fn default() -> Self {
        Self {
            free: TierRule::free(),
            premium: TierRule::premium(),
        }
    }
}

/// `[tiers]` as written; a partial table keeps the defaults of *its own* tier, which a plain
/// `#[serde(default)]` on `TierRule` could not do (it has one `Default`, the tiers need two).
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct TierRulesConfig {
    free: TierRuleConfig,
    premium: TierRuleConfig,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct TierRuleConfig {
    signal_types: Option<Vec<SignalKind>>,
    signals_history: Option<u32>,
    history_days: Option<u32>,
    charts: Option<bool>,
    delivery_delay_secs: Option<u64>,
    protect_content: Option<bool>,
    price_alerts: Option<u32>,
}

impl From<TierRulesConfig> for TierRules {
    fn from(config: TierRulesConfig) -> Self {
        Self {
            free: TierRule::free().merged(config.free),
            premium: TierRule::premium().merged(config.premium),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let rules = TierRules::default();
        let free = rules.rule(Tier::Free);
        assert!(free.allows(SignalKind::Buy) && free.allows(SignalKind::Close));
        assert!(!free.allows(SignalKind::Alert));
        assert_eq!(
            (free.signals_history, free.history_days, free.charts),
            (5, 7, false)
        );
        assert!(!free.protect_content);
        let premium = rules.rule(Tier::Premium);
        assert!(SignalKind::ALL.iter().all(|kind| premium.allows(*kind)));
        assert_eq!((premium.signals_history, premium.history_days), (50, 365));
        assert!(premium.charts && premium.protect_content);
        assert_eq!(premium.delivery_delay_secs, 0);
    }

    #[test]
    fn partial_configuration_keeps_each_tiers_own_defaults() {
        let rules: TierRules = serde_json::from_str(
            r#"{"free": {"delivery_delay_secs": 300, "signal_types": ["buy"]},
                "premium": {"signals_history": 100}}"#,
        )
        .unwrap();
        assert_eq!(rules.free.delivery_delay_secs, 300);
        assert_eq!(rules.free.signal_types, vec![SignalKind::Buy]);
        assert_eq!(rules.free.history_days, 7);
        assert_eq!(rules.premium.signals_history, 100);
        assert!(rules.premium.protect_content);
        let empty: TierRules = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, TierRules::default());
    }

    #[test]
    fn typos_in_configuration_are_refused() {
        assert!(serde_json::from_str::<TierRules>(r#"{"free": {"chart": true}}"#).is_err());
        assert!(serde_json::from_str::<TierRules>(r#"{"gold": {}}"#).is_err());
        assert!(
            serde_json::from_str::<TierRules>(r#"{"free": {"signal_types": ["hold"]}}"#).is_err()
        );
    }

    #[test]
    fn signals_count_is_clamped() {
        let free = TierRule::free();
        assert_eq!(free.signals_count(None), 5);
        assert_eq!(free.signals_count(Some(20)), 5);
        assert_eq!(free.signals_count(Some(2)), 2);
        assert_eq!(TierRule::premium().signals_count(Some(500)), 50);
    }
}
