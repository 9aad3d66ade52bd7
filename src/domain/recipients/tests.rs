#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use chrono_tz::Tz;

use super::*;
use crate::domain::preferences::HourWindow;
use crate::domain::signal::Confidence;

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn noon() -> DateTime<Utc> {
    at(2025, 6, 2, 12, 0)
}

fn premium() -> Candidate {
    Candidate {
        active: true,
        subscribed: true,
        disclaimer_accepted: true,
        tier: Tier::Premium,
        subscription_expires_at: None,
        prefs: Preferences::default(),
        received_original: false,
    }
}

fn free() -> Candidate {
    Candidate {
        tier: Tier::Free,
        ..premium()
    }
}

fn signal(kind: SignalKind) -> SignalFacts {
    SignalFacts {
        kind,
        asset: Asset::parse("BTC/USD").unwrap(),
        confidence: 80,
    }
}

fn decide_now(candidate: &Candidate, kind: SignalKind) -> Decision {
    decide(candidate, &signal(kind), &TierRules::default(), noon())
}

const LOUD_PROTECTED: Decision = Decision::Send {
    silent: false,
    protect_content: true,
    delay_secs: 0,
};
const LOUD_FREE: Decision = Decision::Send {
    silent: false,
    protect_content: false,
    delay_secs: 0,
};

#[test]
fn sends_with_the_tiers_protection_and_delay() {
    assert_eq!(decide_now(&premium(), SignalKind::Buy), LOUD_PROTECTED);
    assert_eq!(decide_now(&free(), SignalKind::Sell), LOUD_FREE);
    let mut tiers = TierRules::default();
    tiers.free.delivery_delay_secs = 300;
    let decision = decide(&free(), &signal(SignalKind::Buy), &tiers, noon());
    assert_eq!(
        decision,
        Decision::Send {
            silent: false,
            protect_content: false,
            delay_secs: 300
        }
    );
}

#[test]
fn not_a_recipient() {
    for candidate in [
        Candidate {
            active: false,
            ..premium()
        },
        Candidate {
            subscribed: false,
            ..premium()
        },
        Candidate {
            disclaimer_accepted: false,
            ..premium()
        },
    ] {
        for kind in SignalKind::ALL {
            let received = Candidate {
                received_original: true,
                ..candidate.clone()
            };
            assert_eq!(
                decide_now(&received, kind),
                Decision::Ignore,
                "{candidate:?} {kind:?}"
            );
        }
    }
}

#[test]
fn tier_excludes_type() {
    assert_eq!(
        decide_now(&free(), SignalKind::Alert),
        Decision::Skip(SkipReason::TierExcludesType)
    );
    assert_eq!(decide_now(&premium(), SignalKind::Alert), LOUD_PROTECTED);
    // The plan is reported before the user's own choices.
    let mut off = free();
    off.prefs.signal_types.set(SignalKind::Alert, Delivery::Off);
    off.prefs.confidence_threshold = 100;
    assert_eq!(
        decide_now(&off, SignalKind::Alert),
        Decision::Skip(SkipReason::TierExcludesType)
    );
}

#[test]
fn expired_premium_falls_back_to_free_rules() {
    let expired = Candidate {
        subscription_expires_at: Some(noon()),
        ..premium()
    };
    assert_eq!(expired.effective_tier(noon()), Tier::Free);
    assert_eq!(
        decide_now(&expired, SignalKind::Alert),
        Decision::Skip(SkipReason::TierExcludesType)
    );
    assert_eq!(decide_now(&expired, SignalKind::Buy), LOUD_FREE);
    let current = Candidate {
        subscription_expires_at: Some(at(2025, 6, 2, 12, 1)),
        ..premium()
    };
    assert_eq!(decide_now(&current, SignalKind::Alert), LOUD_PROTECTED);
    // Free does not expire.
    let old_free = Candidate {
        subscription_expires_at: Some(at(2020, 1, 1, 0, 0)),
        ..free()
    };
    assert_eq!(decide_now(&old_free, SignalKind::Buy), LOUD_FREE);
}

#[test]
fn type_modes() {
    let mut user = premium();
    user.prefs.signal_types.set(SignalKind::Buy, Delivery::Off);
    user.prefs
        .signal_types
        .set(SignalKind::Sell, Delivery::Silent);
    assert_eq!(
        decide_now(&user, SignalKind::Buy),
        Decision::Skip(SkipReason::TypeOff)
    );
    assert_eq!(
        decide_now(&user, SignalKind::Sell),
        Decision::Send {
            silent: true,
            protect_content: true,
            delay_secs: 0
        }
    );
}

