//! Recording an outcome together with the close signal that announces it, in one transaction:
//! shared by engine closes (`ingest`) and Herald's own (`outcomes`).

use chrono::{DateTime, SecondsFormat, Utc};
use uuid::Uuid;

use super::SimilarCache;
use crate::domain::performance::{Direction, OutcomeReason, return_pct};
use crate::domain::signal::{Price, Signal};
use crate::store::{
    Announcement, NewOutcome, Recorded, Store, StoreError, StoreResult, StoredOutcome,
};

/// A second close of a closed signal: the first outcome stands (409 at the HTTP edge).
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "signal {signal_id} is already closed ({reason_text} at {closed_text}); its outcome stands",
    reason_text = .reason.as_str(),
    closed_text = .closed_at.to_rfc3339_opts(SecondsFormat::Secs, true)
)]
pub struct AlreadyClosed {
    pub signal_id: Uuid,
    pub reason: OutcomeReason,
    pub closed_at: DateTime<Utc>,
}

impl AlreadyClosed {
    pub fn new(signal_id: Uuid, existing: &StoredOutcome) -> Self {
        Self {
            signal_id,
            reason: existing.reason,
            closed_at: existing.closed_at,
        }
    }
}

/// Why Herald could not record a close of its own (a reported outcome, a price, expiry).
#[derive(Debug, thiserror::Error)]
pub enum CloseError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot encode a close's context: {0}")]
    Encode(#[from] serde_json::Error),
}

/// The return of closing `original` at `exit`, when both are known.
pub fn outcome_return(original: &Signal, exit: Option<Price>) -> Option<f64> {
    let direction = Direction::of(original.kind)?;
    return_pct(direction, original.entry_price?.value(), exit?.value())
}

/// Records `outcome` of `original` with `close`, the signal that announces it, and counts the
/// outcome in the performance category when this call is the one that closed it.
pub(super) async fn record_close(
    store: &Store,
    similar: &SimilarCache,
    original: &Signal,
    outcome: &NewOutcome,
    close: Announcement<'_>,
    now: DateTime<Utc>,
) -> StoreResult<Recorded> {
    let recorded = store
        .record_outcome(original, outcome, Some(close), now)
        .await?;
    if let (Recorded::Closed, Some(ret), Some(direction)) =
        (&recorded, outcome.return_pct, Direction::of(original.kind))
    {
        similar.record(
            original.source_model.as_deref(),
            original.asset.as_str(),
            direction,
            ret,
        );
    }
    Ok(recorded)
}
