//! Scheduled reports under a controllable clock: due at 08:00 in each user's zone across
//! daylight-saving changes, never twice for a period (restarts, replicas), sent through the
//! shared limiter, and a heartbeat when nothing closed.

use std::time::Duration as StdDuration;

use chrono_tz::Tz;
use herald::domain::i18n::Lang;
use herald::domain::preferences::ReportFrequency;
use herald::store::Backend;
use tokio_util::sync::CancellationToken;

use crate::both_backends;
use crate::harness::world::{World, utc};

async fn daily_reports_across_spring_forward(backend: Backend) {
    let world = World::new(backend).await;
    let berlin = chrono_tz::Europe::Berlin;
    let ana = world
        .user("Ana", Lang::En, berlin, ReportFrequency::Daily)
        .await;
    let ben = world
        .user("Ben", Lang::Es, berlin, ReportFrequency::Daily)
        .await;
    world
        .user("Cy", Lang::En, berlin, ReportFrequency::Never)
        .await;
    // Saturday 30 March: a win Ana received (+2%), and a loss she did not (-3%).
    world.trade("102", utc(2024, 3, 30, 10, 0), Some(ana)).await;
    world.trade("97", utc(2024, 3, 30, 20, 0), None).await;
    // Sunday 31 March, the 23-hour day: one close at 23:30 local, one at 00:30 Monday local.
    world
        .trade("101", utc(2024, 3, 31, 21, 30), Some(ana))
        .await;
    world.trade("99", utc(2024, 3, 31, 22, 30), Some(ana)).await;

    let scheduler = world.scheduler();
    // 07:59 CEST on Sunday: Saturday's report is not due; Friday's is long past (not sent late).
    assert_eq!(
        scheduler
            .tick(utc(2024, 3, 31, 5, 59))
            .await
            .unwrap()
            .reports_queued,
        0
    );
    // 08:00 CEST is 06:00 UTC, an hour earlier than the day before.
    assert_eq!(
        scheduler
            .tick(utc(2024, 3, 31, 6, 0))
            .await
            .unwrap()
            .reports_queued,
        2
    );
    assert_eq!(
        scheduler
            .tick(utc(2024, 3, 31, 6, 0))
            .await
            .unwrap()
            .reports_queued,
        0
    );
    // A restarted scheduler knows nothing in memory and still queues nothing twice.
    let restarted = world.scheduler();
    assert_eq!(
        restarted
            .tick(utc(2024, 3, 31, 6, 5))
            .await
            .unwrap()
            .reports_queued,
        0
    );

    let sunday = world.send(utc(2024, 3, 31, 6, 0), ana.0, 1).await;
    for expected in [
        "📬 Daily report · 2024-03-30",
        "🆕 New signals: 2",
        "Closed: 2 · ✅ 1 · ❌ 1 · ⚪ 0",
        "Win rate 50% · average -0.50% · total -1.00%",
        "👤 Your record: 1 closed · win rate 100% · total +2.00%",
    ] {
        assert!(
            sunday[0].contains(expected),
            "{expected:?} in\n{}",
            sunday[0]
        );
    }
    let spanish = world.send(utc(2024, 3, 31, 6, 0), ben.0, 1).await;
    assert!(
        spanish[0].contains("📬 Informe diario · 2024-03-30"),
        "{}",
        spanish[0]
    );
    assert!(spanish[0].contains("Cerradas: 2"), "{}", spanish[0]);

    // Monday covers only the 23 hours of Sunday.
    assert_eq!(
        restarted
            .tick(utc(2024, 4, 1, 6, 0))
            .await
            .unwrap()
            .reports_queued,
        2
    );
    let monday = world.send(utc(2024, 4, 1, 6, 0), ana.0, 2).await;
    assert!(
        monday[1].contains("📬 Daily report · 2024-03-31"),
        "{}",
        monday[1]
    );
    assert!(
        monday[1].contains("Closed: 1 · ✅ 1 · ❌ 0"),
        "{}",
        monday[1]
    );
    // Tuesday has the 00:30 close; Wednesday has nothing: still a report, as a heartbeat.
    restarted.tick(utc(2024, 4, 2, 6, 0)).await.unwrap();
    let tuesday = world.send(utc(2024, 4, 2, 6, 0), ana.0, 3).await;
    assert!(
        tuesday[2].contains("Closed: 1 · ✅ 0 · ❌ 1"),
        "{}",
        tuesday[2]
    );
    restarted.tick(utc(2024, 4, 3, 6, 0)).await.unwrap();
    let wednesday = world.send(utc(2024, 4, 3, 6, 0), ana.0, 4).await;
    assert!(
        wednesday[3].contains("💤 No signal closed that day. Herald is running"),
        "{}",
        wednesday[3]
    );
    assert!(
        wednesday[3].contains("🆕 New signals: 0"),
        "{}",
        wednesday[3]
    );

    // Sent once each, nothing left; the user who wants none got none.
    world
        .sender
        .send_due(utc(2024, 4, 3, 7, 0), &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(world.emulator.messages(ana.0).len(), 4);
    let statuses = world.store.reports_by_status().await.unwrap();
    assert_eq!(statuses, vec![("sent".to_owned(), 8)]);
}
both_backends!(daily_reports, daily_reports_across_spring_forward);

async fn weekly_reports_across_fall_back(backend: Backend) {
    let world = World::new(backend).await;
    let new_york = chrono_tz::America::New_York;
    let dee = world
        .user("Dee", Lang::En, new_york, ReportFrequency::Weekly)
        .await;
    // Sunday 3 November 2024 (clocks went back at 02:00): 07:00 EST and 23:30 EST are in the
    // week; 00:30 EST on Monday is not.
    world.trade("104", utc(2024, 11, 3, 12, 0), Some(dee)).await;
    world.trade("103", utc(2024, 11, 4, 4, 30), None).await;
    world.trade("90", utc(2024, 11, 4, 5, 30), None).await;

    let scheduler = world.scheduler();
    // 08:00 EST on Monday is 13:00 UTC (it was 12:00 UTC under EDT the week before).
    assert_eq!(
        scheduler
            .tick(utc(2024, 11, 4, 12, 59))
            .await
            .unwrap()
            .reports_queued,
        0
    );
    assert_eq!(
        scheduler
            .tick(utc(2024, 11, 4, 13, 0))
            .await
            .unwrap()
            .reports_queued,
        1
    );
    // Midweek ticks queue nothing more.
    assert_eq!(
        scheduler
            .tick(utc(2024, 11, 6, 13, 0))
            .await
            .unwrap()
            .reports_queued,
        0
    );
    let report = world
        .send(utc(2024, 11, 4, 13, 0), dee.0, 1)
        .await
        .remove(0);
    for expected in [
        "📬 Weekly report · 2024-10-28 – 2024-11-03",
        "Closed: 2 · ✅ 2 · ❌ 0",
        "total +7.00%",
        "👤 Your record: 1 closed · win rate 100% · total +4.00%",
    ] {
        assert!(report.contains(expected), "{expected:?} in\n{report}");
    }
}
both_backends!(weekly_reports, weekly_reports_across_fall_back);

async fn replicas_queue_each_report_once(backend: Backend) {
    let world = World::new(backend).await;
    let mut chats = Vec::new();
    for i in 0..5 {
        let tz = if i % 2 == 0 {
            Tz::UTC
        } else {
            chrono_tz::Europe::London
        };
        let user = world
            .user(&format!("U{i}"), Lang::En, tz, ReportFrequency::Daily)
            .await;
        chats.push(user.0);
    }
    // Two replicas' schedulers (each with its own memory) tick at the same moment, twice.
    let (a, b) = (world.scheduler(), world.scheduler());
    let now = utc(2024, 7, 1, 8, 30);
    let (x, y) = tokio::join!(a.tick(now), b.tick(now));
    let (z, w) = tokio::join!(a.tick(now), b.tick(now));
    let queued: usize = [x, y, z, w]
        .into_iter()
        .map(|t| t.unwrap().reports_queued)
        .sum();
    assert_eq!(queued, 5);
    // Two senders drain the queue together: every chat gets exactly one report.
    let other = world.sender.clone();
    let stop = CancellationToken::new();
    let (p, q) = tokio::join!(
        world.sender.send_due(now, &stop),
        other.send_due(now, &stop)
    );
    assert_eq!(p.unwrap() + q.unwrap(), 5);
    for chat in chats {
        world
            .emulator
            .wait_for_messages(chat, 1, StdDuration::from_secs(15))
            .await
            .unwrap();
        assert_eq!(world.emulator.messages(chat).len(), 1);
    }
}
both_backends!(report_replicas, replicas_queue_each_report_once);

async fn new_subscribers_wait_for_the_next_period(backend: Backend) {
    let world = World::new(backend).await;
    let weekly = ReportFrequency::Weekly;
    // Subscribed on Monday after the 08:00 report went out: last week is not theirs.
    let (chat, _) = world
        .user_since("Eve", Lang::En, Tz::UTC, weekly, utc(2024, 7, 1, 9, 0))
        .await;
    let scheduler = world.scheduler();
    assert_eq!(
        scheduler
            .tick(utc(2024, 7, 1, 9, 30))
            .await
            .unwrap()
            .reports_queued,
        0
    );
    assert_eq!(
        scheduler
            .tick(utc(2024, 7, 8, 8, 0))
            .await
            .unwrap()
            .reports_queued,
        1
    );
    let report = world.send(utc(2024, 7, 8, 8, 0), chat, 1).await.remove(0);
    assert!(
        report.contains("Weekly report · 2024-07-01 – 2024-07-07"),
        "{report}"
    );
}
both_backends!(new_subscribers, new_subscribers_wait_for_the_next_period);