#[test]
fn confidence_threshold_is_inclusive() {
    let mut user = premium();
    user.prefs.confidence_threshold = 80;
    assert_eq!(decide_now(&user, SignalKind::Buy), LOUD_PROTECTED);
    user.prefs.confidence_threshold = 81;
    assert_eq!(
        decide_now(&user, SignalKind::Buy),
        Decision::Skip(SkipReason::BelowThreshold)
    );
}

#[test]
fn assets() {
    let mut user = premium();
    user.prefs.assets = vec![Asset::parse("ETH/USD").unwrap()];
    assert_eq!(
        decide_now(&user, SignalKind::Buy),
        Decision::Skip(SkipReason::AssetNotFollowed)
    );
    user.prefs.assets.push(Asset::parse("btc/usd").unwrap());
    assert_eq!(decide_now(&user, SignalKind::Buy), LOUD_PROTECTED);
    // Muted wins over followed, and over "every asset".
    user.prefs.muted_assets = vec![Asset::parse("BTC/USD").unwrap()];
    assert_eq!(
        decide_now(&user, SignalKind::Buy),
        Decision::Skip(SkipReason::AssetMuted)
    );
    user.prefs.assets.clear();
    assert_eq!(
        decide_now(&user, SignalKind::Buy),
        Decision::Skip(SkipReason::AssetMuted)
    );
}

/// A premium user with `window` in `tz`, asked about a buy signal at `now`.
fn hours_decision(tz: Tz, start: u8, end: u8, now: DateTime<Utc>) -> Decision {
    let mut user = premium();
    user.prefs.timezone = tz;
    user.prefs.notification_hours = HourWindow { start, end };
    decide(&user, &signal(SignalKind::Buy), &TierRules::default(), now)
}

