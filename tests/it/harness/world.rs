//! A database, an emulator and a report sender, without the app: for driving the scheduler
//! with a clock of the test's choosing.

use std::time::Duration as StdDuration;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use herald::config::DeliverySettings;
use herald::domain::i18n::Lang;
use herald::domain::performance::OutcomeReason;
use herald::domain::preferences::{Preferences, ReportFrequency};
use herald::domain::signal::{Price, parse_signal};
use herald::scheduler::{ReportSender, Scheduler};
use herald::store::{
    Backend, DeliveryOutcome, DeliveryStatus, NewDelivery, NewOutcome, NewUser, Store,
};
use herald::telegram::{Limiter, Outbound};
use serde_json::json;
use telegram_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::harness::db::TestDb;
use crate::harness::performance::{outcomes, text};

pub fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

pub struct World {
    pub store: Store,
    pub emulator: EmulatorHandle,
    pub sender: ReportSender,
    _db: TestDb,
}

impl World {
    pub async fn new(backend: Backend) -> World {
        let db = TestDb::new(backend).await;
        let store = db.store().await;
        let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
        let token = secrecy::SecretString::from(emulator.token());
        let bot = herald::telegram::build_bot(&token, &emulator.base_url()).unwrap();
        let settings = DeliverySettings::default();
        let limiter = Limiter::new(30, settings.per_chat_interval, settings.group_per_minute);
        let sender = ReportSender::new(store.clone(), Outbound::new(bot, limiter));
        World {
            store,
            emulator,
            sender,
            _db: db,
        }
    }

    pub fn scheduler(&self) -> Scheduler {
        Scheduler::new(self.store.clone(), outcomes(&self.store, &[]), 8)
    }

    /// A subscriber in `tz` who wants reports `frequency`; returns (chat, user id).
    pub async fn user(
        &self,
        name: &str,
        lang: Lang,
        tz: Tz,
        frequency: ReportFrequency,
    ) -> (i64, Uuid) {
        self.user_since(name, lang, tz, frequency, utc(2024, 1, 1, 0, 0))
            .await
    }

    pub async fn user_since(
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
    pub async fn trade(
        &self,
        exit: &str,
        closed_at: DateTime<Utc>,
        received_by: Option<(i64, Uuid)>,
    ) {
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
                user_id: Some(user),
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
            .insert_signal(
                &signal,
                &body.to_string(),
                &json!({}),
                deliveries.len() as i64,
                opened,
            )
            .await
            .unwrap();
        super::db::write_rows(&self.store, signal.id, &deliveries).await;
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
            return_pct: herald::signals::closing::outcome_return(&signal, Some(exit)),
            closed_at,
        };
        self.store
            .record_outcome(&signal, &outcome, None, closed_at)
            .await
            .unwrap();
    }

    /// Sends what is due and returns the chat's messages.
    pub async fn send(&self, now: DateTime<Utc>, chat: i64, expect: usize) -> Vec<String> {
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
