//! Windows and report periods across time zones and daylight-saving changes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::periods::local_instant;
use super::*;

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

const BERLIN: Tz = chrono_tz::Europe::Berlin;
const NEW_YORK: Tz = chrono_tz::America::New_York;

#[test]
fn windows_start_at_the_users_midnight() {
    // 31 March 2024 is the spring-forward day in Berlin; its midnight is still CET (UTC+1).
    let now = utc(2024, 3, 31, 12, 0);
    assert_eq!(
        window_start(Period::Today, now, BERLIN),
        Some(utc(2024, 3, 30, 23, 0))
    );
    assert_eq!(
        window_start(Period::Today, now, Tz::UTC),
        Some(utc(2024, 3, 31, 0, 0))
    );
    // Late evening UTC is already tomorrow in Tokyo.
    let late = utc(2024, 3, 31, 20, 0);
    assert_eq!(
        window_start(Period::Today, late, chrono_tz::Asia::Tokyo),
        Some(utc(2024, 3, 31, 15, 0))
    );
    // 7 days counts today: 27 March (CET) to 2 April (CEST).
    let now = utc(2024, 4, 2, 10, 0);
    assert_eq!(
        window_start(Period::Days7, now, BERLIN),
        Some(utc(2024, 3, 26, 23, 0))
    );
    assert_eq!(
        window_start(Period::Days30, now, BERLIN),
        Some(utc(2024, 3, 3, 23, 0))
    );
    assert_eq!(window_start(Period::All, now, BERLIN), None);
}

#[test]
fn a_midnight_skipped_by_daylight_saving_starts_at_the_first_real_instant() {
    // Chile moved clocks from 00:00 to 01:00 on 8 September 2024: the day starts at 01:00 -03.
    let santiago: Tz = chrono_tz::America::Santiago;
    assert_eq!(day_start(date(2024, 9, 8), santiago), utc(2024, 9, 8, 4, 0));
    // A time that happens twice (Berlin, 27 October 2024, 02:30) is taken the first time (CEST).
    let twice = local_instant(
        date(2024, 10, 27),
        NaiveTime::from_hms_opt(2, 30, 0).unwrap(),
        BERLIN,
    );
    assert_eq!(twice, utc(2024, 10, 27, 0, 30));
}

#[test]
fn periods_parse_and_print() {
    for period in Period::ALL {
        assert_eq!(Period::parse(period.as_str()), Some(period));
    }
    assert_eq!(Period::parse("7D"), Some(Period::Days7));
    assert_eq!(Period::parse("week"), None);
}

#[test]
fn daily_reports_cover_yesterday_and_are_due_at_the_local_hour() {
    // Before 08:00 local the latest due report is yesterday's (covering the day before).
    let before = latest_due_report(ReportKind::Daily, utc(2024, 3, 29, 6, 59), BERLIN, 8);
    assert_eq!(before.key, "daily:2024-03-27");
    assert_eq!(before.due_at, utc(2024, 3, 28, 7, 0));
    let at = latest_due_report(ReportKind::Daily, utc(2024, 3, 29, 7, 0), BERLIN, 8);
    assert_eq!(at.key, "daily:2024-03-28");
    assert_eq!(
        (at.first_day, at.last_day),
        (date(2024, 3, 28), date(2024, 3, 28))
    );
    assert_eq!(
        (at.from, at.until),
        (utc(2024, 3, 27, 23, 0), utc(2024, 3, 28, 23, 0))
    );
    assert_eq!(at.due_at, utc(2024, 3, 29, 7, 0));
}

#[test]
fn daily_reports_across_the_spring_forward_change() {
    // 08:00 on 31 March is CEST (06:00 UTC), an hour earlier in UTC than the day before.
    let saturday = latest_due_report(ReportKind::Daily, utc(2024, 3, 30, 7, 0), BERLIN, 8);
    assert_eq!(saturday.due_at, utc(2024, 3, 30, 7, 0));
    let early = latest_due_report(ReportKind::Daily, utc(2024, 3, 31, 5, 59), BERLIN, 8);
    assert_eq!(early.key, saturday.key);
    let sunday = latest_due_report(ReportKind::Daily, utc(2024, 3, 31, 6, 0), BERLIN, 8);
    assert_eq!(sunday.key, "daily:2024-03-30");
    assert_eq!(sunday.due_at, utc(2024, 3, 31, 6, 0));
    // The report on the short day itself covers 23 hours.
    let monday = latest_due_report(ReportKind::Daily, utc(2024, 4, 1, 6, 0), BERLIN, 8);
    assert_eq!(monday.key, "daily:2024-03-31");
    assert_eq!(monday.until - monday.from, chrono::Duration::hours(23));
}

#[test]
fn daily_reports_across_the_fall_back_change() {
    // New York, 3 November 2024: 08:00 EST is 13:00 UTC, and the day before lasts 25 hours.
    let report = latest_due_report(ReportKind::Daily, utc(2024, 11, 4, 13, 0), NEW_YORK, 8);
    assert_eq!(report.key, "daily:2024-11-03");
    assert_eq!(report.until - report.from, chrono::Duration::hours(25));
    let due = latest_due_report(ReportKind::Daily, utc(2024, 11, 3, 13, 0), NEW_YORK, 8);
    assert_eq!(
        (due.key.as_str(), due.due_at),
        ("daily:2024-11-02", utc(2024, 11, 3, 13, 0))
    );
    let not_yet = latest_due_report(ReportKind::Daily, utc(2024, 11, 3, 12, 59), NEW_YORK, 8);
    assert_eq!(not_yet.key, "daily:2024-11-01");
}

#[test]
fn weekly_reports_cover_monday_to_sunday_due_the_next_monday() {
    let report = latest_due_report(ReportKind::Weekly, utc(2024, 4, 1, 6, 0), BERLIN, 8);
    assert_eq!(report.key, "weekly:2024-W13");
    assert_eq!(
        (report.first_day, report.last_day),
        (date(2024, 3, 25), date(2024, 3, 31))
    );
    assert_eq!(report.from, utc(2024, 3, 24, 23, 0));
    assert_eq!(report.until, utc(2024, 3, 31, 22, 0));
    assert_eq!(report.due_at, utc(2024, 4, 1, 6, 0));
    let earlier = latest_due_report(ReportKind::Weekly, utc(2024, 4, 1, 5, 59), BERLIN, 8);
    assert_eq!(earlier.key, "weekly:2024-W12");
    assert_eq!(earlier.due_at, utc(2024, 3, 25, 7, 0));
    // Midweek, the latest due is still last Monday's.
    let midweek = latest_due_report(ReportKind::Weekly, utc(2024, 4, 4, 12, 0), BERLIN, 8);
    assert_eq!(midweek.key, "weekly:2024-W13");
    // ISO weeks that straddle a new year carry the ISO year.
    let new_year = latest_due_report(ReportKind::Weekly, utc(2025, 1, 6, 12, 0), Tz::UTC, 8);
    assert_eq!(new_year.key, "weekly:2025-W01");
    let before = latest_due_report(ReportKind::Weekly, utc(2024, 12, 30, 12, 0), Tz::UTC, 8);
    assert_eq!(before.key, "weekly:2024-W52");
}
