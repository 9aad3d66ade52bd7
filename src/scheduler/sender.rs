//! Sends queued reports through `telegram::Outbound`, paced by the limiter deliveries and replies
//! share (so the global and per-chat rates hold across signals, replies and reports), with
//! [`RetryPolicy::REPORTS`]: 429s wait, 5xx retry with backoff, 403 stops the user, and a report
//! whose request may have reached Telegram is never sent again.
//!
//! Reports live in their own table rather than in `signal_deliveries`, whose rows must name a
//! signal (`signal_id NOT NULL REFERENCES signals`, unchangeable on SQLite without rebuilding a
//! table other work also alters); the sending rules are shared, not the queue.

use chrono::{DateTime, Utc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::store::{DeliveryOutcome, QueuedReport, Store};
use crate::telegram::{Outbound, RetryPolicy};

/// Reports claimed per round.
const BATCH: i64 = 100;

#[derive(Clone)]
pub struct ReportSender {
    store: Store,
    outbound: Outbound,
}

impl ReportSender {
    pub fn new(store: Store, outbound: Outbound) -> Self {
        Self { store, outbound }
    }

    /// Marks reports a dead sender left mid-request as `uncertain` (never resent).
    pub async fn recover(&self) -> anyhow::Result<u64> {
        Ok(self.store.recover_interrupted_reports().await?)
    }

    /// Sends every report due at `now`; returns how many were attempted.
    pub async fn send_due(
        &self,
        now: DateTime<Utc>,
        stop: &CancellationToken,
    ) -> anyhow::Result<usize> {
        let mut attempted = 0;
        loop {
            let due = self.store.due_reports(now, BATCH).await?;
            if due.is_empty() || stop.is_cancelled() {
                return Ok(attempted);
            }
            let mut sends = JoinSet::new();
            for report in due {
                if !self.store.claim_report(report.id).await? {
                    continue;
                }
                attempted += 1;
                // Booked in claim order; the tasks that wake late together still leave one
                // global interval apart.
                let slot = self.outbound.book(report.chat_id);
                let this = self.clone();
                sends.spawn(async move { this.send(slot, report).await });
            }
            while let Some(result) = sends.join_next().await {
                if let Ok(Err(err)) = result {
                    tracing::error!(error = %err, "cannot record a report's result");
                }
            }
        }
    }

    async fn send(&self, slot: tokio::time::Instant, report: QueuedReport) -> anyhow::Result<()> {
        let request = self
            .outbound
            .message(report.chat_id, report.body.clone(), None);
        let outcome = match self
            .outbound
            .send_booked(slot, report.chat_id, request)
            .await
        {
            Ok(message) => DeliveryOutcome::Sent {
                message_id: i64::from(message.id.0),
                at: Utc::now(),
            },
            Err(failure) => RetryPolicy::REPORTS.outcome(&failure, report.attempts, Utc::now()),
        };
        self.store.record_report(report.id, &outcome).await?;
        if let DeliveryOutcome::Blocked { .. } = outcome {
            self.store
                .chat_blocked(report.chat_id, "user blocked the bot")
                .await?;
        }
        Ok(())
    }
}
