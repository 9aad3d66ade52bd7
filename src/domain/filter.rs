//! The `/filter` grammar: `confidence:80 types:buy,sell assets:BTC/USD hours:8-22 tz:Europe/Berlin`.
//!
//! One parser, three users: the bot's `/filter`, the admin API's `PUT /api/users/{id}/preferences`
//! (through [`PreferencesPatch`], which calls the same value checks) and [`to_filter_string`], which
//! prints preferences back as arguments that parse to the same preferences.
//!
//! Keys are case-insensitive and may be separated from their value by `:` or `=`. A space after the
//! separator or after a comma is tolerated (`confidence: 80`, `types:buy, sell`), because phones insert
//! one. Values:
//! - `confidence:0..100` (a trailing `%` is allowed);
//! - `types:buy,sell,close,alert` — listed types are on, the others off; `types:all`, `types:none`;
//! - `silent:alert,close` — listed types are delivered without sound (`silent:all`); applied after
//!   `types:`, so `types:buy silent:alert` receives buy loudly and alerts quietly;
//! - `assets:BTC/USD,ETH/USD` — at most [`MAX_ASSETS`]; `assets:all` follows every asset
//!   (`assets:ALL,` is the one instrument named ALL);
//! - `muted:XRP/USD,SOL/USD` — never sent, followed or not (`🔕 Mute` under a signal adds one);
//!   `muted:none` un-mutes them all (`muted:NONE,` is the instrument named NONE);
//! - `hours:8-22` local time, `22-6` crosses midnight, `hours:all` = `0-24` = all day (`8-8` too);
//!   `HH:00` is accepted for either bound;
//! - `tz:Europe/Berlin` (any IANA name, case-insensitive; `UTC`; `UTC+2`/`GMT-5` map to `Etc/GMT∓N`);
//! - `format:compact|detailed`, `reports:daily|weekly|never`, `lang:en|es` (aliases `timezone`,
//!   `language`);
//! - `charts:on|off` — a chart above buy and sell signals (where the tier includes charts).

mod patch;
mod text;
mod tokens;
mod values;

use std::collections::{BTreeMap, BTreeSet};

use chrono_tz::Tz;

use super::i18n::Lang;
use super::preferences::{Delivery, HourWindow, MessageFormat, Preferences, ReportFrequency};
use super::signal::{Asset, SignalKind};

pub use patch::{HoursPatch, PreferencesPatch};
pub use text::{describe_error, describe_error_kind, describe_filters};
pub use values::{
    confidence_from, dedup_assets, hours_from, parse_confidence, parse_hours, parse_lang,
    parse_timezone,
};

use tokens::{Token, tokenize};

/// How many assets a user may follow; keeps the list readable and the recipient check cheap.
pub const MAX_ASSETS: usize = 50;

/// What a `/filter` message asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterCommand {
    /// Bare `/filter`: show the current filters.
    Show,
    /// `/filter reset`: back to [`Preferences::default`].
    Reset,
    /// One or more `key:value` changes.
    Set(FilterChanges),
}

/// A validated set of changes; `None` leaves a preference as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilterChanges {
    pub confidence_threshold: Option<u8>,
    /// Only the listed types change; `types:` lists all four, `silent:` only its own.
    pub signal_types: Option<BTreeMap<SignalKind, Delivery>>,
    /// Empty means every asset; deduplicated, in the order given.
    pub assets: Option<Vec<Asset>>,
    /// The complete muted list; empty un-mutes everything.
    pub muted_assets: Option<Vec<Asset>>,
    pub notification_hours: Option<HourWindow>,
    pub timezone: Option<Tz>,
    pub format: Option<MessageFormat>,
    pub performance_updates: Option<ReportFrequency>,
    pub language: Option<Lang>,
    pub charts: Option<bool>,
}

impl FilterChanges {
    /// `prefs` with these changes made.
    pub fn apply(&self, prefs: &Preferences) -> Preferences {
        let mut next = prefs.clone();
        if let Some(value) = self.confidence_threshold {
            next.confidence_threshold = value;
        }
        for (kind, mode) in self.signal_types.iter().flatten() {
            next.signal_types.set(*kind, *mode);
        }
        if let Some(assets) = &self.assets {
            next.assets.clone_from(assets);
        }
        if let Some(muted) = &self.muted_assets {
            next.muted_assets.clone_from(muted);
        }
        if let Some(value) = self.notification_hours {
            next.notification_hours = value;
        }
        if let Some(value) = self.timezone {
            next.timezone = value;
        }
        if let Some(value) = self.format {
            next.format = value;
        }
        if let Some(value) = self.performance_updates {
            next.performance_updates = value;
        }
        if let Some(value) = self.language {
            next.language = value;
        }
        if let Some(value) = self.charts {
            next.charts = value;
        }
        next
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A `/filter` key, by its canonical name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FilterKey {
    Confidence,
    Types,
    Silent,
    Assets,
    Muted,
    Hours,
    Timezone,
    Format,
    Reports,
    Language,
    Charts,
}

impl FilterKey {
    pub const ALL: [FilterKey; 11] = [
        Self::Confidence,
        Self::Types,
        Self::Silent,
        Self::Assets,
        Self::Muted,
        Self::Hours,
        Self::Timezone,
        Self::Format,
        Self::Reports,
        Self::Language,
        Self::Charts,
    ];

    /// The name users type, as printed by [`to_filter_string`].
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confidence => "confidence",
            Self::Types => "types",
            Self::Silent => "silent",
            Self::Assets => "assets",
            Self::Muted => "muted",
            Self::Hours => "hours",
            Self::Timezone => "tz",
            Self::Format => "format",
            Self::Reports => "reports",
            Self::Language => "lang",
            Self::Charts => "charts",
        }
    }

