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
//! - `hours:8-22` local time, `22-6` crosses midnight, `hours:all` = `0-24` = all day (`8-8` too);
//!   `HH:00` is accepted for either bound;
//! - `tz:Europe/Berlin` (any IANA name, case-insensitive; `UTC`; `UTC+2`/`GMT-5` map to `Etc/GMT∓N`);
//! - `format:compact|detailed`, `reports:daily|weekly|never`, `lang:en|es` (aliases `timezone`,
//!   `language`).

mod patch;
mod text;

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use chrono_tz::Tz;

use super::i18n::Lang;
use super::preferences::{Delivery, HourWindow, MessageFormat, Preferences, ReportFrequency};
use super::signal::{Asset, SignalKind};

pub use patch::{HoursPatch, PreferencesPatch};
pub use text::{describe_error, describe_error_kind, describe_filters};

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
    pub notification_hours: Option<HourWindow>,
    pub timezone: Option<Tz>,
    pub format: Option<MessageFormat>,
    pub performance_updates: Option<ReportFrequency>,
    pub language: Option<Lang>,
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
    Hours,
    Timezone,
    Format,
    Reports,
    Language,
}

impl FilterKey {
    pub const ALL: [FilterKey; 9] = [
        Self::Confidence,
        Self::Types,
        Self::Silent,
        Self::Assets,
        Self::Hours,
        Self::Timezone,
        Self::Format,
        Self::Reports,
        Self::Language,
    ];

    /// The name users type, as printed by [`to_filter_string`].
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confidence => "confidence",
            Self::Types => "types",
            Self::Silent => "silent",
            Self::Assets => "assets",
            Self::Hours => "hours",
            Self::Timezone => "tz",
            Self::Format => "format",
            Self::Reports => "reports",
            Self::Language => "lang",
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
            FilterKey::Assets => changes.assets = Some(parse_assets(token, split + 1)?),
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
    parts.push(format!("hours:{}", hours_text(prefs.notification_hours)));
    parts.push(format!("tz:{}", prefs.timezone.name()));
    parts.push(format!("format:{}", prefs.format.as_str()));
    parts.push(format!("reports:{}", prefs.performance_updates.as_str()));
    parts.push(format!("lang:{}", prefs.language.code()));
    parts.join(" ")
}

/// `all`, `8-22`, `22-6`, `8-24`; the inverse of [`parse_hours`], keeping `8-8` as typed.
fn hours_text(window: HourWindow) -> String {
    match (window.start, window.end) {
        (0, 0) => "all".to_owned(),
        (start, 0) => format!("{start}-24"),
        (start, end) => format!("{start}-{end}"),
    }
}

// ---- value checks shared with `PreferencesPatch` ----

/// A whole number 0–100, with an optional trailing `%`.
pub fn parse_confidence(text: &str) -> Result<u8, FilterErrorKind> {
    let digits = text.strip_suffix('%').unwrap_or(text);
    let unsigned = digits.strip_prefix('-').unwrap_or(digits);
    if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FilterErrorKind::BadNumber);
    }
    // Too many digits for i64 is simply out of range, not "not a number".
    confidence_from(digits.parse().unwrap_or(i64::MAX))
}

/// 0–100 as a threshold.
pub fn confidence_from(value: i64) -> Result<u8, FilterErrorKind> {
    u8::try_from(value)
        .ok()
        .filter(|v| *v <= 100)
        .ok_or(FilterErrorKind::OutOfRange)
}

/// `all`, or `start-end` with `H`, `HH` or `HH:00` bounds (an en dash works too).
pub fn parse_hours(text: &str) -> Result<HourWindow, FilterErrorKind> {
    if text.eq_ignore_ascii_case("all") {
        return Ok(HourWindow::ALL_DAY);
    }
    let (start, end) = text
        .split_once(['-', '–'])
        .ok_or(FilterErrorKind::BadHours)?;
    let hour = |bound: &str| -> Result<i64, FilterErrorKind> {
        let bound = bound.trim();
        let bound = bound.strip_suffix(":00").unwrap_or(bound);
        if bound.is_empty() || bound.len() > 2 || !bound.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FilterErrorKind::BadHours);
        }
        bound.parse().map_err(|_| FilterErrorKind::BadHours)
    };
    hours_from(hour(start)?, hour(end)?)
}

/// Start 0–23, end 0–24 (see [`HourWindow::new`]).
pub fn hours_from(start: i64, end: i64) -> Result<HourWindow, FilterErrorKind> {
    let start = u8::try_from(start).map_err(|_| FilterErrorKind::BadHours)?;
    let end = u8::try_from(end).map_err(|_| FilterErrorKind::BadHours)?;
    HourWindow::new(start, end).ok_or(FilterErrorKind::BadHours)
}

