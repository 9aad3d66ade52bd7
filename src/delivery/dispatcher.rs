//! The dispatcher: claims due delivery rows, paces them through the shared limiter, sends them and
//! records what Telegram answered. Only the leader runs it (see `store::leader`).
//!
//! Each pass of a term: read ahead → claim slots → mark `sending` (committed) → send in the slot →
//! record. The rows `sending` at any moment — those a crash would leave `uncertain` — are as many
//! as fill the rate at the Bot API latency observed (rate × latency × 1.5, at least
//! `MIN_IN_FLIGHT`), and never more than `max_in_flight`: at 30/s and 50 ms that is 8, at 1,000/s
//! and 50 ms 75.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{Mutex, Notify, OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::charts::chart_wanted;
use super::message::{MessageCache, OutgoingMessage};
use super::photo::{ChartSend, PhotoSender, SignalCharts};
use super::recorder::{Attempt, record_results};
use crate::config::DeliverySettings;
use crate::domain::tier::TierRules;
use crate::store::{DeliveryOutcome, Leadership, QueuedDelivery, Recipient, Store};
use crate::telegram::{Outbound, RetryPolicy};
use teloxide_core::payloads::SendMessageSetters;

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
/// Telegram's rate window: how long a new leader waits before it sends anything.
const TAKEOVER_PAUSE: Duration = Duration::from_secs(1);
/// How long shutdown waits for requests already in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
/// Chats whose pacing no longer matters are forgotten this often.
const PRUNE_INTERVAL: Duration = Duration::from_secs(30);
/// Requests in flight however fast Telegram answers: room for a few slow ones.
const MIN_IN_FLIGHT: usize = 8;
/// The latency assumed before any answer was timed: a server far from Telegram's.
const ASSUMED_LATENCY: Duration = Duration::from_millis(100);

/// The Bot API's answer time, smoothed over recent sends (microseconds; an EWMA of weight 1/16),
/// shared by the send tasks that time it and the term that sizes the pipe from it.
#[derive(Clone)]
struct Latency(Arc<AtomicU64>);

impl Latency {
    fn new() -> Self {
        Self(Arc::new(AtomicU64::new(ASSUMED_LATENCY.as_micros() as u64)))
    }

    fn observe(&self, took: Duration) {
        let sample = took.as_micros().min(u128::from(u32::MAX)) as u64;
        // Lost updates between racing tasks only drop a sample.
        let old = self.0.load(Ordering::Relaxed);
        self.0
            .store(old - old / 16 + sample / 16, Ordering::Relaxed);
    }

    fn get(&self) -> Duration {
        Duration::from_micros(self.0.load(Ordering::Relaxed))
    }
}

/// Requests to keep in flight so the rate is filled at `latency`: rate × latency, with half
/// again for jitter, within [`MIN_IN_FLIGHT`, `max`].
fn in_flight_target(global_interval: Duration, latency: Duration, max: usize) -> usize {
    let needed = latency.as_secs_f64() / global_interval.as_secs_f64().max(1e-9) * 1.5;
    (needed.ceil() as usize).clamp(MIN_IN_FLIGHT.min(max), max.max(1))
}

pub struct Dispatcher {
    store: Store,
    outbound: Outbound,
    settings: DeliverySettings,
    policy: RetryPolicy,
    /// Whose signals go with a chart (`charts`).
    tiers: Arc<TierRules>,
}

impl Dispatcher {
    pub fn new(
        store: Store,
        outbound: Outbound,
        settings: DeliverySettings,
        tiers: Arc<TierRules>,
    ) -> Self {
        Self {
            policy: RetryPolicy::deliveries(settings.max_attempts),
            store,
            outbound,
            settings,
            tiers,
        }
    }

    /// Sends until `stop` fires or leadership is lost; then lets in-flight requests finish.
    pub async fn lead(
        &self,
        leadership: Arc<Mutex<Leadership>>,
        stop: CancellationToken,
    ) -> anyhow::Result<()> {
        if !self.take_over(&leadership, &stop).await? {
            return Ok(());
        }
        let mut term = Term::start(self, leadership, stop);
        let result = term.run().await;
        term.finish().await;
        result
    }

    /// Rows a dead leader left in `sending` become `uncertain`; then the rate window it may have
    /// used passes. False when `stop` fired meanwhile.
    async fn take_over(
        &self,
        leadership: &Mutex<Leadership>,
        stop: &CancellationToken,
    ) -> anyhow::Result<bool> {
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
            _ = stop.cancelled() => Ok(false),
            _ = tokio::time::sleep(TAKEOVER_PAUSE) => Ok(true),
        }
    }
}

