//! Who gets a signal, decided per user without I/O.
//!
//! Three outcomes: [`Decision::Ignore`] (not a recipient, no delivery row), [`Decision::Skip`] (a
//! `skipped` row that records why, so "why didn't I get it?" has an answer) and [`Decision::Send`].
//!
//! Choices:
//! - An expired premium subscription falls back to the *free* rules rather than stopping signals:
//!   the user is still subscribed, only the paid extras lapse. A free tier never expires, so its
//!   `subscription_expires_at` is not consulted.
//! - Close signals reach exactly the users who were sent the signal being closed; a trader holding
//!   the position must learn it closed, so tier types, confidence and assets do not apply, and
//!   outside the notification hours the close is sent silently instead of skipped. Turning the close
//!   type off still skips it: that is an explicit wish.

use chrono::{DateTime, Timelike, Utc};

use super::i18n::{Lang, t};
use super::preferences::{Delivery, Preferences, Tier};
use super::signal::{Asset, Signal, SignalKind};
use super::tier::TierRules;

/// A user as the recipient rules see them.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// False once Telegram answered 403 (blocked the bot, deactivated).
    pub active: bool,
    pub subscribed: bool,
    pub disclaimer_accepted: bool,
    pub tier: Tier,
    /// When a premium subscription ends; `None` never ends.
    pub subscription_expires_at: Option<DateTime<Utc>>,
    pub prefs: Preferences,
    /// For close signals: the user was sent the signal being closed.
    pub received_original: bool,
}

impl Candidate {
    /// The tier whose rules apply at `now`: an expired premium counts as free.
    pub fn effective_tier(&self, now: DateTime<Utc>) -> Tier {
        match (self.tier, self.subscription_expires_at) {
            (Tier::Premium, Some(expires)) if expires <= now => Tier::Free,
            (tier, _) => tier,
        }
    }
}

/// The parts of a signal the rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalFacts {
    pub kind: SignalKind,
    pub asset: Asset,
    pub confidence: u8,
}

impl From<&Signal> for SignalFacts {
    fn from(signal: &Signal) -> Self {
        Self {
            kind: signal.kind,
            asset: signal.asset.clone(),
            confidence: signal.confidence.value(),
        }
    }
}

/// What to do with one signal for one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Not a recipient; no delivery row.
    Ignore,
    /// A recipient whose rules exclude this signal; recorded as `skipped` with the reason.
    Skip(SkipReason),
    /// Deliver, `delay_secs` after acceptance.
    Send {
        /// `disable_notification`: the type's mode is silent, or a close outside the hours.
        silent: bool,
        protect_content: bool,
        delay_secs: u64,
    },
}

/// Why a recipient's delivery was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SkipReason {
    TierExcludesType,
    TypeOff,
    BelowThreshold,
    AssetNotFollowed,
    /// The user muted the asset (`🔕 Mute` under a signal, `muted:` in `/filter`).
    AssetMuted,
    OutsideHours,
}

impl SkipReason {
    pub const ALL: [SkipReason; 6] = [
        Self::TierExcludesType,
        Self::TypeOff,
        Self::BelowThreshold,
        Self::AssetNotFollowed,
        Self::AssetMuted,
        Self::OutsideHours,
    ];

    /// Stored in the database with a `skipped` delivery row; never rename one.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TierExcludesType => "tier_excludes_type",
            Self::TypeOff => "type_off",
            Self::BelowThreshold => "below_threshold",
            Self::AssetNotFollowed => "asset_not_followed",
            Self::AssetMuted => "asset_muted",
            Self::OutsideHours => "outside_hours",
        }
    }

    /// The inverse of [`SkipReason::as_str`], for reading rows back.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|reason| reason.as_str() == text)
    }

    /// The reason in `lang`, e.g. "the confidence is below your minimum".
    pub fn describe(self, lang: Lang) -> String {
        let key = match self {
            Self::TierExcludesType => "skip-reason-tier-excludes-type",
            Self::TypeOff => "skip-reason-type-off",
            Self::BelowThreshold => "skip-reason-below-threshold",
            Self::AssetNotFollowed => "skip-reason-asset-not-followed",
            Self::AssetMuted => "skip-reason-asset-muted",
            Self::OutsideHours => "skip-reason-outside-hours",
        };
        t(lang, key)
    }
}

/// Whether `now` falls inside the user's notification hours, read on their local clock. The local
/// hour comes from chrono-tz at this instant, so DST changes need no special case.
pub fn within_hours(prefs: &Preferences, now: DateTime<Utc>) -> bool {
    let local_hour = now.with_timezone(&prefs.timezone).hour();
    // `hour()` is 0–23, which always fits a u8.
    prefs
        .notification_hours
        .contains(u8::try_from(local_hour).unwrap_or(u8::MAX))
}

/// The delivery rules, in the order a user would ask about them: can they get signals at all,
/// does their plan include this type, did they turn it off, then their filters.
pub fn decide(
    candidate: &Candidate,
    signal: &SignalFacts,
    tiers: &TierRules,
    now: DateTime<Utc>,
) -> Decision {
    if !candidate.active || !candidate.subscribed || !candidate.disclaimer_accepted {
        return Decision::Ignore;
    }
    let rule = tiers.rule(candidate.effective_tier(now));
    let prefs = &candidate.prefs;
    let mode = prefs.signal_types.get(signal.kind);
    let in_hours = within_hours(prefs, now);
    let send = |silent| Decision::Send {
        silent,
        protect_content: rule.protect_content,
        // The same delay as the original, so a close never overtakes the signal it closes.
        delay_secs: rule.delivery_delay_secs,
    };

    if signal.kind == SignalKind::Close {
        return match (candidate.received_original, mode) {
            (false, _) => Decision::Ignore,
            (true, Delivery::Off) => Decision::Skip(SkipReason::TypeOff),
            (true, mode) => send(mode == Delivery::Silent || !in_hours),
        };
    }

    let skip = if !rule.allows(signal.kind) {
        Some(SkipReason::TierExcludesType)
    } else if mode == Delivery::Off {
        Some(SkipReason::TypeOff)
    } else if signal.confidence < prefs.confidence_threshold {
        Some(SkipReason::BelowThreshold)
    } else if !prefs.assets.is_empty() && !prefs.assets.contains(&signal.asset) {
        Some(SkipReason::AssetNotFollowed)
    } else if prefs.muted_assets.contains(&signal.asset) {
        Some(SkipReason::AssetMuted)
    } else if !in_hours {
        Some(SkipReason::OutsideHours)
    } else {
        None
    };
    match skip {
        Some(reason) => Decision::Skip(reason),
        None => send(mode == Delivery::Silent),
    }
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