/// An IANA zone, case-insensitively; `UTC±N`/`GMT±N` (whole hours) become `Etc/GMT∓N`, whose sign
/// is inverted by POSIX convention.
pub fn parse_timezone(text: &str) -> Result<Tz, FilterErrorKind> {
    if let Ok(tz) = Tz::from_str(text) {
        return Ok(tz);
    }
    if let Some(tz) = chrono_tz::TZ_VARIANTS
        .iter()
        .find(|tz| tz.name().eq_ignore_ascii_case(text))
    {
        return Ok(*tz);
    }
    let upper = text.to_ascii_uppercase();
    let offset = upper
        .strip_prefix("UTC")
        .or_else(|| upper.strip_prefix("GMT"))
        .ok_or(FilterErrorKind::UnknownTimezone)?;
    let (sign, hours) = match offset.split_at_checked(1) {
        Some(("+", hours)) => ('-', hours),
        Some(("-", hours)) => ('+', hours),
        _ => return Err(FilterErrorKind::UnknownTimezone),
    };
    let hours: u8 = match hours.bytes().all(|b| b.is_ascii_digit()) {
        true => hours
            .parse()
            .map_err(|_| FilterErrorKind::UnknownTimezone)?,
        false => return Err(FilterErrorKind::UnknownTimezone),
    };
    Tz::from_str(&format!("Etc/GMT{sign}{hours}")).map_err(|_| FilterErrorKind::UnknownTimezone)
}

/// `en` or `es` (exact codes: `lang:` is not a Telegram `language_code`).
pub fn parse_lang(text: &str) -> Option<Lang> {
    Lang::ALL
        .into_iter()
        .find(|lang| lang.code().eq_ignore_ascii_case(text))
}

/// Drops repeats (keeping the first) and enforces [`MAX_ASSETS`].
pub fn dedup_assets(assets: Vec<Asset>) -> Result<Vec<Asset>, FilterErrorKind> {
    let mut seen = BTreeSet::new();
    let unique: Vec<Asset> = assets
        .into_iter()
        .filter(|asset| seen.insert(asset.clone()))
        .collect();
    if unique.len() > MAX_ASSETS {
        return Err(FilterErrorKind::TooManyAssets);
    }
    Ok(unique)
}

// ---- tokens ----

/// One `key:value` argument: a slice of the input and its char index there.
struct Token<'a> {
    text: &'a str,
    position: usize,
}

impl Token<'_> {
    fn error(&self, kind: FilterErrorKind) -> FilterError {
        self.error_at(0, self.text.len(), kind)
    }

    /// An error on `text[start..end]` (byte offsets into this token).
    fn error_at(&self, start: usize, end: usize, kind: FilterErrorKind) -> FilterError {
        FilterError {
            token: self.text[start..end].to_owned(),
            position: self.position + self.text[..start].chars().count(),
            kind,
        }
    }

    /// The comma-separated items after byte `from`, each trimmed, with its byte range in the token;
    /// empty items (`buy,,sell`, a trailing comma) are skipped.
    fn items(&self, from: usize) -> Vec<(&str, usize, usize)> {
        let mut items = Vec::new();
        let mut offset = from;
        for raw in self.text[from..].split(',') {
            let item = raw.trim();
            if !item.is_empty() {
                let start = offset + (raw.len() - raw.trim_start().len());
                items.push((item, start, start + item.len()));
            }
            offset += raw.len() + 1;
        }
        items
    }
}

/// Whitespace-separated words, where a word ending in (or the next starting with) `:`, `=` or `,`
/// is joined with the next, so `confidence: 80` and `types:buy, sell` are one token each; a word
/// that starts a new `key:` is never joined, so `assets:BTC, hours:8-22` is two.
fn tokenize(args: &str) -> Vec<Token<'_>> {
    let mut words: Vec<(usize, usize, usize)> = Vec::new(); // byte start, byte end, char start
    let mut current: Option<(usize, usize)> = None;
    for (chars, (byte, c)) in args.char_indices().enumerate() {
        match (c.is_whitespace(), current) {
            (false, None) => current = Some((byte, chars)),
            (true, Some((start, char_start))) => {
                words.push((start, byte, char_start));
                current = None;
            }
            _ => {}
        }
    }
    if let Some((start, char_start)) = current {
        words.push((start, args.len(), char_start));
    }
    let continues = |previous: &str, word: &str| {
        let starts_key = word
            .split_once([':', '='])
            .is_some_and(|(key, _)| FilterKey::parse(key).is_some());
        !starts_key && (previous.ends_with([':', '=', ',']) || word.starts_with([':', '=', ',']))
    };
    let mut tokens: Vec<(usize, usize, usize)> = Vec::new();
    for word in words {
        match tokens.last_mut() {
            Some(last) if continues(&args[last.0..last.1], &args[word.0..word.1]) => {
                last.1 = word.1
            }
            _ => tokens.push(word),
        }
    }
    tokens
        .into_iter()
        .map(|(start, end, position)| Token {
            text: &args[start..end],
            position,
        })
        .collect()
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

fn parse_assets(token: &Token<'_>, from: usize) -> Result<Vec<Asset>, FilterError> {
    // Only the bare word means "all", so `assets:ALL,` still follows an instrument named ALL.
    if token.text[from..].trim().eq_ignore_ascii_case("all") {
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