fn inside(tz: Tz, start: u8, end: u8, now: DateTime<Utc>) -> bool {
    match hours_decision(tz, start, end, now) {
        Decision::Send { .. } => true,
        Decision::Skip(SkipReason::OutsideHours) => false,
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn hours_in_utc_and_across_midnight() {
    assert!(inside(Tz::UTC, 8, 22, at(2025, 6, 2, 8, 0)));
    assert!(inside(Tz::UTC, 8, 22, at(2025, 6, 2, 21, 59)));
    assert!(!inside(Tz::UTC, 8, 22, at(2025, 6, 2, 22, 0)));
    assert!(!inside(Tz::UTC, 8, 22, at(2025, 6, 2, 7, 59)));
    for (h, expected) in [
        (22, true),
        (23, true),
        (0, true),
        (5, true),
        (6, false),
        (12, false),
        (21, false),
    ] {
        assert_eq!(
            inside(Tz::UTC, 22, 6, at(2025, 6, 2, h, 30)),
            expected,
            "{h}:30"
        );
    }
    // 18-24 is stored as {18, 0}.
    assert!(inside(Tz::UTC, 18, 0, at(2025, 6, 2, 23, 59)));
    assert!(!inside(Tz::UTC, 18, 0, at(2025, 6, 2, 0, 0)));
    assert!(inside(Tz::UTC, 0, 0, at(2025, 6, 2, 3, 0)));
    assert_eq!(
        hours_decision(Tz::UTC, 8, 22, at(2025, 6, 2, 23, 0)),
        Decision::Skip(SkipReason::OutsideHours)
    );
}

#[test]
fn berlin_spring_forward() {
    let berlin = chrono_tz::Europe::Berlin;
    // 2025-03-30 01:00 UTC: 02:00 CET becomes 03:00 CEST.
    assert!(inside(berlin, 8, 22, at(2025, 3, 30, 6, 30)), "08:30 CEST");
    assert!(
        !inside(berlin, 8, 22, at(2025, 3, 29, 6, 30)),
        "07:30 CET the day before"
    );
    assert!(!inside(berlin, 2, 3, at(2025, 3, 30, 0, 59)), "01:59 CET");
    assert!(
        !inside(berlin, 2, 3, at(2025, 3, 30, 1, 0)),
        "02:00 local never happens"
    );
    assert!(inside(berlin, 3, 4, at(2025, 3, 30, 1, 0)), "03:00 CEST");
    assert!(inside(berlin, 22, 6, at(2025, 3, 30, 3, 59)), "05:59 CEST");
    assert!(!inside(berlin, 22, 6, at(2025, 3, 30, 4, 0)), "06:00 CEST");
}

#[test]
fn berlin_fall_back() {
    let berlin = chrono_tz::Europe::Berlin;
    // 2025-10-26 01:00 UTC: 03:00 CEST becomes 02:00 CET, so 02:xx happens twice.
    assert!(inside(berlin, 2, 3, at(2025, 10, 26, 0, 30)), "02:30 CEST");
    assert!(inside(berlin, 2, 3, at(2025, 10, 26, 1, 30)), "02:30 CET");
    assert!(!inside(berlin, 2, 3, at(2025, 10, 26, 2, 0)), "03:00 CET");
    assert!(!inside(berlin, 8, 22, at(2025, 10, 26, 6, 30)), "07:30 CET");
    assert!(
        inside(berlin, 8, 22, at(2025, 10, 25, 6, 30)),
        "08:30 CEST the day before"
    );
}

#[test]
fn new_york_both_changes() {
    let ny = chrono_tz::America::New_York;
    // 2025-03-09 07:00 UTC: 02:00 EST becomes 03:00 EDT.
    assert!(!inside(ny, 9, 17, at(2025, 3, 8, 13, 30)), "08:30 EST");
    assert!(inside(ny, 9, 17, at(2025, 3, 9, 13, 30)), "09:30 EDT");
    assert!(
        inside(ny, 22, 6, at(2025, 3, 9, 3, 30)),
        "22:30 EST on the 8th"
    );
    assert!(inside(ny, 22, 6, at(2025, 3, 9, 9, 59)), "05:59 EDT");
    assert!(!inside(ny, 22, 6, at(2025, 3, 9, 10, 0)), "06:00 EDT");
    // 2025-11-02 06:00 UTC: 02:00 EDT becomes 01:00 EST.
    assert!(inside(ny, 9, 17, at(2025, 11, 1, 13, 30)), "09:30 EDT");
    assert!(!inside(ny, 9, 17, at(2025, 11, 2, 13, 30)), "08:30 EST");
    assert!(inside(ny, 1, 2, at(2025, 11, 2, 5, 30)), "01:30 EDT");
    assert!(inside(ny, 1, 2, at(2025, 11, 2, 6, 30)), "01:30 EST");
}

#[test]
fn close_reaches_exactly_those_who_got_the_original() {
    let mut user = free();
    user.prefs.confidence_threshold = 100;
    user.prefs.assets = vec![Asset::parse("ETH/USD").unwrap()];
    assert_eq!(decide_now(&user, SignalKind::Close), Decision::Ignore);
    user.received_original = true;
    let mut tiers = TierRules::default();
    tiers.free.signal_types = vec![SignalKind::Buy];
    tiers.free.delivery_delay_secs = 60;
    let close = signal(SignalKind::Close);
    assert_eq!(
        decide(&user, &close, &tiers, noon()),
        Decision::Send {
            silent: false,
            protect_content: false,
            delay_secs: 60
        }
    );
    // Outside the hours: silent, not skipped.
    user.prefs.notification_hours = HourWindow { start: 8, end: 9 };
    assert_eq!(
        decide(&user, &close, &tiers, noon()),
        Decision::Send {
            silent: true,
            protect_content: false,
            delay_secs: 60
        }
    );
    user.prefs
        .signal_types
        .set(SignalKind::Close, Delivery::Silent);
    user.prefs.notification_hours = HourWindow::ALL_DAY;
    assert!(matches!(
        decide(&user, &close, &tiers, noon()),
        Decision::Send { silent: true, .. }
    ));
    user.prefs
        .signal_types
        .set(SignalKind::Close, Delivery::Off);
    assert_eq!(
        decide(&user, &close, &tiers, noon()),
        Decision::Skip(SkipReason::TypeOff)
    );
}

#[test]
fn skip_reasons_are_stable_and_translated() {
    let names: Vec<&str> = SkipReason::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        names,
        [
            "tier_excludes_type",
            "type_off",
            "below_threshold",
            "asset_not_followed",
            "asset_muted",
            "outside_hours"
        ]
    );
    for reason in SkipReason::ALL {
        assert_eq!(SkipReason::parse(reason.as_str()), Some(reason));
        for lang in Lang::ALL {
            let text = reason.describe(lang);
            assert!(
                !text.is_empty() && !text.contains("Unknown localization"),
                "{reason:?} {lang:?}"
            );
        }
    }
    assert_eq!(SkipReason::parse("TYPE_OFF"), None);
}

#[test]
fn facts_from_a_signal() {
    let signal = Signal {
        id: uuid::Uuid::nil(),
        kind: SignalKind::Sell,
        asset: Asset::parse("EUR/USD").unwrap(),
        entry_price: None,
        target_price: None,
        stop_loss: None,
        timeframe: None,
        confidence: Confidence::new(67).unwrap(),
        source_model: None,
        market_context: None,
        notes: Vec::new(),
        generated_at: noon(),
        closes: None,
        exit_price: None,
        message: None,
    };
    let facts = SignalFacts::from(&signal);
    assert_eq!(
        (facts.kind, facts.asset.as_str(), facts.confidence),
        (SignalKind::Sell, "EUR/USD", 67)
    );
}
