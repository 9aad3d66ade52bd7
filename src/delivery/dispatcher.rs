//! The dispatcher: claims due delivery rows, paces them through the limiter, sends them and
//! records what Telegram answered. Only the leader runs it (see `store::leader`).
//!
//! Claim → mark `sending` (committed) → wait for the row's slot → sendMessage → outcome → record.
//! At most `max_in_flight` rows are `sending` at any moment, which bounds how many can end up
//! `uncertain` after a crash.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use teloxide_core::Bot;
use teloxide_core::payloads::SendMessageSetters;
use teloxide_core::prelude::Requester;
use teloxide_core::types::{
    ChatId, InlineKeyboardButton, InlineKeyboardMarkup, MessageId, ParseMode, ReplyParameters,
};
use tokio::sync::{Mutex, Notify, OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::limits::{self, Limiter};
use super::message::{MessageCache, OutgoingMessage};
use super::outcome::{SendFailure, backoff, classify};
use crate::config::DeliverySettings;
use crate::store::{DeliveryOutcome, Leadership, QueuedDelivery, Recipient, Store};

/// How far ahead a row may be claimed: just enough to keep the pipe full, short enough that few
/// rows sit in `sending` before their request goes out.
const CLAIM_HORIZON: Duration = Duration::from_millis(100);
/// An idle dispatcher re-checks the queue this often even without a wake-up (e.g. retries due,
/// or rows queued by another replica when NOTIFY is unavailable).
const IDLE_POLL: Duration = Duration::from_millis(500);
/// How many due rows are read ahead at most: one query per this many sends.
const PREFETCH: i64 = 1024;
/// The first read of a burst: small, so the first message need not wait for a long read.
const FIRST_READ: i64 = 64;
/// 429s are not failures, but a chat that answers nothing else is given up on eventually.
const MAX_RATE_LIMITED_ATTEMPTS: i32 = 30;
/// Telegram's rate window: how long a new leader waits before it sends anything.
const TAKEOVER_PAUSE: Duration = Duration::from_secs(1);
/// How long shutdown waits for requests already in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct Dispatcher {
    store: Store,
    bot: Bot,
    limiter: Arc<std::sync::Mutex<Limiter>>,
    settings: DeliverySettings,
}

/// One attempt's result on its way to the recorder.
struct Attempt {
    row: QueuedDelivery,
    outcome: DeliveryOutcome,
    /// Released only once the result is committed: rows in `sending` — the ones a crash would
    /// leave uncertain — thus never outnumber `max_in_flight`.
    _permit: OwnedSemaphorePermit,
}

impl Dispatcher {
    pub fn new(
        store: Store,
        bot: Bot,
        limiter: Arc<std::sync::Mutex<Limiter>>,
        settings: DeliverySettings,
    ) -> Self {
        Self {
            store,
            bot,
            limiter,
            settings,
        }
    }

