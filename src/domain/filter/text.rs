//! What `/filter` says back: error explanations and the summary of a user's filters, as plain text
//! (the caller escapes it for `parse_mode=HTML`).

use super::{FilterError, FilterErrorKind, FilterKey, MAX_ASSETS, to_filter_string};
use crate::domain::i18n::{Arg, Lang, t, t_args};
use crate::domain::preferences::{Delivery, MessageFormat, Preferences, ReportFrequency};
use crate::domain::signal::SignalKind;

/// Tokens are quoted back to the user; a pasted essay is cut so the reply stays readable.
const MAX_TOKEN_CHARS: usize = 40;

/// "`confidence:150` — confidence must be a whole number from 0 to 100".
pub fn describe_error(err: &FilterError, lang: Lang) -> String {
    let token = if err.token.chars().count() > MAX_TOKEN_CHARS {
        let cut: String = err.token.chars().take(MAX_TOKEN_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        err.token.clone()
    };
    t_args(
        lang,
        "filter-error",
        [
            ("token", Arg::from(token)),
            ("reason", Arg::from(describe_error_kind(err.kind, lang))),
        ],
    )
}

/// The reason alone, without the token; the admin API uses it for its field errors.
pub fn describe_error_kind(kind: FilterErrorKind, lang: Lang) -> String {
    let key_arg = |key: FilterKey| ("key", Arg::from(key.as_str()));
    match kind {
        FilterErrorKind::UnknownKey => t(lang, "filter-error-unknown-key"),
        FilterErrorKind::MissingValue(key) => t_args(
            lang,
            "filter-error-missing-value",
            [key_arg(key), ("example", Arg::from(example(key)))],
        ),
        FilterErrorKind::BadNumber | FilterErrorKind::OutOfRange => {
            t(lang, "filter-error-confidence")
        }
        FilterErrorKind::UnknownType => t(lang, "filter-error-unknown-type"),
        FilterErrorKind::UnknownMode => t(lang, "filter-error-unknown-mode"),
        FilterErrorKind::BadAsset => t(lang, "filter-error-bad-asset"),
        FilterErrorKind::BadHours => t(lang, "filter-error-bad-hours"),
        FilterErrorKind::UnknownTimezone => t(lang, "filter-error-unknown-timezone"),
        FilterErrorKind::UnknownValue(key) => t_args(
            lang,
            "filter-error-unknown-value",
            [key_arg(key), ("choices", Arg::from(choices(key)))],
        ),
        FilterErrorKind::Duplicate(key) => t_args(lang, "filter-error-duplicate", [key_arg(key)]),
        FilterErrorKind::TooManyAssets => t_args(
            lang,
            "filter-error-too-many-assets",
            [("max", Arg::from(MAX_ASSETS))],
        ),
        FilterErrorKind::ResetAlone => t(lang, "filter-error-reset-alone"),
    }
}

/// A valid argument for `key`, shown when its value is missing. Grammar, so not translated.
fn example(key: FilterKey) -> &'static str {
    match key {
        FilterKey::Confidence => "confidence:80",
        FilterKey::Types => "types:buy,sell",
        FilterKey::Silent => "silent:alert",
        FilterKey::Assets => "assets:BTC/USD,ETH/USD",
        FilterKey::Muted => "muted:XRP/USD",
        FilterKey::Hours => "hours:8-22",
        FilterKey::Timezone => "tz:Europe/Berlin",
        FilterKey::Format => "format:compact",
        FilterKey::Reports => "reports:weekly",
        FilterKey::Language => "lang:es",
        FilterKey::Charts => "charts:off",
    }
}

/// The accepted values of a key with a fixed set of choices.
fn choices(key: FilterKey) -> String {
    let names: Vec<&str> = match key {
        FilterKey::Format => MessageFormat::ALL.map(MessageFormat::as_str).to_vec(),
        FilterKey::Reports => ReportFrequency::ALL.map(ReportFrequency::as_str).to_vec(),
        FilterKey::Language => Lang::ALL.map(Lang::code).to_vec(),
        FilterKey::Charts => vec!["on", "off"],
        _ => Vec::new(),
    };
    names.join(", ")
}