    /// Case-insensitive, with the long aliases `timezone` and `language`.
    pub fn parse(text: &str) -> Option<Self> {
        let lower = text.to_ascii_lowercase();
        match lower.as_str() {
            "timezone" => Some(Self::Timezone),
            "language" => Some(Self::Language),
            _ => Self::ALL.into_iter().find(|key| key.as_str() == lower),
        }
    }
}

/// Why a `/filter` argument was refused; `token` is the exact text at char index `position` of the
/// arguments (the whole `key:value`, or the one bad item of a list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub token: String,
    pub position: usize,
    pub kind: FilterErrorKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterErrorKind {
    UnknownKey,
    MissingValue(FilterKey),
    /// Confidence that is not a whole number.
    BadNumber,
    /// Confidence outside 0–100.
    OutOfRange,
    UnknownType,
    /// Delivery mode other than on/silent/off (admin API only).
    UnknownMode,
    BadAsset,
    BadHours,
    UnknownTimezone,
    /// A format, report frequency or language that is not one of the choices.
    UnknownValue(FilterKey),
    Duplicate(FilterKey),
    TooManyAssets,
    /// `reset` together with other arguments.
    ResetAlone,
}

/// Parses the text after `/filter`. Nothing is applied here, so a refused command changes nothing.
pub fn parse_filter(args: &str) -> Result<FilterCommand, FilterError> {
    let tokens = tokenize(args);
    match tokens.as_slice() {
        [] => return Ok(FilterCommand::Show),
        [only] if only.text.eq_ignore_ascii_case("reset") => return Ok(FilterCommand::Reset),
        _ => {}
    }
    let mut changes = FilterChanges::default();
    let mut seen = BTreeSet::new();
    let (mut on, mut silent) = (None, None);
    for token in &tokens {
        let fail = |kind| token.error(kind);
        if token.text.eq_ignore_ascii_case("reset") {
            return Err(fail(FilterErrorKind::ResetAlone));
        }
        let Some(split) = token.text.find([':', '=']) else {
            return Err(fail(match FilterKey::parse(token.text) {
                Some(key) => FilterErrorKind::MissingValue(key),
                None => FilterErrorKind::UnknownKey,
            }));
        };
        let key = FilterKey::parse(token.text[..split].trim())
            .ok_or_else(|| fail(FilterErrorKind::UnknownKey))?;
        if !seen.insert(key) {
            return Err(fail(FilterErrorKind::Duplicate(key)));
        }
        let value = token.text[split + 1..].trim();
        if value.is_empty() || value.split(',').all(|item| item.trim().is_empty()) {
            return Err(fail(FilterErrorKind::MissingValue(key)));
        }
        let unknown = || fail(FilterErrorKind::UnknownValue(key));
        match key {
            FilterKey::Confidence => {
                changes.confidence_threshold = Some(parse_confidence(value).map_err(fail)?);
            }
            FilterKey::Types => on = Some(parse_types(token, split + 1)?),
            FilterKey::Silent => silent = Some(parse_types(token, split + 1)?),
            FilterKey::Assets => changes.assets = Some(parse_assets(token, split + 1, "all")?),
            FilterKey::Muted => {
                changes.muted_assets = Some(parse_assets(token, split + 1, "none")?);
            }
            FilterKey::Hours => {
                changes.notification_hours = Some(parse_hours(value).map_err(fail)?)
            }
            FilterKey::Timezone => changes.timezone = Some(parse_timezone(value).map_err(fail)?),
            FilterKey::Format => {
                changes.format = Some(MessageFormat::parse(value).ok_or_else(unknown)?)
            }
            FilterKey::Reports => {
                changes.performance_updates =
                    Some(ReportFrequency::parse(value).ok_or_else(unknown)?);
            }
            FilterKey::Language => changes.language = Some(parse_lang(value).ok_or_else(unknown)?),
            FilterKey::Charts => changes.charts = Some(parse_switch(value).ok_or_else(unknown)?),
        }
    }
    changes.signal_types = merge_types(on, silent);
    Ok(FilterCommand::Set(changes))
}

