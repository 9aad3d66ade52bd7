//! `[performance]` in `herald.toml`: when reports go out and when open signals expire.
//! `HERALD_REPORT_HOUR` overrides the report hour.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::ConfigError;
use super::reader::Reader;
use crate::domain::performance::Horizons;

/// Reports at 08:00 local: read with breakfast, and after the night's signals have closed.
const DEFAULT_REPORT_HOUR: u8 = 8;

#[derive(Debug, Clone)]
pub struct PerformanceSettings {
    /// Local hour (0-23, in each user's time zone) at which scheduled reports go out.
    pub report_hour: u8,
    /// When open signals expire, per timeframe.
    pub horizons: Horizons,
}

impl Default for PerformanceSettings {
    fn default() -> Self {
        Self {
            report_hour: DEFAULT_REPORT_HOUR,
            horizons: Horizons::default(),
        }
    }
}

/// The `[performance]` table as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PerformanceFile {
    report_hour: Option<u8>,
    session_close: Option<String>,
    session_timezone: Option<String>,
    #[serde(default)]
    horizons: BTreeMap<String, String>,
}

pub(super) fn load(
    reader: &Reader,
    file: Option<&PerformanceFile>,
) -> Result<PerformanceSettings, ConfigError> {
    let default = PerformanceFile::default();
    let file = file.unwrap_or(&default);
    let report_hour = reader.number(
        "HERALD_REPORT_HOUR",
        file.report_hour,
        DEFAULT_REPORT_HOUR,
        0..=23,
        "an hour",
    )?;
    let horizons = Horizons::configured(
        file.session_close.as_deref(),
        file.session_timezone.as_deref(),
        &file.horizons,
    )
    .map_err(|err| ConfigError::new(&err.key, err.problem))?;
    Ok(PerformanceSettings {
        report_hour,
        horizons,
    })
}