/// One term of sending: the rows read ahead, the sends in flight and the recorder behind them.
struct Term<'a> {
    dispatcher: &'a Dispatcher,
    leadership: Arc<Mutex<Leadership>>,
    stop: CancellationToken,
    permits: Arc<Semaphore>,
    sends: JoinSet<()>,
    cache: MessageCache,
    charts: SignalCharts,
    /// Due rows read ahead; at most one per chat (see `Store::due_deliveries`), and each still
    /// due when claimed: only this leader sends, and a chat's later rows are not here.
    queue: VecDeque<QueuedDelivery>,
    read_ahead: i64,
    last_prune: Instant,
    wake: Arc<Notify>,
    latency: Latency,
    results: mpsc::UnboundedSender<Attempt>,
    /// Told after each recorded batch: a recorded result frees its chat for the next row.
    recorded: Arc<Notify>,
    recorder: JoinHandle<()>,
}

impl<'a> Term<'a> {
    fn start(
        dispatcher: &'a Dispatcher,
        leadership: Arc<Mutex<Leadership>>,
        stop: CancellationToken,
    ) -> Self {
        let (results, results_rx) = mpsc::unbounded_channel();
        let recorded = Arc::new(Notify::new());
        let recorder = tokio::spawn(record_results(
            dispatcher.store.clone(),
            results_rx,
            recorded.clone(),
        ));
        Self {
            dispatcher,
            leadership,
            stop,
            permits: Arc::new(Semaphore::new(dispatcher.settings.max_in_flight)),
            sends: JoinSet::new(),
            cache: MessageCache::default(),
            charts: SignalCharts::default(),
            queue: VecDeque::new(),
            read_ahead: FIRST_READ,
            last_prune: Instant::now(),
            wake: dispatcher.store.deliveries_queued(),
            latency: Latency::new(),
            results,
            recorded,
            recorder,
        }
    }

    /// Passes until `stop` fires; an error means nothing more may be sent this term.
    async fn run(&mut self) -> anyhow::Result<()> {
        while !self.stop.is_cancelled() {
            while self.sends.try_join_next().is_some() {}
            let Some(free) = self.free_permits().await else {
                continue;
            };
            let now = Instant::now();
            self.prune(now);
            if self.queue.is_empty() && !self.read_due().await {
                continue;
            }
            let (batch, soonest) = self.claim_slots(free, now);
            if batch.is_empty() {
                self.idle(now, soonest).await;
                continue;
            }
            let marked = self.mark_sending(&batch).await?;
            self.start_sends(batch, &marked).await;
        }
        Ok(())
    }

    /// The in-flight permits free now, or `None` after waiting for enough of them to be worth a
    /// claim (or for `stop`): while the pipe is busy, claims come in batches of a quarter of it
    /// rather than row by row as results trickle back, since each claim is a database write.
    /// The semaphore holds `max_in_flight` permits; only the target's worth are used, the rest
    /// stay unused until the latency grows.
    async fn free_permits(&self) -> Option<usize> {
        let max_in_flight = self.dispatcher.settings.max_in_flight;
        let interval = self.dispatcher.outbound.limiter().global_interval();
        let target = in_flight_target(interval, self.latency.get(), max_in_flight);
        let in_flight = max_in_flight - self.permits.available_permits();
        let free = target.saturating_sub(in_flight);
        let batch_size = (target / 4).max(1);
        if free >= batch_size {
            return Some(free);
        }
        // Until the sends in flight are down to `target - batch_size`.
        let wanted = max_in_flight - target + batch_size;
        tokio::select! {
            _ = self.stop.cancelled() => {}
            permit = self.permits.acquire_many(wanted.min(max_in_flight) as u32) => drop(permit),
        }
        None
    }

    fn prune(&mut self, now: Instant) {
        if now.duration_since(self.last_prune) > PRUNE_INTERVAL {
            self.dispatcher.outbound.limiter().prune(now);
            self.last_prune = now;
        }
    }