    /// Sends until `stop` fires or leadership is lost; then lets in-flight requests finish.
    pub async fn lead(
        &self,
        leadership: Arc<Mutex<Leadership>>,
        stop: CancellationToken,
    ) -> anyhow::Result<()> {
        let recovered = self
            .store
            .recover_interrupted(&mut *leadership.lock().await)
            .await?;
        if recovered > 0 {
            tracing::warn!(
                recovered,
                "deliveries interrupted mid-request are now uncertain and will be resent flagged"
            );
        }
        // A previous leader may have sent up to a second's worth of messages just before it died;
        // this process cannot know how many, so it waits out that window before its first send.
        tokio::select! {
            _ = stop.cancelled() => return Ok(()),
            _ = tokio::time::sleep(TAKEOVER_PAUSE) => {}
        }
        let (results_tx, results_rx) = mpsc::unbounded_channel::<Attempt>();
        let recorded = Arc::new(Notify::new());
        let recorder = tokio::spawn(record_results(
            self.store.clone(),
            results_rx,
            recorded.clone(),
        ));
        let permits = Arc::new(Semaphore::new(self.settings.max_in_flight));
        let mut sends = JoinSet::new();
        let mut cache = MessageCache::default();
        let wake = self.store.deliveries_queued();
        let mut last_prune = Instant::now();
        // Due rows read ahead; at most one per chat (see `Store::due_deliveries`), and each
        // still due when claimed: only this leader sends, and a chat's later rows are not here.
        let mut queue: VecDeque<QueuedDelivery> = VecDeque::new();
        let mut read_ahead = FIRST_READ;

        let outcome = loop {
            if stop.is_cancelled() {
                break Ok(());
            }
            while sends.try_join_next().is_some() {}
            let free = permits.available_permits();
            // While the pipe is busy, claim in batches of a quarter of it rather than row by
            // row as results trickle back: each claim is a database write.
            let batch_size = (self.settings.max_in_flight / 4).max(1);
            if free < batch_size && free < self.settings.max_in_flight {
                tokio::select! {
                    _ = stop.cancelled() => break Ok(()),
                    permit = permits.acquire_many(batch_size as u32) => {
                        drop(permit);
                        continue;
                    }
                }
            }
            let now = Instant::now();
            if now.duration_since(last_prune) > Duration::from_secs(30) {
                self.lock_limiter().prune(now);
                last_prune = now;
            }
            if queue.is_empty() {
                match self.store.due_deliveries(Utc::now(), 0, read_ahead).await {
                    Ok(rows) => {
                        // A new signal's first rows are read in a small batch, so its first
                        // message leaves at once; while rows keep coming, each read doubles.
                        read_ahead = if rows.len() as i64 == read_ahead {
                            (read_ahead * 2).min(PREFETCH)
                        } else {
                            FIRST_READ
                        };
                        let (live, unreachable): (Vec<_>, Vec<_>) = rows
                            .into_iter()
                            .partition(|row| row.recipient == Recipient::Active);
                        if !unreachable.is_empty() {
                            // On failure the rows stay pending and come back with the next read.
                            match self.store.skip_unreachable(&unreachable).await {
                                Ok(()) => {
                                    crate::ops::metrics::deliveries_skipped(unreachable.len())
                                }
                                Err(err) => {
                                    tracing::error!(error = %err, "cannot skip deliveries to erased or deactivated users");
                                }
                            }
                        }
                        queue.extend(live);
                    }
                    Err(err) => {
                        tracing::error!(error = %err, "cannot read the delivery queue");
                        tokio::select! {
                            _ = stop.cancelled() => break Ok(()),
                            _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                        }
                    }
                }
            }
            let (batch, soonest) = self.claim_slots(&mut queue, free, now);
            if batch.is_empty() {
                let mut sleep_until = now + IDLE_POLL;
                if let Some(soonest) = soonest {
                    sleep_until = sleep_until.min(soonest);
                }
                // Rows due but held back behind an earlier row of their chat wait for that row's
                // result (`recorded`), not for the clock: only a future due time shortens the nap.
                if queue.is_empty()
                    && let Ok(Some(due)) = self.store.next_due_at().await
                    && let Ok(wait) = (due - Utc::now()).to_std()
                {
                    sleep_until = sleep_until.min(now + wait);
                }
                tokio::select! {
                    _ = stop.cancelled() => break Ok(()),
                    _ = wake.notified() => {}
                    _ = tokio::time::sleep_until(sleep_until) => {}
                    // A recorded result frees its chat for the next row.
                    _ = recorded.notified() => {}
                }
                continue;
            }

            let ids: Vec<i64> = batch.iter().map(|(row, _)| row.id).collect();
            let marked = match self
                .store
                .mark_sending(&mut *leadership.lock().await, &ids)
                .await
            {
                Ok(marked) => marked,
                // Without the commit nothing may be sent: the lock connection may be gone.
                Err(err) => {
                    break Err(anyhow::Error::new(err).context("cannot mark deliveries as sending"));
                }
            };
            // A row skipped or blocked since it was read (user erased, deactivated) is not sent.
            for (row, at) in batch
                .into_iter()
                .filter(|(row, _)| marked.contains(&row.id))
            {
                let Ok(permit) = permits.clone().acquire_owned().await else {
                    break;
                };
                let message = match cache.message_for(&self.store, &row).await {
                    Ok(message) => message,
                    Err(err) => {
                        crate::ops::metrics::error(crate::ops::metrics::ErrorKind::Render);
                        let outcome = DeliveryOutcome::Failed {
                            error: format!("cannot render: {err}"),
                        };
                        let _ = results_tx.send(Attempt {
                            row,
                            outcome,
                            _permit: permit,
                        });
                        continue;
                    }
                };
                let this = self.clone();
                let results = results_tx.clone();
                sends.spawn(async move {
                    limits::wait_to_depart(&this.limiter, at).await;
                    let span = tracing::info_span!("delivery", signal_id = %row.signal_id, delivery_id = row.id);
                    let (row, outcome) = tracing::Instrument::instrument(this.send(row, &message), span).await;
                    let _ = results.send(Attempt {
                        row,
                        outcome,
                        _permit: permit,
                    });
                });
            }
        };

        // Finish what is in flight (bounded), then flush the recorder.
        let drain = async { while sends.join_next().await.is_some() {} };
        if tokio::time::timeout(DRAIN_TIMEOUT, drain).await.is_err() {
            tracing::warn!(
                "in-flight sends did not finish in time; they will be resent as uncertain"
            );
            sends.abort_all();
        }
        drop(results_tx);
        let _ = recorder.await;
        outcome
    }