/// A multi-line summary of `prefs` in `lang`, ending with the `/filter` command that sets them.
pub fn describe_filters(prefs: &Preferences, lang: Lang) -> String {
    let arg = |name, value: String| [(name, Arg::from(value))];
    let types: Vec<String> = SignalKind::ALL
        .into_iter()
        .map(|kind| {
            let name = type_name(kind, lang);
            match prefs.signal_types.get(kind) {
                Delivery::On => name,
                Delivery::Silent => format!("{name} ({})", t(lang, "filter-mode-silent")),
                Delivery::Off => format!("{name} ({})", t(lang, "filter-mode-off")),
            }
        })
        .collect();
    let assets = if prefs.assets.is_empty() {
        t(lang, "filter-summary-assets-all")
    } else {
        let names: Vec<&str> = prefs.assets.iter().map(|a| a.as_str()).collect();
        t_args(
            lang,
            "filter-summary-assets",
            arg("assets", names.join(", ")),
        )
    };
    let muted = (!prefs.muted_assets.is_empty()).then(|| {
        let names: Vec<&str> = prefs.muted_assets.iter().map(|a| a.as_str()).collect();
        t_args(
            lang,
            "filter-summary-muted",
            arg("assets", names.join(", ")),
        )
    });
    let window = prefs.notification_hours;
    let hours = if window.is_all_day() {
        t(lang, "filter-summary-hours-all")
    } else {
        // An end of 0 after a later start is the end of the day, which reads better as 24:00.
        let end = if window.end == 0 { 24 } else { window.end };
        t_args(
            lang,
            "filter-summary-hours",
            [
                ("start", Arg::from(format!("{:02}:00", window.start))),
                ("end", Arg::from(format!("{end:02}:00"))),
            ],
        )
    };
    let format = match prefs.format {
        MessageFormat::Detailed => t(lang, "filter-format-detailed"),
        MessageFormat::Compact => t(lang, "filter-format-compact"),
    };
    let reports = match prefs.performance_updates {
        ReportFrequency::Daily => t(lang, "filter-reports-daily"),
        ReportFrequency::Weekly => t(lang, "filter-reports-weekly"),
        ReportFrequency::Never => t(lang, "filter-reports-never"),
    };
    let language = match prefs.language {
        Lang::En => t(lang, "filter-language-en"),
        Lang::Es => t(lang, "filter-language-es"),
    };
    let confidence = u32::from(prefs.confidence_threshold);
    let mut lines = vec![
        t(lang, "filter-summary-title"),
        t_args(lang, "filter-summary-types", arg("types", types.join(", "))),
        t_args(
            lang,
            "filter-summary-confidence",
            [("value", Arg::from(confidence))],
        ),
        assets,
    ];
    lines.extend(muted);
    lines.extend([
        hours,
        t_args(
            lang,
            "filter-summary-timezone",
            arg("tz", prefs.timezone.name().to_owned()),
        ),
        t_args(lang, "filter-summary-format", arg("format", format)),
        t(
            lang,
            if prefs.charts {
                "filter-summary-charts-on"
            } else {
                "filter-summary-charts-off"
            },
        ),
        t_args(lang, "filter-summary-reports", arg("reports", reports)),
        t_args(lang, "filter-summary-language", arg("language", language)),
        String::new(),
        t_args(
            lang,
            "filter-summary-command",
            arg("args", to_filter_string(prefs)),
        ),
    ]);
    lines.join("\n")
}

