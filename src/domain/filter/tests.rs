#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;

use super::*;
use crate::domain::preferences::TypeModes;

fn set(args: &str) -> FilterChanges {
    match parse_filter(args) {
        Ok(FilterCommand::Set(changes)) => changes,
        other => panic!("{args:?} gave {other:?}"),
    }
}

fn applied(args: &str) -> Preferences {
    set(args).apply(&Preferences::default())
}

fn error(args: &str) -> FilterError {
    parse_filter(args).expect_err(args)
}

#[test]
fn show_and_reset() {
    assert_eq!(parse_filter(""), Ok(FilterCommand::Show));
    assert_eq!(parse_filter("  \n "), Ok(FilterCommand::Show));
    assert_eq!(parse_filter(" RESET "), Ok(FilterCommand::Reset));
    let err = error("reset confidence:5");
    assert_eq!(
        (err.kind, err.position, err.token.as_str()),
        (FilterErrorKind::ResetAlone, 0, "reset")
    );
}

#[test]
fn the_product_example() {
    let prefs = applied(
        "confidence:80 types:buy,sell assets:BTC/USD,ETH/USD hours:8-22 tz:Europe/Berlin format:compact",
    );
    assert_eq!(prefs.confidence_threshold, 80);
    assert_eq!(prefs.signal_types.buy, Delivery::On);
    assert_eq!(prefs.signal_types.close, Delivery::Off);
    assert_eq!(prefs.signal_types.alert, Delivery::Off);
    assert_eq!(
        prefs.assets,
        vec![
            Asset::parse("BTC/USD").unwrap(),
            Asset::parse("ETH/USD").unwrap()
        ]
    );
    assert_eq!(prefs.notification_hours, HourWindow { start: 8, end: 22 });
    assert_eq!(prefs.timezone, chrono_tz::Europe::Berlin);
    assert_eq!(prefs.format, MessageFormat::Compact);
    // Untouched keys keep their values.
    assert_eq!(prefs.performance_updates, ReportFrequency::Weekly);
}

#[test]
fn keys_and_values_are_case_insensitive_and_spacing_is_forgiven() {
    let prefs = applied("assets:BTC/USD, hours:8-22 tz : UTC");
    assert_eq!(prefs.assets.len(), 1);
    assert_eq!(prefs.notification_hours, HourWindow { start: 8, end: 22 });
    let err = error("confidence: hours:8-22");
    assert_eq!(
        (err.kind, err.token.as_str()),
        (
            FilterErrorKind::MissingValue(FilterKey::Confidence),
            "confidence:"
        )
    );
    let prefs =
        applied("CONFIDENCE: 75% Types:BUY, Sell TZ=europe/berlin Language:ES reports:NEVER");
    assert_eq!(prefs.confidence_threshold, 75);
    assert_eq!(prefs.signal_types.sell, Delivery::On);
    assert_eq!(prefs.signal_types.alert, Delivery::Off);
    assert_eq!(prefs.timezone, chrono_tz::Europe::Berlin);
    assert_eq!(prefs.language, Lang::Es);
    assert_eq!(prefs.performance_updates, ReportFrequency::Never);
}

#[test]
fn types_and_silent_combine_in_any_order() {
    for args in ["types:buy silent:alert", "silent:alert types:buy"] {
        let modes = applied(args).signal_types;
        assert_eq!(
            (modes.buy, modes.sell, modes.close, modes.alert),
            (Delivery::On, Delivery::Off, Delivery::Off, Delivery::Silent),
            "{args}"
        );
    }
    // `silent:` alone leaves the other types as they were.
    let mut prefs = Preferences::default();
    prefs.signal_types.set(SignalKind::Sell, Delivery::Off);
    let modes = set("silent:close,alert").apply(&prefs).signal_types;
    assert_eq!(
        (modes.buy, modes.sell, modes.close, modes.alert),
        (
            Delivery::On,
            Delivery::Off,
            Delivery::Silent,
            Delivery::Silent
        )
    );
    assert_eq!(applied("types:all").signal_types, TypeModes::ALL_ON);
    assert!(
        SignalKind::ALL
            .iter()
            .all(|k| applied("types:none").signal_types.get(*k) == Delivery::Off)
    );
    assert!(
        SignalKind::ALL
            .iter()
            .all(|k| applied("silent:all").signal_types.get(*k) == Delivery::Silent)
    );
}

