//! The performance table and reports: complete, valid Telegram HTML, within the length given.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::domain::i18n::Lang;
use crate::domain::render::{check_telegram_html, visible_len_utf16};
use crate::domain::signal::Timeframe;

fn trades(assets: usize, per_asset: usize) -> Vec<ClosedTrade> {
    let t0 = Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap();
    let mut all = Vec::new();
    for a in 0..assets {
        for i in 0..per_asset {
            let closed_at = t0 + Duration::hours((a * per_asset + i) as i64);
            all.push(ClosedTrade {
                asset: format!("<ASSET&{a:02}>/USD"),
                model: Some(format!("model-{}", a % 7)),
                direction: if i % 2 == 0 {
                    Direction::Buy
                } else {
                    Direction::Sell
                },
                timeframe: Some(Timeframe::ALL[a % 7]),
                confidence: (50 + a * 7 % 50) as u8,
                opened_at: closed_at - Duration::minutes(95),
                closed_at,
                return_pct: Some(if i % 3 == 0 { -1.25 } else { 2.5 }),
                risk_pct: Some(1.0),
            });
        }
    }
    all
}

fn view<'a>(summary: &'a Summary, yours: &'a Figures) -> PerformanceView<'a> {
    PerformanceView {
        period: Period::Days30,
        asset: None,
        summary,
        yours: Some(yours),
        trades: None,
        history_days: Some(7),
        updated: Utc.with_ymd_and_hms(2024, 3, 31, 10, 0, 0).unwrap(),
        tz: chrono_tz::Europe::Berlin,
    }
}

#[test]
fn the_table_fits_a_caption_and_a_message_in_every_language() {
    let all = trades(20, 6);
    let summary = summarize(&all);
    let yours = figures(&all[..10]);
    for lang in Lang::ALL {
        for budget in [1024, 4096] {
            let text = performance_text(lang, &view(&summary, &yours), budget);
            check_telegram_html(&text).unwrap_or_else(|e| panic!("{e}:\n{text}"));
            assert!(
                visible_len_utf16(&text) <= budget,
                "{lang:?} {budget}: {text}"
            );
            assert!(text.contains("2024-03-31 12:00 CEST"), "{text}");
        }
    }
    let caption = performance_text(Lang::En, &view(&summary, &yours), 1024);
    let message = performance_text(Lang::En, &view(&summary, &yours), 4096);
    assert!(
        message.len() > caption.len(),
        "a message has room for more breakdowns"
    );
    assert!(
        message.contains("By confidence") && message.contains("…and 15 more"),
        "{message}"
    );
    assert!(
        caption.contains("By asset") && caption.contains("&lt;ASSET&amp;"),
        "{caption}"
    );
    assert!(caption.contains("Your plan covers the last 7 days."));
}

#[test]
fn headline_figures_read_naturally() {
    let all = trades(1, 3);
    // +2.5, +2.5 after a -1.25: two wins, one loss; profit factor 5 / 1.25 = 4.
    let summary = summarize(&all);
    let none = figures(&[]);
    let text = performance_text(Lang::En, &view(&summary, &none), 4096);
    for expected in [
        "📊 <b>Performance · last 30 days</b>",
        "Closed: 3 · ✅ 2 · ❌ 1 · ⚪ 0",
        "Win rate 67% · average +1.25% · total +3.75%",
        "Profit factor 4.00 · expectancy +1.25R · max drawdown 1.25%",
        "Average holding time: 1h 35m",
        "👤 Your record: none of the signals you received has closed in this period.",
    ] {
        assert!(text.contains(expected), "{expected:?} in\n{text}");
    }
    let empty = summarize(&[]);
    let text = performance_text(Lang::Es, &view(&empty, &none), 1024);
    assert!(
        text.contains("Todavía no se ha cerrado ninguna señal"),
        "{text}"
    );
    assert!(!text.contains("<pre>"));
}

#[test]
fn numbers_are_formatted_for_people() {
    assert_eq!(signed_pct(1.234), "+1.23%");
    assert_eq!(signed_pct(-0.004), "0.00%");
    assert_eq!(signed_pct(-12.5), "-12.50%");
    assert_eq!(rate(Some(66.66)), "67%");
    assert_eq!(rate(None), "—");
    assert_eq!(holding(20.0), "<1m");
    assert_eq!(holding(45.0 * 60.0), "45m");
    assert_eq!(holding(5.0 * 3600.0 + 20.0 * 60.0), "5h 20m");
    assert_eq!(holding(2.0 * 86400.0 + 4.0 * 3600.0 + 59.0), "2d 4h");
}

#[test]
fn reports_are_a_heartbeat_when_nothing_closed() {
    let tz = chrono_tz::Europe::Berlin;
    let now = Utc.with_ymd_and_hms(2024, 4, 1, 6, 0, 0).unwrap();
    let daily = latest_due_report(ReportKind::Daily, now, tz, 8);
    let none = figures(&[]);
    let text = report_text(Lang::En, &daily, &none, &none, 3);
    check_telegram_html(&text).unwrap();
    assert!(
        text.starts_with("📬 <b>Daily report · 2024-03-31</b>\n🆕 New signals: 3\n💤 "),
        "{text}"
    );
    let weekly = latest_due_report(ReportKind::Weekly, now, tz, 8);
    let all = trades(2, 2);
    let text = report_text(Lang::Es, &weekly, &figures(&all), &figures(&all[..1]), 0);
    check_telegram_html(&text).unwrap();
    assert!(
        text.contains("Informe semanal · 2024-03-25 – 2024-03-31"),
        "{text}"
    );
    assert!(text.contains("Tu historial: 1 cerrada · acierto"), "{text}");
}
