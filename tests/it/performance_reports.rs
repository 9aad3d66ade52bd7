//! Scheduled reports under a controllable clock: due at 08:00 in each user's zone across
//! daylight-saving changes, never twice for a period (restarts, replicas), sent through the
//! shared limiter, and a heartbeat when nothing closed.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use herald::config::DeliverySettings;
use herald::delivery::limits::Limiter;
use herald::domain::i18n::Lang;
use herald::domain::performance::OutcomeReason;
use herald::domain::preferences::{Preferences, ReportFrequency};
use herald::domain::signal::{Price, parse_signal};
use herald::scheduler::{ReportSender, Scheduler};
use herald::store::{
    Backend, DeliveryOutcome, DeliveryStatus, NewDelivery, NewOutcome, NewUser, Store,
};
use serde_json::json;
use telegram_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::both_backends;
use crate::harness::db::TestDb;
use crate::performance_support::{outcomes, text};

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

struct World {
    store: Store,
    emulator: EmulatorHandle,
    sender: ReportSender,
    _db: TestDb,
}

impl World {
    async fn new(backend: Backend) -> World {
        let db = TestDb::new(backend).await;
        let store = db.store().await;
        let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
        let token = secrecy::SecretString::from(emulator.token());
        let bot = herald::telegram::build_bot(&token, &emulator.base_url()).unwrap();
        let settings = DeliverySettings::default();
        let limiter = Limiter::new(30, settings.per_chat_interval, settings.group_per_minute);
        let limiter = Arc::new(std::sync::Mutex::new(limiter));
        let sender = ReportSender::new(store.clone(), bot, limiter);
        World {
            store,
            emulator,
            sender,
            _db: db,
        }
    }

    fn scheduler(&self) -> Scheduler {
        Scheduler::new(self.store.clone(), outcomes(&self.store, &[]), 8)
    }

    /// A subscriber in `tz` who wants reports `frequency`; returns (chat, user id).
    async fn user(
        &self,
        name: &str,
        lang: Lang,
        tz: Tz,
        frequency: ReportFrequency,
    ) -> (i64, Uuid) {
        self.user_since(name, lang, tz, frequency, utc(2024, 1, 1, 0, 0))
            .await
    }

    async fn user_since(
        &self,
        name: &str,
        lang: Lang,
        tz: Tz,
        frequency: ReportFrequency,
        now: DateTime<Utc>,
    ) -> (i64, Uuid) {
        let chat = self.emulator.create_user(name, None, None).id;
        let new = NewUser {
            telegram_id: chat,
            username: None,
            first_name: Some(name.to_owned()),
            last_name: None,
            language_code: None,
        };
        let (user, _) = self.store.upsert_user(&new, lang, now).await.unwrap();
        self.store.accept_disclaimer(user.id, now).await.unwrap();
        self.store.set_subscribed(user.id, true, now).await.unwrap();
        let prefs = Preferences {
            timezone: tz,
            language: lang,
            performance_updates: frequency,
            ..Preferences::default()
        };
        self.store
            .save_preferences(user.id, &prefs, now)
            .await
            .unwrap();
        (chat, user.id)
    }

    /// A BTC buy (entry 100, stop 95) generated an hour before `closed_at`, sent to `received_by`,
    /// closed at `exit`.
    async fn trade(&self, exit: &str, closed_at: DateTime<Utc>, received_by: Option<(i64, Uuid)>) {
        let opened = closed_at - chrono::Duration::hours(1);
        let body = json!({
            "type": "buy", "asset": "BTC/USD", "entry_price": 100, "target_price": 110,
            "stop_loss": 95, "timeframe": "1H", "confidence": 80, "source_model": "m",
            "generated_at": opened.to_rfc3339(),
        });
        let signal = parse_signal(body.to_string().as_bytes(), Uuid::now_v7(), opened)
            .unwrap()
            .signal;
        let deliveries: Vec<NewDelivery> = received_by
            .into_iter()
            .map(|(chat, user)| NewDelivery {
                user_id: user.to_string(),
                chat_id: chat,
                status: DeliveryStatus::Pending,
                skip_reason: None,
                lang: Lang::En,
                format: herald::domain::preferences::MessageFormat::Detailed,
                silent: false,
                protect_content: false,
                reply_to_message_id: None,
                next_attempt_at: opened.timestamp_millis(),
            })
            .collect();
        self.store
            .insert_signal(&signal, &body.to_string(), &json!({}), &deliveries, opened)
            .await
            .unwrap();
        // What the dispatcher records once Telegram took the message.
        let queued = self.store.due_deliveries(opened, 0, 100).await.unwrap();
        let sent: Vec<_> = queued
            .into_iter()
            .filter(|row| row.signal_id == signal.id)
            .map(|row| {
                (
                    row,
                    DeliveryOutcome::Sent {
                        message_id: 1,
                        at: opened,
                    },
                )
            })
            .collect();
        self.store.record_outcomes(&sent).await.unwrap();
        let exit = Price::new(exit.parse().unwrap()).unwrap();
        let outcome = NewOutcome {
            reason: OutcomeReason::Reported,
            note: None,
            exit_price: Some(exit),
            return_pct: herald::outcomes::outcome_return(&signal, Some(exit)),
            closed_at,
        };
        self.store
            .record_outcome(&signal, &outcome, None, closed_at)
            .await
            .unwrap();
    }

    /// Sends what is due and returns the chat's messages.
    async fn send(&self, now: DateTime<Utc>, chat: i64, expect: usize) -> Vec<String> {
        self.sender
            .send_due(now, &CancellationToken::new())
            .await
            .unwrap();
        self.emulator
            .wait_for_messages(chat, expect, StdDuration::from_secs(15))
            .await
            .unwrap()
            .iter()
            .map(text)
            .collect()
    }
}

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
