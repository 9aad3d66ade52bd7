//! The admin API's `PUT /api/users/{id}/preferences` body. Every field is optional and loosely typed
//! (numbers as `i64`, names as strings) so that a bad value is answered with the same field error as
//! `/filter` gives, from the same checks, rather than with a bare JSON type error.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    FilterChanges, FilterErrorKind, FilterKey, confidence_from, dedup_assets, describe_error_kind,
    hours_from, parse_lang, parse_timezone,
};
use crate::domain::i18n::Lang;
use crate::domain::preferences::{Delivery, MessageFormat, ReportFrequency};
use crate::domain::signal::{Asset, SignalKind};

/// A partial update of a user's preferences, e.g.
/// `{"confidence_threshold": 80, "signal_types": {"alert": "silent"}, "notification_hours": {"start": 8, "end": 22}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreferencesPatch {
    pub confidence_threshold: Option<i64>,
    /// Only the listed types change: `{"buy": "on", "alert": "silent", "close": "off"}`.
    pub signal_types: Option<BTreeMap<String, String>>,
    pub notification_hours: Option<HoursPatch>,
    pub timezone: Option<String>,
    pub format: Option<String>,
    pub performance_updates: Option<String>,
    pub language: Option<String>,
    /// The complete list; `[]` means every asset.
    pub assets: Option<Vec<String>>,
    /// The complete list of muted assets; `[]` un-mutes them all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted_assets: Option<Vec<String>>,
    /// A chart above buy and sell signals (where the tier includes charts).
    pub charts: Option<bool>,
}

/// `{"start": 8, "end": 22}`; the same rules as `hours:8-22`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoursPatch {
    pub start: i64,
    pub end: i64,
}

