//! Closing buy and sell signals that the engine did not close itself: an outcome it reports
//! (`POST /api/signals/{id}/outcome`, here), price updates reaching a target or stop
//! (`POST /api/prices`) and expiry at the timeframe's horizon (the scheduler), in `market`.
//!
//! Each close is announced like an engine's close signal: Herald writes a close signal for it
//! (with the reason in its context) and plans its delivery rows like any signal's, so recipients
//! of the original get it as a reply through the ordinary dispatcher. The outcome, the close and
//! its deliveries are committed in one transaction (`Store::record_outcome`).

mod market;

pub use market::PricesAnswer;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::SimilarCache;
use super::closing::{AlreadyClosed, CloseError, outcome_return, record_close};
use super::ingest::Ingest;
use crate::domain::performance::{
    ClosedTrade, Direction, FieldErrors, Horizons, OutcomeReason, Period, RequestError,
    parse_outcome, window_start,
};
use crate::domain::render::{AcceptedContext, OutcomeNote};
use crate::domain::signal::{Price, Signal, SignalKind};
use crate::store::{
    Announcement, NewOutcome, Recorded, Store, StoreError, StoreResult, StoredOutcome, StoredSignal,
};

/// Why a reported outcome or a batch of prices was refused.
#[derive(Debug, thiserror::Error)]
pub enum OutcomeError {
    /// Not JSON, or not the expected shape at all.
    #[error("malformed request: {0}")]
    Malformed(String),
    /// Well-formed, but fields break the rules.
    #[error("invalid fields: {}", .0.len())]
    Invalid(FieldErrors),
    #[error("no signal with this id")]
    UnknownSignal,
    #[error(transparent)]
    AlreadyClosed(#[from] AlreadyClosed),
    #[error(transparent)]
    Close(#[from] CloseError),
}

impl From<RequestError> for OutcomeError {
    fn from(err: RequestError) -> Self {
        match err {
            RequestError::Malformed(message) => Self::Malformed(message),
            RequestError::Invalid(fields) => Self::Invalid(fields),
        }
    }
}

impl From<StoreError> for OutcomeError {
    fn from(err: StoreError) -> Self {
        Self::Close(CloseError::Store(err))
    }
}

impl OutcomeError {
    fn invalid(field: &str, message: &str) -> Self {
        Self::Invalid(FieldErrors::from([(field.to_owned(), message.to_owned())]))
    }
}

/// A position Herald just closed.
#[derive(Debug, Clone, Serialize)]
pub struct Closed {
    pub signal_id: Uuid,
    pub reason: OutcomeReason,
    pub exit_price: Option<Price>,
    pub return_pct: Option<f64>,
    pub closed_at: DateTime<Utc>,
}

#[derive(Clone)]
pub struct Outcomes {
    store: Store,
    similar: SimilarCache,
    horizons: Arc<Horizons>,
    /// `/api/stats` figures over every outcome, kept briefly: monitoring polls them, and each
    /// computation reads the whole outcomes table.
    stats_cache: Arc<tokio::sync::Mutex<Option<(tokio::time::Instant, serde_json::Value)>>>,
}

/// How long `/api/stats` performance figures are reused.
const STATS_TTL: std::time::Duration = std::time::Duration::from_secs(30);

impl Outcomes {
    /// Shares `ingest`'s performance category.
    pub fn new(store: Store, ingest: Ingest, horizons: Arc<Horizons>) -> Self {
        Self {
            store,
            similar: ingest.similar().clone(),
            horizons,
            stats_cache: Arc::new(tokio::sync::Mutex::new(None)),
        }
    }

    /// Figures for today, 7d, 30d and all (UTC days), at most [`STATS_TTL`] old.
    pub async fn stats_performance(&self) -> StoreResult<serde_json::Value> {
        let mut cache = self.stats_cache.lock().await;
        if let Some((at, value)) = cache.as_ref()
            && at.elapsed() < STATS_TTL
        {
            return Ok(value.clone());
        }
        let now = Utc::now();
        let trades = self
            .store
            .closed_trades(&crate::store::TradeQuery::default())
            .await?;
        let mut figures = serde_json::Map::new();
        for period in Period::ALL {
            let since = window_start(period, now, chrono_tz::Tz::UTC);
            let in_window: Vec<ClosedTrade> = trades
                .iter()
                .filter(|t| since.is_none_or(|since| t.closed_at >= since))
                .cloned()
                .collect();
            figures.insert(
                period.as_str().to_owned(),
                json!(crate::domain::performance::figures(&in_window)),
            );
        }
        let value = serde_json::Value::Object(figures);
        *cache = Some((tokio::time::Instant::now(), value.clone()));
        Ok(value)
    }

    pub fn horizons(&self) -> &Horizons {
        &self.horizons
    }

    pub fn similar(&self) -> &SimilarCache {
        &self.similar
    }

    /// `POST /api/signals/{id}/outcome`. `Ok((true, _))` when it closed the signal now; the same
    /// report again answers `Ok((false, _))`; a different outcome for a closed signal is refused.
    pub async fn report(
        &self,
        id: Uuid,
        body: &[u8],
    ) -> Result<(bool, StoredOutcome), OutcomeError> {
        let now = Utc::now();
        let request = parse_outcome(body, now)?;
        let original = self
            .store
            .signal(id)
            .await?
            .ok_or(OutcomeError::UnknownSignal)?;
        if Direction::of(original.signal.kind).is_none() {
            return Err(OutcomeError::invalid(
                "id",
                "only buy and sell signals have an outcome",
            ));
        }
        let closed_at = request.closed_at.unwrap_or(now);
        if closed_at < original.signal.generated_at {
            return Err(OutcomeError::invalid(
                "closed_at",
                "must not be before the signal was generated",
            ));
        }
        let recorded = self
            .close(
                &original,
                OutcomeReason::Reported,
                request.reason.clone(),
                Some(request.exit_price),
                closed_at,
                now,
            )
            .await?;
        let existing = match recorded {
            Recorded::Closed => {
                let stored = self
                    .store
                    .outcome(id)
                    .await?
                    .ok_or(OutcomeError::UnknownSignal)?;
                return Ok((true, stored));
            }
            Recorded::AlreadyClosed(existing) => existing,
        };
        // A retry of the same report (same price, reason and, if given, time) is answered again.
        let same = existing.reason == OutcomeReason::Reported
            && existing.exit_price == Some(request.exit_price.value().to_string())
            && existing.note == request.reason
            && request
                .closed_at
                .is_none_or(|at| at.timestamp_millis() == existing.closed_at.timestamp_millis());
        if same {
            Ok((false, existing))
        } else {
            Err(AlreadyClosed::new(id, &existing).into())
        }
    }

    /// When an open signal expires. Its horizon runs from when Herald accepted (and sent) it, so
    /// a signal that reaches us late still gets its full time with subscribers.
    pub fn expires_at(&self, original: &StoredSignal) -> DateTime<Utc> {
        let signal = &original.signal;
        let start = original.accepted_at.max(signal.generated_at);
        self.horizons.expires_at(signal.timeframe, start)
    }

    fn closed(
        &self,
        original: &Signal,
        reason: OutcomeReason,
        exit_price: Option<Price>,
        closed_at: DateTime<Utc>,
    ) -> Closed {
        Closed {
            signal_id: original.id,
            reason,
            exit_price,
            return_pct: outcome_return(original, exit_price),
            closed_at,
        }
    }

    /// Records the outcome and writes the close that announces it, in one transaction.
    async fn close(
        &self,
        original: &StoredSignal,
        reason: OutcomeReason,
        note: Option<String>,
        exit_price: Option<Price>,
        closed_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Recorded, CloseError> {
        let signal = &original.signal;
        let announcement = Signal {
            id: Uuid::now_v7(),
            kind: SignalKind::Close,
            asset: signal.asset.clone(),
            entry_price: None,
            target_price: None,
            stop_loss: None,
            timeframe: None,
            confidence: signal.confidence,
            source_model: signal.source_model.clone(),
            market_context: None,
            notes: Vec::new(),
            generated_at: closed_at,
            closes: Some(signal.id),
            exit_price,
            message: None,
        };
        // What Herald "posted": compared only if someone posts a signal with this id, which
        // nobody can know in advance.
        let request = json!({
            "type": "close", "asset": signal.asset, "closes": signal.id,
            "exit_price": exit_price, "reason": reason, "generated_at": closed_at,
            "posted_by": "herald",
        })
        .to_string();
        let context = AcceptedContext {
            similar: None,
            outcome: Some(OutcomeNote {
                reason,
                note: note.clone(),
            }),
        };
        let context = serde_json::to_value(&context)?;
        let outcome = NewOutcome {
            reason,
            note,
            exit_price,
            return_pct: outcome_return(signal, exit_price),
            closed_at,
        };
        let announcement = Announcement {
            signal: &announcement,
            request: &request,
            context: &context,
            recipients: original.recipients,
        };
        let recorded = record_close(
            &self.store,
            &self.similar,
            signal,
            &outcome,
            announcement,
            now,
        )
        .await?;
        if let Recorded::Closed = recorded {
            tracing::info!(signal_id = %signal.id, reason = reason.as_str(), "signal closed");
        }
        Ok(recorded)
    }
}
