//! Alerts to admins over Telegram: Telegram API failures, error-rate spikes, database
//! trouble, a growing delivery queue, repeated failed logins, an admin account locked.
//!
//! One message when an incident opens, one when it is over, nothing in between except a reminder
//! if it lasts longer than [`REMINDER_AFTER`]; all alerts together are capped at
//! [`MAX_PER_HOUR`] messages. An incident opens on the first failing check and closes after
//! [`CLEAR_CHECKS`] good checks in a row, so a flapping condition does not spam.
//!
//! Only one replica alerts: the leader, or the last one that led — a database outage ends every
//! leadership, and the replica that just lost it is the one that reports the outage. Counts of
//! errors, Telegram failures and failed logins are this process's (see `metrics::TALLIES`).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::config::{AlertSettings, Live};
use crate::domain::i18n::{Arg, Lang, t, t_args};
use crate::domain::render::escape;
use crate::ops::health::TelegramProbe;
use crate::ops::metrics::TALLIES;
use crate::store::Store;
use crate::telegram::Outbound;

/// An open incident is mentioned again after this long.
const REMINDER_AFTER: Duration = Duration::from_secs(3600);
/// Good checks in a row before an incident is declared over.
const CLEAR_CHECKS: u32 = 2;
/// Every alert message together, per rolling hour.
const MAX_PER_HOUR: usize = 20;
const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alert {
    Database,
    Telegram,
    ErrorRate,
    QueueGrowing,
    FailedLogins,
    AdminLocked,
}

impl Alert {
    pub const ALL: [Alert; 6] = [
        Alert::Database,
        Alert::Telegram,
        Alert::ErrorRate,
        Alert::QueueGrowing,
        Alert::FailedLogins,
        Alert::AdminLocked,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Database => "database",
            Self::Telegram => "telegram",
            Self::ErrorRate => "error_rate",
            Self::QueueGrowing => "queue_growing",
            Self::FailedLogins => "failed_logins",
            Self::AdminLocked => "admin_locked",
        }
    }

    /// The catalog key naming this alert for people.
    fn title_key(self) -> &'static str {
        match self {
            Self::Database => "alert-database",
            Self::Telegram => "alert-telegram",
            Self::ErrorRate => "alert-error-rate",
            Self::QueueGrowing => "alert-queue",
            Self::FailedLogins => "alert-logins",
            Self::AdminLocked => "alert-admin-locked",
        }
    }
}

#[derive(Default)]
struct Incident {
    open_since: Option<Instant>,
    last_message: Option<Instant>,
    good_checks: u32,
}

/// Counters read at the previous check, to turn process totals into per-interval counts.
#[derive(Default, Clone, Copy)]
struct Seen {
    errors: u64,
    telegram_failures: u64,
    telegram_calls: u64,
    auth_failures: u64,
    admin_lockouts: u64,
    queue: Option<i64>,
}

/// What the alerter reads and sends through, built by the app.
pub struct AlertWiring {
    pub store: Store,
    pub outbound: Outbound,
    pub probe: TelegramProbe,
    pub config_admins: Vec<i64>,
    pub live: Live,
    /// True while this replica leads or was the last to lead (set by the election loop).
    pub owner: Arc<AtomicBool>,
}

pub struct Alerter {
    wiring: AlertWiring,
    incidents: HashMap<Alert, Incident>,
    seen: Seen,
    sent: VecDeque<Instant>,
    known_admins: Vec<i64>,
}

impl Alerter {
    pub fn new(wiring: AlertWiring) -> Self {
        Self {
            wiring,
            incidents: HashMap::new(),
            seen: Seen::default(),
            sent: VecDeque::new(),
            known_admins: Vec::new(),
        }
    }