impl PreferencesPatch {
    /// The changes, or every bad field (`signal_types.buy`, `assets.2`, …) with an English reason.
    pub fn validate(&self) -> Result<FilterChanges, BTreeMap<String, String>> {
        let mut errors = BTreeMap::new();
        let mut check = |field: String, result: Result<(), FilterErrorKind>| {
            if let Err(kind) = result {
                errors.insert(field, describe_error_kind(kind, Lang::En));
            }
        };
        let mut changes = FilterChanges::default();
        if let Some(value) = self.confidence_threshold {
            let result = confidence_from(value).map(|v| changes.confidence_threshold = Some(v));
            check("confidence_threshold".into(), result);
        }
        if let Some(types) = &self.signal_types {
            let mut modes = BTreeMap::new();
            for (name, mode) in types {
                let result = SignalKind::parse(name)
                    .ok_or(FilterErrorKind::UnknownType)
                    .and_then(|kind| {
                        let mode = Delivery::parse(mode).ok_or(FilterErrorKind::UnknownMode)?;
                        modes.insert(kind, mode);
                        Ok(())
                    });
                check(format!("signal_types.{name}"), result);
            }
            changes.signal_types = Some(modes);
        }
        if let Some(hours) = self.notification_hours {
            let result = hours_from(hours.start, hours.end)
                .map(|window| changes.notification_hours = Some(window));
            check("notification_hours".into(), result);
        }
        if let Some(name) = &self.timezone {
            let result = parse_timezone(name).map(|tz| changes.timezone = Some(tz));
            check("timezone".into(), result);
        }
        let unknown = FilterErrorKind::UnknownValue;
        if let Some(name) = &self.format {
            let result = MessageFormat::parse(name)
                .map(|format| changes.format = Some(format))
                .ok_or(unknown(FilterKey::Format));
            check("format".into(), result);
        }
        if let Some(name) = &self.performance_updates {
            let result = ReportFrequency::parse(name)
                .map(|frequency| changes.performance_updates = Some(frequency))
                .ok_or(unknown(FilterKey::Reports));
            check("performance_updates".into(), result);
        }
        if let Some(code) = &self.language {
            let result = parse_lang(code)
                .map(|lang| changes.language = Some(lang))
                .ok_or(unknown(FilterKey::Language));
            check("language".into(), result);
        }
        for (field, names, target) in [
            ("assets", &self.assets, &mut changes.assets),
            (
                "muted_assets",
                &self.muted_assets,
                &mut changes.muted_assets,
            ),
        ] {
            let Some(names) = names else { continue };
            let mut assets = Vec::new();
            for (index, name) in names.iter().enumerate() {
                let result = Asset::parse(name)
                    .map(|asset| assets.push(asset))
                    .map_err(|_| FilterErrorKind::BadAsset);
                check(format!("{field}.{index}"), result);
            }
            let result = dedup_assets(assets).map(|assets| *target = Some(assets));
            check(field.into(), result);
        }
        changes.charts = self.charts;
        if errors.is_empty() {
            Ok(changes)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::domain::filter::{FilterCommand, parse_filter};
    use crate::domain::preferences::{HourWindow, Preferences};

    #[test]
    fn a_valid_patch_equals_the_same_filter_command() {
        let patch = PreferencesPatch {
            confidence_threshold: Some(80),
            signal_types: Some(BTreeMap::from([
                ("buy".into(), "on".into()),
                ("sell".into(), "ON".into()),
                ("close".into(), "off".into()),
                ("alert".into(), "silent".into()),
            ])),
            notification_hours: Some(HoursPatch { start: 22, end: 6 }),
            timezone: Some("europe/berlin".into()),
            format: Some("compact".into()),
            performance_updates: Some("daily".into()),
            language: Some("es".into()),
            assets: Some(vec!["btc/usd".into(), "ETH/USD".into(), "BTC/USD".into()]),
            muted_assets: Some(vec!["xrp/usd".into()]),
            charts: Some(false),
        };
        let from_patch = patch.validate().unwrap().apply(&Preferences::default());
        let Ok(FilterCommand::Set(changes)) = parse_filter(
            "confidence:80 types:buy,sell silent:alert hours:22-6 tz:Europe/Berlin \
             format:compact reports:daily lang:es assets:BTC/USD,ETH/USD muted:XRP/USD charts:off",
        ) else {
            panic!("the filter command should parse");
        };
        assert_eq!(from_patch, changes.apply(&Preferences::default()));
        assert_eq!(
            from_patch.notification_hours,
            HourWindow { start: 22, end: 6 }
        );
    }

    #[test]
    fn every_bad_field_is_reported() {
        let patch = PreferencesPatch {
            confidence_threshold: Some(150),
            signal_types: Some(BTreeMap::from([
                ("buy".into(), "loud".into()),
                ("hold".into(), "on".into()),
            ])),
            notification_hours: Some(HoursPatch { start: 24, end: 6 }),
            timezone: Some("Mars/Olympus".into()),
            format: Some("tiny".into()),
            performance_updates: Some("hourly".into()),
            language: Some("fr".into()),
            assets: Some(vec!["BTC/USD".into(), "BAD ASSET".into()]),
            muted_assets: Some(vec!["no way".into()]),
            charts: None,
        };
        let errors = patch.validate().unwrap_err();
        let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "assets.1",
                "confidence_threshold",
                "format",
                "language",
                "muted_assets.0",
                "notification_hours",
                "performance_updates",
                "signal_types.buy",
                "signal_types.hold",
                "timezone",
            ]
        );
        assert_eq!(
            errors["confidence_threshold"],
            "confidence must be a whole number from 0 to 100"
        );
        assert!(
            errors["language"].contains("en, es"),
            "{}",
            errors["language"]
        );
    }

    #[test]
    fn too_many_assets_and_empty_patch() {
        let names = (0..=50).map(|i| format!("A{i}")).collect();
        let patch = PreferencesPatch {
            assets: Some(names),
            ..PreferencesPatch::default()
        };
        assert!(patch.validate().unwrap_err().contains_key("assets"));
        assert!(PreferencesPatch::default().validate().unwrap().is_empty());
    }

    #[test]
    fn json_shape() {
        let patch: PreferencesPatch = serde_json::from_str(
            r#"{"confidence_threshold": 70, "signal_types": {"alert": "off"},
                "notification_hours": {"start": 0, "end": 24}, "assets": []}"#,
        )
        .unwrap();
        let changes = patch.validate().unwrap();
        assert_eq!(changes.confidence_threshold, Some(70));
        assert_eq!(changes.notification_hours, Some(HourWindow::ALL_DAY));
        assert_eq!(changes.assets, Some(Vec::new()));
        assert!(serde_json::from_str::<PreferencesPatch>(r#"{"colour": "red"}"#).is_err());
    }
}