/// A signal type's name in `lang`.
fn type_name(kind: SignalKind, lang: Lang) -> String {
    match kind {
        SignalKind::Buy => t(lang, "filter-type-buy"),
        SignalKind::Sell => t(lang, "filter-type-sell"),
        SignalKind::Close => t(lang, "filter-type-close"),
        SignalKind::Alert => t(lang, "filter-type-alert"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::domain::filter::parse_filter;
    use crate::domain::preferences::HourWindow;
    use crate::domain::signal::Asset;

    #[test]
    fn error_quotes_the_token_and_explains() {
        let err = parse_filter("confidence:150").unwrap_err();
        assert_eq!(
            describe_error(&err, Lang::En),
            "`confidence:150` — confidence must be a whole number from 0 to 100"
        );
        let spanish = describe_error(&err, Lang::Es);
        assert!(spanish.starts_with("`confidence:150` — "), "{spanish}");
        assert!(!spanish.contains("Unknown localization"), "{spanish}");
    }

    #[test]
    fn every_error_kind_has_text_in_every_language() {
        let mut kinds = vec![
            FilterErrorKind::UnknownKey,
            FilterErrorKind::BadNumber,
            FilterErrorKind::OutOfRange,
            FilterErrorKind::UnknownType,
            FilterErrorKind::UnknownMode,
            FilterErrorKind::BadAsset,
            FilterErrorKind::BadHours,
            FilterErrorKind::UnknownTimezone,
            FilterErrorKind::TooManyAssets,
            FilterErrorKind::ResetAlone,
        ];
        for key in FilterKey::ALL {
            kinds.push(FilterErrorKind::MissingValue(key));
            kinds.push(FilterErrorKind::Duplicate(key));
        }
        for key in [FilterKey::Format, FilterKey::Reports, FilterKey::Language] {
            kinds.push(FilterErrorKind::UnknownValue(key));
        }
        for lang in Lang::ALL {
            for kind in &kinds {
                let text = describe_error_kind(*kind, lang);
                assert!(
                    !text.is_empty() && !text.contains("Unknown localization"),
                    "{kind:?} {text}"
                );
            }
        }
        let choices =
            describe_error_kind(FilterErrorKind::UnknownValue(FilterKey::Format), Lang::En);
        assert!(choices.contains("detailed, compact"), "{choices}");
    }

    #[test]
    fn long_tokens_are_cut() {
        let err = parse_filter(&format!("x{}", "y".repeat(500))).unwrap_err();
        let text = describe_error(&err, Lang::En);
        assert!(text.chars().count() < 200, "{text}");
        assert!(text.contains('…'));
    }

    #[test]
    fn summary_lists_every_preference() {
        let mut prefs = Preferences {
            confidence_threshold: 80,
            notification_hours: HourWindow { start: 22, end: 6 },
            timezone: chrono_tz::Europe::Berlin,
            assets: vec![
                Asset::parse("BTC/USD").unwrap(),
                Asset::parse("ETH/USD").unwrap(),
            ],
            ..Preferences::default()
        };
        prefs.signal_types.set(SignalKind::Alert, Delivery::Silent);
        prefs.signal_types.set(SignalKind::Close, Delivery::Off);
        let text = describe_filters(&prefs, Lang::En);
        for needle in [
            "buy, sell, close (off), alert (silent)",
            "80%",
            "BTC/USD, ETH/USD",
            "22:00–06:00",
            "Europe/Berlin",
            "detailed",
            "weekly",
            "English",
            "/filter confidence:80 types:buy,sell silent:alert assets:BTC/USD,ETH/USD hours:22-6",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
        let spanish = describe_filters(&prefs, Lang::Es);
        assert!(
            spanish.contains("compra, venta, cierre (desactivado), alerta (silencio)"),
            "{spanish}"
        );
        assert!(!spanish.contains("Unknown localization"), "{spanish}");
    }

    #[test]
    fn summary_of_defaults_says_all() {
        let text = describe_filters(&Preferences::default(), Lang::En);
        assert!(text.contains("Assets: all"), "{text}");
        assert!(text.contains("Hours: all day"), "{text}");
        let late = Preferences {
            notification_hours: HourWindow::new(8, 24).unwrap(),
            ..Preferences::default()
        };
        assert!(describe_filters(&late, Lang::En).contains("08:00–24:00"));
    }
}
