//! Periodic work on the elected leader: expire open signals at their horizon, queue scheduled
//! reports when they fall due, and send queued reports.
//!
//! Everything time-dependent takes `now` as an argument (`Scheduler::tick`), so tests drive it
//! with any clock, daylight-saving changes included; `run` reads a [`Clock`].

pub mod alerts;
mod reports;
pub mod retention;
mod sender;

pub use sender::ReportSender;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::signals::outcomes::Outcomes;
use crate::store::Store;

/// How often the scheduler looks for due work. Reports go out within this of their hour.
const TICK: Duration = Duration::from_secs(10);
/// Queued messages (reports, fired price alerts) are looked for at least this often.
const SEND_POLL: Duration = Duration::from_secs(1);

/// Where the current time comes from.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// What one tick did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TickSummary {
    pub expired: usize,
    pub reports_queued: usize,
}

pub struct Scheduler {
    store: Store,
    outcomes: Outcomes,
    report_hour: u8,
    /// Users known to have the report of a period, so ticks do not re-read them; the database's
    /// unique key is what actually guarantees one report per period.
    reported: Mutex<HashMap<String, HashSet<Uuid>>>,
}

impl Scheduler {
    pub fn new(store: Store, outcomes: Outcomes, report_hour: u8) -> Self {
        Self {
            store,
            outcomes,
            report_hour,
            reported: Mutex::new(HashMap::new()),
        }
    }

    /// One pass: expire what is due, then queue the reports due at `now`.
    pub async fn tick(&self, now: DateTime<Utc>) -> anyhow::Result<TickSummary> {
        let expired = self
            .outcomes
            .expire_due(now)
            .await
            .map_err(|err| anyhow::anyhow!("expiring signals: {err}"))?
            .len();
        let reports_queued = self.queue_reports(now).await?;
        Ok(TickSummary {
            expired,
            reports_queued,
        })
    }

    /// Runs until `stop` fires.
    pub async fn run(self, sender: ReportSender, clock: Arc<dyn Clock>, stop: CancellationToken) {
        match sender.recover().await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(n, "reports interrupted mid-request are not sent again"),
            Err(err) => tracing::error!(error = %err, "cannot recover interrupted reports"),
        }
        let reports_queued = self.store.reports_queued();
        let mut next_tick = tokio::time::Instant::now();
        loop {
            if tokio::time::Instant::now() >= next_tick {
                next_tick = tokio::time::Instant::now() + TICK;
                match self.tick(clock.now()).await {
                    Ok(summary) if summary != TickSummary::default() => {
                        tracing::info!(
                            expired = summary.expired,
                            reports = summary.reports_queued,
                            "scheduler tick"
                        );
                    }
                    Ok(_) => {}
                    Err(err) => tracing::error!(error = %err, "scheduler tick failed"),
                }
            }
            if let Err(err) = sender.send_due(clock.now(), &stop).await {
                tracing::error!(error = %err, "cannot send reports");
            }
            // Fired price alerts go out at once: woken here, or found within a second when
            // another replica fired them.
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = reports_queued.notified() => {}
                _ = tokio::time::sleep(SEND_POLL) => {}
            }
        }
    }
}