/// `types:` first (listed on, the rest off), then `silent:` on top, whatever order they were typed in.
fn merge_types(
    on: Option<BTreeSet<SignalKind>>,
    silent: Option<BTreeSet<SignalKind>>,
) -> Option<BTreeMap<SignalKind, Delivery>> {
    if on.is_none() && silent.is_none() {
        return None;
    }
    let mut modes = BTreeMap::new();
    if let Some(on) = on {
        for kind in SignalKind::ALL {
            let mode = if on.contains(&kind) {
                Delivery::On
            } else {
                Delivery::Off
            };
            modes.insert(kind, mode);
        }
    }
    for kind in silent.into_iter().flatten() {
        modes.insert(kind, Delivery::Silent);
    }
    Some(modes)
}

/// Prints `prefs` as `/filter` arguments; `parse_filter` of the result applied to the defaults gives
/// `prefs` back (for preferences whose assets are distinct and at most [`MAX_ASSETS`]).
pub fn to_filter_string(prefs: &Preferences) -> String {
    let kinds_with = |mode| -> Vec<&str> {
        SignalKind::ALL
            .into_iter()
            .filter(|kind| prefs.signal_types.get(*kind) == mode)
            .map(SignalKind::as_str)
            .collect()
    };
    let (on, silent) = (kinds_with(Delivery::On), kinds_with(Delivery::Silent));
    let list = |names: &[&str]| match names.len() {
        0 => "none".to_owned(),
        4 => "all".to_owned(),
        _ => names.join(","),
    };
    let mut parts = vec![
        format!("confidence:{}", prefs.confidence_threshold),
        format!("types:{}", list(&on)),
    ];
    if !silent.is_empty() {
        parts.push(format!("silent:{}", list(&silent)));
    }
    let assets: Vec<&str> = prefs.assets.iter().map(Asset::as_str).collect();
    parts.push(format!(
        "assets:{}",
        match assets.as_slice() {
            [] => "all".to_owned(),
            // The trailing comma keeps a lone instrument named ALL from reading as "every asset".
            [only] if only.eq_ignore_ascii_case("all") => format!("{only},"),
            _ => assets.join(","),
        }
    ));
    if !prefs.muted_assets.is_empty() {
        let muted: Vec<&str> = prefs.muted_assets.iter().map(Asset::as_str).collect();
        parts.push(format!(
            "muted:{}",
            match muted.as_slice() {
                [only] if only.eq_ignore_ascii_case("none") => format!("{only},"),
                _ => muted.join(","),
            }
        ));
    }
    parts.push(format!("hours:{}", hours_text(prefs.notification_hours)));
    parts.push(format!("tz:{}", prefs.timezone.name()));
    parts.push(format!("format:{}", prefs.format.as_str()));
    parts.push(format!("reports:{}", prefs.performance_updates.as_str()));
    parts.push(format!("lang:{}", prefs.language.code()));
    // Like `silent:`, printed only when it differs from the default.
    if !prefs.charts {
        parts.push("charts:off".to_owned());
    }
    parts.join(" ")
}

/// `on` or `off`, case-insensitive.
pub fn parse_switch(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "on" => Some(true),
        "off" => Some(false),
        _ => None,
    }
}

/// `all`, `8-22`, `22-6`, `8-24`; the inverse of [`parse_hours`], keeping `8-8` as typed.
fn hours_text(window: HourWindow) -> String {
    match (window.start, window.end) {
        (0, 0) => "all".to_owned(),
        (start, 0) => format!("{start}-24"),
        (start, end) => format!("{start}-{end}"),
    }
}

/// The kinds listed after byte `from`; `all`/`none` only on their own.
fn parse_types(token: &Token<'_>, from: usize) -> Result<BTreeSet<SignalKind>, FilterError> {
    let items = token.items(from);
    match items.as_slice() {
        [(only, ..)] if only.eq_ignore_ascii_case("all") => return Ok(SignalKind::ALL.into()),
        [(only, ..)] if only.eq_ignore_ascii_case("none") => return Ok(BTreeSet::new()),
        _ => {}
    }
    items
        .into_iter()
        .map(|(item, start, end)| {
            SignalKind::parse(item)
                .ok_or_else(|| token.error_at(start, end, FilterErrorKind::UnknownType))
        })
        .collect()
}

/// A list of assets; the bare word `empty` (`all` for `assets:`, `none` for `muted:`) is the
/// empty list.
fn parse_assets(token: &Token<'_>, from: usize, empty: &str) -> Result<Vec<Asset>, FilterError> {
    // Only the bare word means the empty list, so `assets:ALL,` still follows an instrument
    // named ALL.
    if token.text[from..].trim().eq_ignore_ascii_case(empty) {
        return Ok(Vec::new());
    }
    let assets = token
        .items(from)
        .into_iter()
        .map(|(item, start, end)| {
            Asset::parse(item).map_err(|_| token.error_at(start, end, FilterErrorKind::BadAsset))
        })
        .collect::<Result<Vec<_>, _>>()?;
    dedup_assets(assets).map_err(|kind| token.error(kind))
}

#[cfg(test)]
mod tests;