    /// Reads due rows into the queue and skips those of users gone or deactivated. False when the
    /// read failed (after a pause, or `stop`).
    async fn read_due(&mut self) -> bool {
        let store = &self.dispatcher.store;
        let rows = match store.due_deliveries(Utc::now(), 0, self.read_ahead).await {
            Ok(rows) => rows,
            Err(err) => {
                tracing::error!(error = %err, "cannot read the delivery queue");
                tokio::select! {
                    _ = self.stop.cancelled() => {}
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
                return false;
            }
        };
        // A new signal's first rows are read in a small batch, so its first message leaves at
        // once; while rows keep coming, each read doubles.
        self.read_ahead = if rows.len() as i64 == self.read_ahead {
            (self.read_ahead * 2).min(PREFETCH)
        } else {
            FIRST_READ
        };
        let (live, unreachable): (Vec<_>, Vec<_>) = rows
            .into_iter()
            .partition(|row| row.recipient == Recipient::Active);
        if !unreachable.is_empty() {
            // On failure the rows stay pending and come back with the next read.
            match store.skip_unreachable(&unreachable).await {
                Ok(()) => crate::ops::metrics::deliveries_skipped(unreachable.len()),
                Err(err) => {
                    tracing::error!(error = %err, "cannot skip deliveries to erased or deactivated users");
                }
            }
        }
        self.queue.extend(live);
        true
    }

    /// Takes from the queue the rows that can start within the claim horizon and books their
    /// limiter slots; the others stay queued, in order, and the soonest of their slots comes
    /// back. Looks only at the head of the queue, so a long queue of rows waiting for their chats
    /// costs nothing per pass.
    fn claim_slots(
        &mut self,
        free: usize,
        now: Instant,
    ) -> (Vec<(QueuedDelivery, Instant)>, Option<Instant>) {
        let mut limiter = self.dispatcher.outbound.limiter();
        let mut batch = Vec::new();
        let mut soonest: Option<Instant> = None;
        let mut index = 0;
        let scan = (free * 4).max(64);
        while index < self.queue.len() && index < scan && batch.len() < free {
            let chat_id = self.queue[index].chat_id;
            let at = limiter.earliest(chat_id, now);
            if at <= now + CLAIM_HORIZON
                && let Some(row) = self.queue.remove(index)
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

    /// Nothing to claim: waits for new rows, a recorded result, the soonest slot or the next due
    /// time, whichever comes first.
    async fn idle(&self, now: Instant, soonest: Option<Instant>) {
        let mut sleep_until = now + IDLE_POLL;
        if let Some(soonest) = soonest {
            sleep_until = sleep_until.min(soonest);
        }
        // Rows due but held back behind an earlier row of their chat wait for that row's result
        // (`recorded`), not for the clock: only a future due time shortens the nap.
        if self.queue.is_empty()
            && let Ok(Some(due)) = self.dispatcher.store.next_due_at().await
            && let Ok(wait) = (due - Utc::now()).to_std()
        {
            sleep_until = sleep_until.min(now + wait);
        }
        tokio::select! {
            _ = self.stop.cancelled() => {}
            _ = self.wake.notified() => {}
            _ = tokio::time::sleep_until(sleep_until) => {}
            _ = self.recorded.notified() => {}
        }
    }

    /// Commits the batch as `sending` through the leader's connection; the ids really marked.
    async fn mark_sending(
        &self,
        batch: &[(QueuedDelivery, Instant)],
    ) -> anyhow::Result<HashSet<i64>> {
        let ids: Vec<i64> = batch.iter().map(|(row, _)| row.id).collect();
        self.dispatcher
            .store
            .mark_sending(&mut *self.leadership.lock().await, &ids)
            .await
            // Without the commit nothing may be sent: the lock connection may be gone.
            .map_err(|err| anyhow::Error::new(err).context("cannot mark deliveries as sending"))
    }

    /// Renders each marked row and sends it in its slot, one task per row. A row skipped or
    /// blocked since it was read (user erased, deactivated) was not marked and is not sent.
    async fn start_sends(&mut self, batch: Vec<(QueuedDelivery, Instant)>, marked: &HashSet<i64>) {
        for (row, at) in batch
            .into_iter()
            .filter(|(row, _)| marked.contains(&row.id))
        {
            let Ok(permit) = self.permits.clone().acquire_owned().await else {
                break;
            };
            let message = match self.cache.message_for(&self.dispatcher.store, &row).await {
                Ok(message) => message,
                Err(err) => {
                    crate::ops::metrics::error(crate::ops::metrics::ErrorKind::Render);
                    let outcome = DeliveryOutcome::Failed {
                        error: format!("cannot render: {err}"),
                    };
                    self.record(row, outcome, permit);
                    continue;
                }
            };
            let outbound = self.dispatcher.outbound.clone();
            let policy = self.dispatcher.policy;
            let paid = self.dispatcher.settings.paid_broadcast;
            let results = self.results.clone();
            let latency = self.latency.clone();
            let with_chart = message.chartable.is_some()
                && chart_wanted(row.chart_choice, &self.dispatcher.tiers, Utc::now());
            let (store, charts) = (self.dispatcher.store.clone(), self.charts.clone());
            self.sends.spawn(async move {
                let span = tracing::info_span!("delivery", signal_id = %row.signal_id, delivery_id = row.id);
                let sent = async {
                    let mut at = at;
                    if with_chart {
                        let photos = PhotoSender {
                            store: &store,
                            outbound: &outbound,
                            charts: &charts,
                            policy,
                            paid_broadcast: paid,
                        };
                        // Not timed: an upload, or the wait for one, is not the Bot API's latency.
                        match photos.send(&row, &message, at).await {
                            ChartSend::Done(outcome) => return outcome,
                            ChartSend::Text { slot_used: true } => at = outbound.book(row.chat_id),
                            ChartSend::Text { slot_used: false } => {}
                        }
                    }
                    send(&outbound, policy, &row, &message, at, paid, &latency).await
                };
                let outcome = tracing::Instrument::instrument(sent, span).await;
                let _ = results.send(Attempt {
                    row,
                    outcome,
                    _permit: permit,
                });
            });
        }
    }

    fn record(&self, row: QueuedDelivery, outcome: DeliveryOutcome, permit: OwnedSemaphorePermit) {
        let _ = self.results.send(Attempt {
            row,
            outcome,
            _permit: permit,
        });
    }

    /// Finishes what is in flight (bounded), then flushes the recorder.
    async fn finish(mut self) {
        let drain = async { while self.sends.join_next().await.is_some() {} };
        if tokio::time::timeout(DRAIN_TIMEOUT, drain).await.is_err() {
            tracing::warn!(
                "in-flight sends did not finish in time; they will be resent as uncertain"
            );
            self.sends.abort_all();
        }
        drop(self.results);
        let _ = self.recorder.await;
    }
}

/// Sends one claimed row in its booked slot; what Telegram answered, as the row records it.
async fn send(
    outbound: &Outbound,
    policy: RetryPolicy,
    row: &QueuedDelivery,
    message: &OutgoingMessage,
    at: Instant,
    paid_broadcast: bool,
    latency: &Latency,
) -> DeliveryOutcome {
    let request = message.request(outbound, row);
    let request = if paid_broadcast {
        request.allow_paid_broadcast(true)
    } else {
        request
    };
    // Timed from the booked slot: the wait for it is pacing, not latency.
    let sent = outbound.send_booked(at, row.chat_id, request).await;
    latency.observe(Instant::now().saturating_duration_since(at));
    match sent {
        Ok(sent) => DeliveryOutcome::Sent {
            message_id: i64::from(sent.id.0),
            at: Utc::now(),
        },
        Err(failure) => policy.outcome(&failure, row.attempts, Utc::now()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pipe_fills_the_rate_at_the_observed_latency() {
        let per_second = |rate: u32| Duration::from_secs(1) / rate;
        // 1,000/s at 50 ms: 50 answers outstanding at any time, 75 with the margin.
        assert_eq!(
            in_flight_target(per_second(1000), Duration::from_millis(50), 512),
            75
        );
        // 30/s at 50 ms needs two; the floor keeps room for a slow answer.
        assert_eq!(
            in_flight_target(per_second(30), Duration::from_millis(50), 512),
            8
        );
        // Lifted limits and a far server: capped, so a crash leaves at most 512 uncertain.
        assert_eq!(
            in_flight_target(per_second(100_000), Duration::from_millis(50), 512),
            512
        );
        assert_eq!(
            in_flight_target(per_second(30), Duration::from_millis(50), 4),
            4
        );
    }

    #[test]
    fn latency_follows_recent_answers() {
        let latency = Latency::new();
        for _ in 0..200 {
            latency.observe(Duration::from_millis(10));
        }
        let smoothed = latency.get();
        assert!(
            smoothed > Duration::from_millis(9) && smoothed < Duration::from_millis(11),
            "{smoothed:?}"
        );
    }
}
