//! Time windows in the user's time zone: "today" begins at the user's midnight, not UTC's, and
//! scheduled reports are due at a local hour. Daylight-saving changes make some local times
//! happen twice (the earlier one is used) or never (the first instant after the gap is used).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The windows `/performance`, the API and reports know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Period {
    #[serde(rename = "today")]
    Today,
    #[serde(rename = "7d")]
    Days7,
    #[serde(rename = "30d")]
    Days30,
    #[serde(rename = "all")]
    All,
}

impl Period {
    pub const ALL: [Period; 4] = [Self::Today, Self::Days7, Self::Days30, Self::All];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Today => "today",
            Self::Days7 => "7d",
            Self::Days30 => "30d",
            Self::All => "all",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(text))
    }

    /// Calendar days covered, today included; `None` for all time.
    pub fn days(self) -> Option<u32> {
        match self {
            Self::Today => Some(1),
            Self::Days7 => Some(7),
            Self::Days30 => Some(30),
            Self::All => None,
        }
    }
}

/// The first instant of `time` on `date` in `tz`.
pub(super) fn local_instant(date: NaiveDate, time: NaiveTime, tz: Tz) -> DateTime<Utc> {
    let wanted = date.and_time(time);
    // A gap (clocks jumped forward over `time`) lasts at most a few hours; step through it.
    for minutes in 0..=(4 * 60) {
        let local = wanted + Duration::minutes(minutes);
        if let Some(at) = tz.from_local_datetime(&local).earliest() {
            return at.with_timezone(&Utc);
        }
    }
    // Unreachable for real zones; the UTC reading keeps the function total.
    Utc.from_utc_datetime(&wanted)
}

/// Local midnight of `date` in `tz` (the first instant of the day).
pub fn day_start(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    local_instant(date, NaiveTime::MIN, tz)
}

/// Where a window begins: today's local midnight for `Today`, the midnight 6 or 29 days before
/// for `7d` and `30d` (so they span 7 and 30 calendar days, today included); `None` for `All`.
pub fn window_start(period: Period, now: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
    let today = now.with_timezone(&tz).date_naive();
    let days = period.days()?;
    Some(day_start(today - Duration::days(i64::from(days) - 1), tz))
}

/// How often a user wants a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportKind {
    Daily,
    Weekly,
}

impl ReportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Daily => "daily",
            Self::Weekly => "weekly",
        }
    }
}

/// One report: what it covers and when it is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPeriod {
    pub kind: ReportKind,
    /// Unique per user and period (`daily:2024-03-30`, `weekly:2024-W13`): the key that keeps a
    /// report from going out twice.
    pub key: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// Local midnight starting `first_day`.
    pub from: DateTime<Utc>,
    /// Local midnight ending `last_day`.
    pub until: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
}

/// The latest report of `kind` due at or before `now` for a user in `tz`, with reports going
/// out at `hour`:00 local time. A daily report covers the previous local day and is due that
/// morning; a weekly one covers Monday to Sunday and is due the next Monday morning.
pub fn latest_due_report(kind: ReportKind, now: DateTime<Utc>, tz: Tz, hour: u8) -> ReportPeriod {
    let at_hour = NaiveTime::from_hms_opt(u32::from(hour.min(23)), 0, 0).unwrap_or(NaiveTime::MIN);
    let today = now.with_timezone(&tz).date_naive();
    let (step, mut due_day) = match kind {
        ReportKind::Daily => (1, today),
        ReportKind::Weekly => (
            7,
            today - Duration::days(i64::from(today.weekday().num_days_from_monday())),
        ),
    };
    if local_instant(due_day, at_hour, tz) > now {
        due_day -= Duration::days(step);
    }
    let first_day = due_day - Duration::days(step);
    let last_day = due_day - Duration::days(1);
    let key = match kind {
        ReportKind::Daily => format!("daily:{first_day}"),
        ReportKind::Weekly => {
            let week = first_day.iso_week();
            format!("weekly:{}-W{:02}", week.year(), week.week())
        }
    };
    ReportPeriod {
        kind,
        key,
        first_day,
        last_day,
        from: day_start(first_day, tz),
        until: day_start(due_day, tz),
        due_at: local_instant(due_day, at_hour, tz),
    }
}
