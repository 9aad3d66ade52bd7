//! When an open signal expires: intraday timeframes at the next session close, longer ones after
//! a fixed time; both configurable in `herald.toml`:
//!
//! ```toml
//! [performance]
//! session_close = "22:00"          # local time in session_timezone
//! session_timezone = "America/New_York"
//! [performance.horizons]
//! 4H = "3d"                        # "session", or a duration: 90m, 12h, 5d (or 30s)
//! ```

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::Tz;

use super::periods::local_instant;
use crate::domain::signal::Timeframe;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Horizon {
    /// Until the next session close.
    SessionClose,
    After(Duration),
}

impl Horizon {
    /// `session`, or a whole number of seconds, minutes, hours or days: `90m`, `12h`, `5d`.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("session") {
            return Some(Self::SessionClose);
        }
        let unit = text.chars().last()?;
        let count: i64 = text[..text.len() - unit.len_utf8()].parse().ok()?;
        if !(1..=366 * 24 * 3600).contains(&count) {
            return None;
        }
        let duration = match unit {
            's' => Duration::seconds(count),
            'm' => Duration::minutes(count),
            'h' => Duration::hours(count),
            'd' => Duration::days(count),
            _ => return None,
        };
        (duration <= Duration::days(366)).then_some(Self::After(duration))
    }
}

/// A bad `[performance]` setting, naming its key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {problem}")]
pub struct HorizonError {
    pub key: String,
    pub problem: String,
}

fn error(key: &str, problem: impl Into<String>) -> HorizonError {
    HorizonError {
        key: key.to_owned(),
        problem: problem.into(),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Horizons {
    session_close: NaiveTime,
    session_tz: Tz,
    by_timeframe: [Horizon; 7],
}

impl Default for Horizons {
    /// Intraday timeframes (up to 1H) end at the session close, 00:00 UTC, when the daily candle
    /// closes on most venues; 4H signals get five days and daily ones twenty.
    fn default() -> Self {
        let session = Horizon::SessionClose;
        Self {
            session_close: NaiveTime::MIN,
            session_tz: Tz::UTC,
            by_timeframe: [
                session,
                session,
                session,
                session,
                session,
                Horizon::After(Duration::days(5)),
                Horizon::After(Duration::days(20)),
            ],
        }
    }
}

impl Horizons {
    /// The defaults with the settings given; each bad value is an error naming its key.
    pub fn configured(
        session_close: Option<&str>,
        session_timezone: Option<&str>,
        horizons: &BTreeMap<String, String>,
    ) -> Result<Self, HorizonError> {
        let mut result = Self::default();
        if let Some(text) = session_close {
            result.session_close = NaiveTime::parse_from_str(text.trim(), "%H:%M")
                .map_err(|_| error("performance.session_close", "expected HH:MM, e.g. 22:00"))?;
        }
        if let Some(text) = session_timezone {
            result.session_tz = text.trim().parse().map_err(|_| {
                error(
                    "performance.session_timezone",
                    format!("{text:?} is not an IANA time zone"),
                )
            })?;
        }
        for (name, value) in horizons {
            let key = format!("performance.horizons.{name}");
            let index = Timeframe::ALL
                .iter()
                .position(|tf| tf.as_str() == name)
                .ok_or_else(|| error(&key, "not a timeframe (1m 5m 15m 30m 1H 4H 1D)"))?;
            result.by_timeframe[index] = Horizon::parse(value).ok_or_else(|| {
                error(
                    &key,
                    "expected \"session\" or a duration such as 90m, 12h or 5d (at most 366d)",
                )
            })?;
        }
        Ok(result)
    }

    pub fn horizon(&self, timeframe: Timeframe) -> Horizon {
        let index = Timeframe::ALL
            .iter()
            .position(|tf| *tf == timeframe)
            .unwrap_or(0);
        self.by_timeframe[index]
    }

    /// When a signal opened at `opened_at` on `timeframe` expires. A signal without a timeframe
    /// (never a buy or sell that passed validation) is given the intraday rule.
    pub fn expires_at(
        &self,
        timeframe: Option<Timeframe>,
        opened_at: DateTime<Utc>,
    ) -> DateTime<Utc> {
        match timeframe.map_or(Horizon::SessionClose, |tf| self.horizon(tf)) {
            Horizon::After(duration) => opened_at + duration,
            Horizon::SessionClose => self.next_session_close(opened_at),
        }
    }

    /// The first session close strictly after `at`.
    pub fn next_session_close(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        let mut day = at.with_timezone(&self.session_tz).date_naive();
        loop {
            let close = local_instant(day, self.session_close, self.session_tz);
            if close > at {
                return close;
            }
            day += Duration::days(1);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn intraday_ends_at_the_next_session_close() {
        let horizons = Horizons::default();
        let opened = utc(2024, 3, 1, 14, 30);
        assert_eq!(
            horizons.expires_at(Some(Timeframe::M5), opened),
            utc(2024, 3, 2, 0, 0)
        );
        assert_eq!(
            horizons.expires_at(Some(Timeframe::H4), opened),
            utc(2024, 3, 6, 14, 30)
        );
        assert_eq!(
            horizons.expires_at(Some(Timeframe::D1), opened),
            utc(2024, 3, 21, 14, 30)
        );
        // A signal opened exactly at the close runs to the next one.
        assert_eq!(
            horizons.next_session_close(utc(2024, 3, 2, 0, 0)),
            utc(2024, 3, 3, 0, 0)
        );
    }

    #[test]
    fn the_session_close_follows_its_zones_daylight_saving() {
        let horizons = Horizons::configured(
            Some("16:00"),
            Some("America/New_York"),
            &BTreeMap::from([("4H".to_owned(), "session".to_owned())]),
        )
        .unwrap();
        // Winter: 16:00 EST is 21:00 UTC; after 10 March 2024 16:00 EDT is 20:00 UTC.
        let winter = horizons.expires_at(Some(Timeframe::H4), utc(2024, 3, 8, 15, 0));
        assert_eq!(winter, utc(2024, 3, 8, 21, 0));
        let summer = horizons.expires_at(Some(Timeframe::M1), utc(2024, 3, 11, 15, 0));
        assert_eq!(summer, utc(2024, 3, 11, 20, 0));
    }

    #[test]
    fn settings_are_checked_and_name_their_key() {
        let bad = |close: Option<&str>, tz: Option<&str>, name: &str, value: &str| {
            let map = BTreeMap::from([(name.to_owned(), value.to_owned())]);
            Horizons::configured(close, tz, &map).unwrap_err().key
        };
        assert_eq!(
            bad(Some("25:00"), None, "1m", "1h"),
            "performance.session_close"
        );
        assert_eq!(
            bad(None, Some("Mars/Base"), "1m", "1h"),
            "performance.session_timezone"
        );
        assert_eq!(bad(None, None, "2H", "1h"), "performance.horizons.2H");
        assert_eq!(bad(None, None, "1m", "soon"), "performance.horizons.1m");
        assert_eq!(bad(None, None, "1m", "0h"), "performance.horizons.1m");
        assert_eq!(bad(None, None, "1m", "400d"), "performance.horizons.1m");
        assert_eq!(
            Horizon::parse("90m"),
            Some(Horizon::After(Duration::minutes(90)))
        );
        assert_eq!(
            Horizon::parse("30s"),
            Some(Horizon::After(Duration::seconds(30)))
        );
        assert_eq!(Horizon::parse("Session"), Some(Horizon::SessionClose));
        assert_eq!(Horizon::parse("h"), None);
        assert_eq!(Horizon::parse("5é"), None);
    }
}