#[test]
fn assets_dedupe_clear_and_limit() {
    let prefs = applied("assets:btc/usd,ETH/USD,BTC/USD,");
    assert_eq!(prefs.assets.len(), 2);
    assert_eq!(prefs.assets[0].as_str(), "BTC/USD");
    let following = Preferences {
        assets: prefs.assets,
        ..Preferences::default()
    };
    assert!(set("assets:ALL").apply(&following).assets.is_empty());
    let only_all = applied("assets:ALL,");
    assert_eq!(only_all.assets, vec![Asset::parse("ALL").unwrap()]);
    assert_eq!(applied(&to_filter_string(&only_all)), only_all);
    let fifty: Vec<String> = (0..50).map(|i| format!("A{i}")).collect();
    assert_eq!(
        applied(&format!("assets:{}", fifty.join(","))).assets.len(),
        50
    );
    let args = format!("assets:{},Z", fifty.join(","));
    let err = error(&args);
    assert_eq!(
        (err.kind, err.position, err.token.as_str()),
        (FilterErrorKind::TooManyAssets, 0, args.as_str())
    );
}

#[test]
fn hours() {
    let hours = |args: &str| applied(args).notification_hours;
    assert_eq!(hours("hours:22-6"), HourWindow { start: 22, end: 6 });
    assert_eq!(hours("hours:08:00-22:00"), HourWindow { start: 8, end: 22 });
    assert_eq!(hours("hours:9–17"), HourWindow { start: 9, end: 17 });
    assert_eq!(hours("hours:0-24"), HourWindow::ALL_DAY);
    assert_eq!(hours("hours:ALL"), HourWindow::ALL_DAY);
    let late = hours("hours:18-24");
    assert_eq!(late, HourWindow { start: 18, end: 0 });
    assert!(late.contains(23) && late.contains(18) && !late.contains(0) && !late.contains(17));
    for bad in [
        "hours:24-6",
        "hours:8-25",
        "hours:8",
        "hours:a-b",
        "hours:8:30-9",
        "hours:-1-5",
        "hours:008-9",
    ] {
        assert_eq!(error(bad).kind, FilterErrorKind::BadHours, "{bad}");
    }
}

#[test]
fn timezones() {
    let tz = |args: &str| applied(args).timezone;
    assert_eq!(tz("tz:UTC"), Tz::UTC);
    assert_eq!(tz("tz:utc"), Tz::UTC);
    assert_eq!(tz("tz:america/new_york"), chrono_tz::America::New_York);
    assert_eq!(tz("tz:UTC+2"), chrono_tz::Etc::GMTMinus2);
    assert_eq!(tz("tz:gmt-05"), chrono_tz::Etc::GMTPlus5);
    for bad in [
        "tz:Mars/Olympus",
        "tz:UTC+99",
        "tz:UTC+",
        "tz:UTC2",
        "tz:+2",
    ] {
        assert_eq!(error(bad).kind, FilterErrorKind::UnknownTimezone, "{bad}");
    }
}

#[test]
fn errors_point_at_the_offending_token() {
    let cases = [
        (
            "confidence:150",
            FilterErrorKind::OutOfRange,
            0,
            "confidence:150",
        ),
        (
            "confidence:-1",
            FilterErrorKind::OutOfRange,
            0,
            "confidence:-1",
        ),
        (
            "confidence:99999999999999999999",
            FilterErrorKind::OutOfRange,
            0,
            "confidence:99999999999999999999",
        ),
        (
            "format:compact  confidence:8.5",
            FilterErrorKind::BadNumber,
            16,
            "confidence:8.5",
        ),
        ("types:buy,hold", FilterErrorKind::UnknownType, 10, "hold"),
        ("types:buy, hold", FilterErrorKind::UnknownType, 11, "hold"),
        ("types:none,buy", FilterErrorKind::UnknownType, 6, "none"),
        (
            "lang:es assets:BTC/USD,€UR",
            FilterErrorKind::BadAsset,
            23,
            "€UR",
        ),
        ("colour:red", FilterErrorKind::UnknownKey, 0, "colour:red"),
        ("80", FilterErrorKind::UnknownKey, 0, "80"),
        (
            "hours:1-2 confidence",
            FilterErrorKind::MissingValue(FilterKey::Confidence),
            10,
            "confidence",
        ),
        (
            "tz:",
            FilterErrorKind::MissingValue(FilterKey::Timezone),
            0,
            "tz:",
        ),
        (
            "types:,",
            FilterErrorKind::MissingValue(FilterKey::Types),
            0,
            "types:,",
        ),
        (
            "format:tiny",
            FilterErrorKind::UnknownValue(FilterKey::Format),
            0,
            "format:tiny",
        ),
        (
            "reports:hourly",
            FilterErrorKind::UnknownValue(FilterKey::Reports),
            0,
            "reports:hourly",
        ),
        (
            "lang:fr",
            FilterErrorKind::UnknownValue(FilterKey::Language),
            0,
            "lang:fr",
        ),
        (
            "tz:UTC timezone:UTC",
            FilterErrorKind::Duplicate(FilterKey::Timezone),
            7,
            "timezone:UTC",
        ),
    ];
    for (args, kind, position, token) in cases {
        let err = error(args);
        assert_eq!(
            (err.kind, err.position, err.token.as_str()),
            (kind, position, token),
            "{args}"
        );
    }
}

