//! The value checks behind `/filter` keys, shared with [`super::PreferencesPatch`] so the bot and
//! the admin API accept exactly the same values.

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono_tz::Tz;

use super::{FilterErrorKind, MAX_ASSETS};
use crate::domain::i18n::Lang;
use crate::domain::preferences::HourWindow;
use crate::domain::signal::Asset;

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
