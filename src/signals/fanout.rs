//! Expanding accepted signals into delivery rows, in the background, on the leader.
//!
//! The 202 commits the signal and its fan-out job only (`store::fanout`); this loop then reads the
//! audience a page at a time, decides each candidate as of the acceptance and commits the page's
//! rows together with the cursor that passes them. The dispatcher sends the first chunk while the
//! next is written. The first chunk of a signal is small, so its first message never waits for
//! the size of the audience; later ones are large, so a million rows cost few round trips.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::planning::Planner;
use crate::domain::signal::{Signal, SignalKind};
use crate::domain::tier::TierRules;
use crate::store::{
    AudiencePage, DeliveryStatus, FanoutCursor, FanoutJob, FanoutPhase, NewDelivery, Store,
    StoreResult,
};

/// Candidates read for a signal's first chunk: small enough to be written and claimed within a
/// few milliseconds.
const FIRST_CHUNK: i64 = 256;
/// An idle loop re-checks for jobs this often even without a wake-up (a NOTIFY lost with its
/// connection, a job left by a previous leader).
const IDLE_POLL: Duration = Duration::from_millis(500);

#[derive(Clone)]
pub struct Fanout {
    store: Store,
    planner: Planner,
    /// Candidates per chunk after the first (`HERALD_FANOUT_CHUNK`).
    chunk: i64,
}

impl Fanout {
    pub fn new(store: Store, tiers: Arc<TierRules>, chunk: usize) -> Self {
        Self {
            store,
            planner: Planner::new(tiers),
            chunk: i64::try_from(chunk).unwrap_or(i64::MAX).max(1),
        }
    }

    /// Expands jobs until `stop`; only the leader runs it.
    pub async fn run(self, stop: CancellationToken) {
        let wake = self.store.fanouts_queued();
        while !stop.is_cancelled() {
            let pause = match self.expand_next().await {
                Ok(true) => continue,
                Ok(false) => IDLE_POLL,
                Err(err) => {
                    tracing::error!(error = %err, "cannot expand a signal's fan-out; retrying");
                    Duration::from_secs(1)
                }
            };
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = wake.notified() => {}
                _ = tokio::time::sleep(pause) => {}
            }
        }
    }

    /// Writes one chunk of the oldest open job; false when no job is open.
    pub async fn expand_next(&self) -> StoreResult<bool> {
        let Some(job) = self.store.open_fanout_job().await? else {
            return Ok(false);
        };
        self.expand_chunk(&job).await?;
        Ok(true)
    }

    async fn expand_chunk(&self, job: &FanoutJob) -> StoreResult<()> {
        let Some(slice) = job.cursor.phase.slice() else {
            return Ok(());
        };
        let Some(stored) = self.store.signal(job.signal_id).await? else {
            // Signals are kept while anything refers to them; this one was removed by hand.
            tracing::warn!(signal_id = %job.signal_id, "fan-out of a signal no longer stored: dropped");
            self.store
                .write_fanout_chunk(job, &[], FanoutCursor::DONE)
                .await?;
            return Ok(());
        };
        let limit = if job.written == 0 {
            FIRST_CHUNK.min(self.chunk)
        } else {
            self.chunk
        };
        let page = self
            .store
            .audience_page(AudiencePage {
                slice,
                after_chat: job.cursor.after_chat,
                at: job.accepted_at,
                limit,
            })
            .await?;
        let replies = match (stored.signal.kind, stored.signal.closes) {
            (SignalKind::Close, Some(original)) => {
                let users: Vec<_> = page.iter().map(|c| c.user_id).collect();
                self.store.audience_of_signal(original, &users).await?
            }
            _ => HashMap::new(),
        };
        let mut rows = self
            .planner
            .decide(&stored.signal, &page, &replies, job.accepted_at);
        // Channels go with the first chunk after the paying subscribers: one post each reaches
        // a free audience at once.
        if job.cursor.phase == FanoutPhase::Rest && job.cursor.after_chat == i64::MIN {
            rows.extend(self.channel_posts(&stored.signal, job).await?);
        }
        let next = match page.last() {
            Some(last) if page.len() as i64 == limit => FanoutCursor {
                phase: job.cursor.phase,
                after_chat: last.chat_id,
            },
            _ => job.cursor.next_phase(),
        };
        if self.store.write_fanout_chunk(job, &rows, next).await? {
            crate::ops::metrics::deliveries_skipped(
                rows.iter()
                    .filter(|row| row.status == DeliveryStatus::Skipped)
                    .count(),
            );
            if next.phase.slice().is_none() {
                tracing::info!(signal_id = %job.signal_id, rows = job.written + rows.len() as i64, "fan-out written");
            }
        } else {
            tracing::warn!(signal_id = %job.signal_id, "fan-out chunk already written elsewhere; skipped");
        }
        Ok(())
    }

    async fn channel_posts(
        &self,
        signal: &Signal,
        job: &FanoutJob,
    ) -> StoreResult<Vec<NewDelivery>> {
        let channels = self.store.channels().await?;
        if channels.is_empty() {
            return Ok(Vec::new());
        }
        let replies = match (signal.kind, signal.closes) {
            (SignalKind::Close, Some(original)) => self.store.channels_of_signal(original).await?,
            _ => HashMap::new(),
        };
        Ok(self
            .planner
            .decide_channels(signal, &channels, &replies, job.accepted_at))
    }
}