    pub async fn run(mut self, stop: CancellationToken) {
        self.seen = self.read_counts(None);
        loop {
            let settings = self.wiring.live.get();
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(settings.alerts.interval) => {}
            }
            if !settings.features.enabled("alerts") || !self.wiring.owner.load(Ordering::SeqCst) {
                self.seen = self.read_counts(self.seen.queue);
                continue;
            }
            let findings = self.check(&settings.alerts).await;
            for (alert, detail) in findings {
                self.update(alert, detail).await;
            }
        }
    }

    fn read_counts(&self, queue: Option<i64>) -> Seen {
        Seen {
            errors: TALLIES.errors.load(Ordering::Relaxed),
            telegram_failures: TALLIES.telegram_failures.load(Ordering::Relaxed),
            telegram_calls: TALLIES.telegram_calls.load(Ordering::Relaxed),
            auth_failures: TALLIES.auth_failures.load(Ordering::Relaxed),
            admin_lockouts: TALLIES.admin_lockouts.load(Ordering::Relaxed),
            queue,
        }
    }

    /// Every alert with `Some(detail)` when its condition holds now, `None` when it does not.
    async fn check(&mut self, limits: &AlertSettings) -> Vec<(Alert, Option<String>)> {
        let database = matches!(
            tokio::time::timeout(DATABASE_TIMEOUT, self.wiring.store.ping()).await,
            Ok(Ok(()))
        );
        let queue = if database {
            tokio::time::timeout(DATABASE_TIMEOUT, self.wiring.store.queue_depth())
                .await
                .ok()
                .and_then(Result::ok)
        } else {
            None
        };
        let telegram_up = self.wiring.probe.reachable().await;
        let now = self.read_counts(queue.or(self.seen.queue));
        let before = std::mem::replace(&mut self.seen, now);
        let errors = now.errors.saturating_sub(before.errors);
        let tg_failures = now
            .telegram_failures
            .saturating_sub(before.telegram_failures);
        let tg_calls = now.telegram_calls.saturating_sub(before.telegram_calls);
        let logins = now.auth_failures.saturating_sub(before.auth_failures);
        let lockouts = now.admin_lockouts.saturating_sub(before.admin_lockouts);

        let mut findings = vec![(
            Alert::Database,
            (!database).then(|| "SELECT 1 did not answer".to_owned()),
        )];
        // Telegram is failing when getMe fails, or when at least 5 calls and half of all calls in
        // the interval failed (5xx, network): occasional blips stay quiet.
        let telegram = if !telegram_up {
            Some("getMe did not answer".to_owned())
        } else if tg_failures >= 5 && tg_failures * 2 >= tg_calls {
            Some(format!("{tg_failures} of {tg_calls} calls failed"))
        } else {
            None
        };
        findings.push((Alert::Telegram, telegram));
        findings.push((
            Alert::ErrorRate,
            (errors >= limits.errors).then(|| format!("{errors} errors")),
        ));
        if let Some(depth) = queue {
            let growing = depth >= limits.queue && before.queue.is_some_and(|prev| depth > prev);
            let shrinking_or_small =
                depth < limits.queue || before.queue.is_some_and(|prev| depth < prev);
            if growing {
                findings.push((
                    Alert::QueueGrowing,
                    Some(format!("{depth} deliveries queued")),
                ));
            } else if shrinking_or_small {
                findings.push((Alert::QueueGrowing, None));
            }
        }
        findings.push((
            Alert::FailedLogins,
            (logins >= limits.login_failures).then(|| format!("{logins} failed attempts")),
        ));
        findings.push((
            Alert::AdminLocked,
            (lockouts > 0).then(|| format!("{lockouts} admin accounts locked")),
        ));
        findings
    }

    async fn update(&mut self, alert: Alert, detail: Option<String>) {
        let now = Instant::now();
        let incident = self.incidents.entry(alert).or_default();
        let message = match (&detail, incident.open_since) {
            (Some(detail), None) => {
                incident.open_since = Some(now);
                incident.good_checks = 0;
                Some((true, detail.clone()))
            }
            (Some(detail), Some(_)) => {
                incident.good_checks = 0;
                let due = incident
                    .last_message
                    .is_none_or(|at| now.duration_since(at) >= REMINDER_AFTER);
                due.then(|| (true, detail.clone()))
            }
            (None, Some(since)) => {
                incident.good_checks += 1;
                if incident.good_checks >= CLEAR_CHECKS {
                    incident.open_since = None;
                    let minutes = now.duration_since(since).as_secs().div_ceil(60);
                    Some((false, minutes.to_string()))
                } else {
                    None
                }
            }
            (None, None) => None,
        };
        let Some((firing, detail)) = message else {
            return;
        };
        if self.send(alert, firing, &detail).await
            && let Some(incident) = self.incidents.get_mut(&alert)
        {
            incident.last_message = Some(now);
        }
    }

    /// The admin's chosen language when the database can say, else English.
    async fn language_of(&self, telegram_id: i64) -> Lang {
        let lookup = async {
            let user = self
                .wiring
                .store
                .user_by_telegram_id(telegram_id)
                .await
                .ok()??;
            Some(self.wiring.store.preferences(user.id).await.ok()?.language)
        };
        tokio::time::timeout(DATABASE_TIMEOUT, lookup)
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// Sends to every admin; false when rate-limited or nobody could be told.
    async fn send(&mut self, alert: Alert, firing: bool, detail: &str) -> bool {
        let now = Instant::now();
        while self
            .sent
            .front()
            .is_some_and(|at| now.duration_since(*at) > Duration::from_secs(3600))
        {
            self.sent.pop_front();
        }
        let state = if firing { "firing" } else { "resolved" };
        tracing::warn!(alert = alert.name(), state, detail, "alert");
        crate::ops::metrics::alert(alert.name(), state);
        if self.sent.len() >= MAX_PER_HOUR {
            tracing::warn!(alert = alert.name(), "alert not sent: hourly cap reached");
            return false;
        }
        self.sent.push_back(now);
        // During a database outage the admins known from before (and the configured ones) still
        // hear about it.
        if let Ok(Ok(admins)) =
            tokio::time::timeout(DATABASE_TIMEOUT, self.wiring.store.admin_telegram_ids()).await
        {
            self.known_admins = admins;
        }
        let mut recipients = self.wiring.config_admins.clone();
        recipients.extend(self.known_admins.iter().copied());
        recipients.sort_unstable();
        recipients.dedup();
        let mut told = false;
        for chat in recipients {
            let lang = self.language_of(chat).await;
            let title = t(lang, alert.title_key());
            let text = if firing {
                t_args(
                    lang,
                    "alert-firing",
                    [
                        ("alert", Arg::from(title)),
                        ("detail", Arg::from(escape(detail))),
                    ],
                )
            } else {
                t_args(
                    lang,
                    "alert-resolved",
                    [
                        ("alert", Arg::from(title)),
                        ("minutes", Arg::from(detail.parse::<i64>().unwrap_or(1))),
                    ],
                )
            };
            match self.wiring.outbound.send_message(chat, text, None).await {
                Ok(_) => told = true,
                Err(err) => {
                    tracing::error!(alert = alert.name(), error = %err, "cannot send an alert")
                }
            }
        }
        told
    }
}
