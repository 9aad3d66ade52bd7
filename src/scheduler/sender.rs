//! Sends queued reports, paced by the same limiter as the dispatcher (so the global and
//! per-chat rates hold across signals, replies and reports), with the dispatcher's reading of
//! Telegram's answers: 429 waits, 5xx retries with backoff, 403 stops the user.
//!
//! Reports live in their own table rather than in `signal_deliveries`, whose rows must name a
//! signal (`signal_id NOT NULL REFERENCES signals`, unchangeable on SQLite without rebuilding a
//! table other work also alters); the sending rules are shared, not the queue.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use teloxide_core::Bot;
use teloxide_core::payloads::SendMessageSetters;
use teloxide_core::prelude::Requester;
use teloxide_core::types::{ChatId, ParseMode};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::delivery::limits::{self, Limiter};
use crate::delivery::outcome::{SendFailure, backoff, classify};
use crate::store::{DeliveryOutcome, QueuedReport, Store};

/// Reports claimed per round.
const BATCH: i64 = 100;
/// Attempts for 5xx/network failures before a report is `failed`.
const MAX_ATTEMPTS: i32 = 6;
/// 429s are not failures, but a chat that answers nothing else is given up on eventually.
const MAX_RATE_LIMITED_ATTEMPTS: i32 = 30;

#[derive(Clone)]
pub struct ReportSender {
    store: Store,
    bot: Bot,
    limiter: Arc<std::sync::Mutex<Limiter>>,
}

impl ReportSender {
    pub fn new(store: Store, bot: Bot, limiter: Arc<std::sync::Mutex<Limiter>>) -> Self {
        Self {
            store,
            bot,
            limiter,
        }
    }

    /// Marks reports a dead sender left mid-request as `uncertain` (never resent).
    pub async fn recover(&self) -> anyhow::Result<u64> {
        Ok(self.store.recover_interrupted_reports().await?)
    }

    fn limiter(&self) -> std::sync::MutexGuard<'_, Limiter> {
        limits::lock(&self.limiter)
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
                let at = self.limiter().reserve(report.chat_id, Instant::now());
                let this = self.clone();
                sends.spawn(async move {
                    // Like replies and deliveries: tasks that wake late together still leave one
                    // global interval apart.
                    limits::wait_to_depart(&this.limiter, at).await;
                    this.send(report).await
                });
            }
            while let Some(result) = sends.join_next().await {
                if let Ok(Err(err)) = result {
                    tracing::error!(error = %err, "cannot record a report's result");
                }
            }
        }
    }

    async fn send(&self, report: QueuedReport) -> anyhow::Result<()> {
        let result = self
            .bot
            .send_message(ChatId(report.chat_id), report.body.clone())
            .parse_mode(ParseMode::Html)
            .await;
        let now = Utc::now();
        let outcome = match result {
            Ok(message) => DeliveryOutcome::Sent {
                message_id: i64::from(message.id.0),
                at: now,
            },
            Err(err) => self.outcome_of_failure(&report, &classify(&err), now),
        };
        self.store.record_report(report.id, &outcome).await?;
        if let DeliveryOutcome::Blocked { .. } = outcome {
            self.store
                .deactivate_chat(report.chat_id, "blocked")
                .await?;
            self.store
                .block_pending_for_chat(report.chat_id, "user blocked the bot")
                .await?;
        }
        Ok(())
    }

    fn outcome_of_failure(
        &self,
        report: &QueuedReport,
        failure: &SendFailure,
        now: DateTime<Utc>,
    ) -> DeliveryOutcome {
        let later = |delay: Duration| now + chrono::Duration::from_std(delay).unwrap_or_default();
        // `attempts` was counted when the report was claimed.
        match failure {
            SendFailure::RetryAfter(delay) if report.attempts < MAX_RATE_LIMITED_ATTEMPTS => {
                self.limiter()
                    .on_retry_after(report.chat_id, *delay, Instant::now());
                DeliveryOutcome::Retry {
                    at: later(*delay),
                    error: format!("Too Many Requests: retry after {}", delay.as_secs()),
                    uncertain: false,
                }
            }
            SendFailure::RetryAfter(_) => DeliveryOutcome::Failed {
                error: "Too Many Requests: gave up".into(),
            },
            SendFailure::Blocked(error) => DeliveryOutcome::Blocked {
                error: error.clone(),
            },
            SendFailure::Permanent(error) => DeliveryOutcome::Failed {
                error: error.clone(),
            },
            // The request may have reached Telegram: a report is never risked twice.
            SendFailure::Uncertain(error) => DeliveryOutcome::Retry {
                at: now,
                error: error.clone(),
                uncertain: true,
            },
            SendFailure::Transient(error) if report.attempts < MAX_ATTEMPTS => {
                DeliveryOutcome::Retry {
                    at: later(backoff(report.attempts.max(1) as u32, rand::random())),
                    error: error.clone(),
                    uncertain: false,
                }
            }
            SendFailure::Transient(error) => DeliveryOutcome::Failed {
                error: error.clone(),
            },
        }
    }
}