    fn lock_limiter(&self) -> std::sync::MutexGuard<'_, Limiter> {
        limits::lock(&self.limiter)
    }

    /// Takes from `queue` the rows that can start within the claim horizon and books their
    /// limiter slots; the others stay queued, in order. Looks only at the head of the queue, so
    /// a long queue of rows waiting for their chats costs nothing per pass.
    fn claim_slots(
        &self,
        queue: &mut VecDeque<QueuedDelivery>,
        free: usize,
        now: Instant,
    ) -> (Vec<(QueuedDelivery, Instant)>, Option<Instant>) {
        let mut limiter = self.lock_limiter();
        let mut batch = Vec::new();
        let mut soonest: Option<Instant> = None;
        let mut index = 0;
        let scan = (free * 4).max(64);
        while index < queue.len() && index < scan && batch.len() < free {
            let chat_id = queue[index].chat_id;
            let at = limiter.earliest(chat_id, now);
            if at <= now + CLAIM_HORIZON
                && let Some(row) = queue.remove(index)
            {
                let at = limiter.reserve(chat_id, now);
                batch.push((row, at));
            } else {
                soonest = Some(soonest.map_or(at, |s| s.min(at)));
                index += 1;
            }
        }
        (batch, soonest)
    }

    async fn send(
        &self,
        row: QueuedDelivery,
        message: &OutgoingMessage,
    ) -> (QueuedDelivery, DeliveryOutcome) {
        let mut request = self
            .bot
            .send_message(ChatId(row.chat_id), message.text.to_string())
            .parse_mode(ParseMode::Html)
            .disable_notification(row.silent)
            .protect_content(row.protect_content);
        if let Some((text, data)) = &message.button {
            request = request.reply_markup(InlineKeyboardMarkup::new([[
                InlineKeyboardButton::callback(text.to_string(), data.to_string()),
            ]]));
        }
        if let Some(reply_to) = row
            .reply_to_message_id
            .and_then(|id| i32::try_from(id).ok())
        {
            request = request.reply_parameters(ReplyParameters {
                message_id: MessageId(reply_to),
                chat_id: None,
                allow_sending_without_reply: Some(true),
                quote: None,
                quote_parse_mode: None,
                quote_entities: None,
                quote_position: None,
            });
        }
        let started = std::time::Instant::now();
        let result = request.await;
        crate::ops::metrics::telegram_call("sendMessage", started, &result);
        let now = Utc::now();
        match result {
            Ok(sent) => {
                let outcome = DeliveryOutcome::Sent {
                    message_id: i64::from(sent.id.0),
                    at: now,
                };
                (row, outcome)
            }
            Err(err) => {
                let failure = classify(&err);
                let outcome = self.outcome_of_failure(&row, &failure);
                (row, outcome)
            }
        }
    }

    fn outcome_of_failure(&self, row: &QueuedDelivery, failure: &SendFailure) -> DeliveryOutcome {
        let now = Utc::now();
        let retry_at =
            |delay: Duration| now + chrono::Duration::from_std(delay).unwrap_or_default();
        match failure {
            SendFailure::RetryAfter(delay) => {
                self.lock_limiter()
                    .on_retry_after(row.chat_id, *delay, Instant::now());
                if row.attempts >= MAX_RATE_LIMITED_ATTEMPTS {
                    DeliveryOutcome::Failed {
                        error: "Too Many Requests: gave up".into(),
                    }
                } else {
                    DeliveryOutcome::Retry {
                        at: retry_at(*delay),
                        error: format!("Too Many Requests: retry after {}", delay.as_secs()),
                        uncertain: false,
                    }
                }
            }
            SendFailure::Blocked(error) => DeliveryOutcome::Blocked {
                error: error.clone(),
            },
            SendFailure::Permanent(error) => DeliveryOutcome::Failed {
                error: error.clone(),
            },
            SendFailure::Transient(error) | SendFailure::Uncertain(error) => {
                if row.attempts >= self.settings.max_attempts as i32 {
                    DeliveryOutcome::Failed {
                        error: error.clone(),
                    }
                } else {
                    DeliveryOutcome::Retry {
                        at: retry_at(backoff(row.attempts.max(1) as u32, rand::random())),
                        error: error.clone(),
                        uncertain: matches!(failure, SendFailure::Uncertain(_)),
                    }
                }
            }
        }
    }
}

/// Writes attempt results in small batches (one transaction each). Each attempt's permit is
/// released only after its commit.
async fn record_results(
    store: Store,
    mut results: mpsc::UnboundedReceiver<Attempt>,
    recorded: Arc<Notify>,
) {
    let mut batch: Vec<Attempt> = Vec::new();
    while let Some(first) = results.recv().await {
        batch.push(first);
        while batch.len() < 256 {
            match results.try_recv() {
                Ok(attempt) => batch.push(attempt),
                Err(_) => break,
            }
        }
        let rows: Vec<(QueuedDelivery, DeliveryOutcome)> = batch
            .iter()
            .map(|attempt| (attempt.row.clone(), attempt.outcome.clone()))
            .collect();
        // Retried until it works: a lost result would resend a message that was already sent.
        let mut delay = Duration::from_millis(100);
        while let Err(err) = store.record_outcomes(&rows).await {
            crate::ops::metrics::error(crate::ops::metrics::ErrorKind::Database);
            tracing::error!(error = %err, rows = rows.len(), "cannot record delivery results; retrying");
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
        rows.iter()
            .for_each(|(row, outcome)| crate::ops::metrics::delivery(row, outcome));
        batch.clear();
        recorded.notify_one();
    }
}