#[test]
fn a_refused_command_changes_nothing() {
    // Everything before the bad token was valid, yet no `FilterChanges` comes back to apply.
    assert!(parse_filter("confidence:90 types:buy assets:BTC/USD hours:25-1").is_err());
}

#[test]
fn to_filter_string_of_defaults() {
    assert_eq!(
        to_filter_string(&Preferences::default()),
        "confidence:0 types:all assets:all hours:all tz:UTC format:detailed reports:weekly lang:en"
    );
}

fn any_mode() -> impl Strategy<Value = Delivery> {
    prop::sample::select(Delivery::ALL.to_vec())
}

fn any_preferences() -> impl Strategy<Value = Preferences> {
    let modes =
        (any_mode(), any_mode(), any_mode(), any_mode()).prop_map(|(buy, sell, close, alert)| {
            TypeModes {
                buy,
                sell,
                close,
                alert,
            }
        });
    // Distinct assets, at most MAX_ASSETS: the invariant the parser keeps.
    let assets = prop::collection::btree_set("[A-Z0-9/._-]{1,32}", 0..=MAX_ASSETS)
        .prop_map(|set| {
            set.into_iter()
                .filter_map(|a| Asset::parse(&a).ok())
                .collect::<Vec<_>>()
        })
        .prop_shuffle();
    let muted = prop::collection::btree_set("[A-Z0-9/._-]{1,32}", 0..=3)
        .prop_map(|set| {
            set.into_iter()
                .filter_map(|a| Asset::parse(&a).ok())
                .collect::<Vec<_>>()
        })
        .prop_shuffle();
    let tz = prop::sample::select(chrono_tz::TZ_VARIANTS.to_vec());
    let format = prop::sample::select(MessageFormat::ALL.to_vec());
    let reports = prop::sample::select(ReportFrequency::ALL.to_vec());
    let lang = prop::sample::select(Lang::ALL.to_vec());
    (
        modes,
        0u8..=100,
        0u8..24,
        0u8..24,
        tz,
        format,
        reports,
        lang,
        (assets, muted),
        any::<bool>(),
    )
        .prop_map(
            |(
                signal_types,
                confidence_threshold,
                start,
                end,
                timezone,
                format,
                performance_updates,
                language,
                (assets, muted_assets),
                charts,
            )| Preferences {
                signal_types,
                confidence_threshold,
                notification_hours: HourWindow { start, end },
                timezone,
                format,
                performance_updates,
                language,
                assets,
                muted_assets,
                charts,
            },
        )
}

/// Text made mostly of grammar pieces, so that the parser's deeper branches are reached.
fn filterish() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "confidence",
        "types",
        "silent",
        "assets",
        "muted",
        "hours",
        "tz",
        "format",
        "reports",
        "lang",
        "charts",
        "on",
        "off",
        "reset",
        ":",
        "=",
        ",",
        " ",
        "  ",
        "\n",
        "-",
        "–",
        "%",
        "all",
        "none",
        "buy",
        "alert",
        "8",
        "24",
        "99999",
        "UTC+",
        "Europe/Berlin",
        "BTC/USD",
        "€",
        "é",
        "👍",
        "\u{a0}",
    ]);
    prop::collection::vec(prop_oneof![piece.prop_map(str::to_owned), ".{0,4}"], 0..24)
        .prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn round_trip(prefs in any_preferences()) {
        let args = to_filter_string(&prefs);
        let parsed = parse_filter(&args);
        prop_assert!(matches!(parsed, Ok(FilterCommand::Set(_))), "{args} gave {parsed:?}");
        if let Ok(FilterCommand::Set(changes)) = parsed {
            prop_assert_eq!(changes.apply(&Preferences::default()), prefs, "{}", args);
        }
    }

    #[test]
    fn never_panics_and_errors_point_into_the_input(args in prop_oneof![filterish(), any::<String>()]) {
        if let Err(err) = parse_filter(&args) {
            let at: String = args.chars().skip(err.position).take(err.token.chars().count()).collect();
            prop_assert_eq!(&at, &err.token);
            prop_assert!(!err.token.trim().is_empty());
            for lang in Lang::ALL {
                prop_assert!(!describe_error(&err, lang).is_empty());
            }
        }
    }

    #[test]
    fn whatever_parses_applies_within_bounds(args in filterish()) {
        if let Ok(FilterCommand::Set(changes)) = parse_filter(&args) {
            let prefs = changes.apply(&Preferences::default());
            prop_assert!(prefs.confidence_threshold <= 100);
            prop_assert!(prefs.notification_hours.start < 24 && prefs.notification_hours.end < 24);
            prop_assert!(prefs.assets.len() <= MAX_ASSETS);
        }
    }
}
