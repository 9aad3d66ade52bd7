//! Accepting a signal: parse it, check it against the signal it closes, and store it with its
//! fan-out job in a single transaction. The answer (202) is given only after that commit, so
//! nothing accepted can be lost; the delivery rows are written afterwards (`signals::fanout`),
//! so the answer never waits for the size of the audience.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::SimilarCache;
use super::closing::{AlreadyClosed, outcome_return, record_close};
use crate::domain::performance::OutcomeReason;
use crate::domain::render::AcceptedContext;
use crate::domain::signal::{FieldErrors, ParsedSignal, SignalError, SignalKind, parse_signal};
use crate::store::{
    Announcement, InsertOutcome, NewOutcome, Recorded, Store, StoreError, StoredSignal,
};

/// Why a signal was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Not UTF-8, not JSON, not an object, or a key given twice.
    #[error("malformed signal: {0}")]
    Malformed(String),
    /// Fields that break the rules, or a close that does not fit the signal it closes.
    #[error("invalid signal: {} field(s) break the rules", .0.len())]
    Invalid(FieldErrors),
    /// A different signal was accepted with this id before.
    #[error("a different signal was already posted with this id")]
    IdTaken,
    #[error(transparent)]
    AlreadyClosed(#[from] AlreadyClosed),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot encode the signal's context: {0}")]
    Encode(#[from] serde_json::Error),
}

impl From<SignalError> for IngestError {
    fn from(err: SignalError) -> Self {
        match err {
            SignalError::Malformed(message) => Self::Malformed(message),
            SignalError::Invalid(fields) => Self::Invalid(fields),
        }
    }
}

#[derive(Clone)]
pub struct Ingest {
    store: Store,
    /// The performance category of new buys and sells, from memory.
    similar: SimilarCache,
}

#[derive(Debug)]
pub enum Accepted {
    Created(StoredSignal),
    /// The same id and body were posted before: the original answer, nothing sent again.
    Duplicate(StoredSignal),
}

impl Ingest {
    pub fn new(store: Store) -> Self {
        Self {
            similar: SimilarCache::new(store.clone()),
            store,
        }
    }

    pub fn similar(&self) -> &SimilarCache {
        &self.similar
    }

    pub async fn accept(&self, body: &[u8]) -> Result<Accepted, IngestError> {
        let now = Utc::now();
        let mut parsed = parse_signal(body, Uuid::now_v7(), now)?;
        // A retry of an accepted signal answers without re-planning its recipients.
        if let Some(existing) = self.store.signal(parsed.signal.id).await? {
            return if existing.request == parsed.canonical {
                Ok(Accepted::Duplicate(existing))
            } else {
                Err(IngestError::IdTaken)
            };
        }

        let original = match parsed.signal.closes {
            Some(id) => {
                let original = self.original_of_close(&parsed, id).await?;
                parsed.inherit_confidence(&original.signal);
                Some(original)
            }
            None => None,
        };
        let signal = parsed.signal;
        let context = AcceptedContext {
            similar: self.similar.for_signal(&signal).await,
            outcome: None,
        };
        let context = serde_json::to_value(&context)?;
        if let Some(original) = &original {
            let announcement = Announcement {
                signal: &signal,
                request: &parsed.canonical,
                context: &context,
                recipients: original.recipients,
            };
            return self.accept_close(original, announcement, now).await;
        }
        let audience = self.store.audience_size().await?;
        match self
            .store
            .insert_signal(&signal, &parsed.canonical, &context, audience, now)
            .await?
        {
            InsertOutcome::Created(stored) => {
                tracing::info!(signal_id = %stored.signal.id, kind = signal.kind.as_str(), recipients = stored.recipients, "signal accepted");
                Ok(Accepted::Created(stored))
            }
            InsertOutcome::Duplicate(stored) => Ok(Accepted::Duplicate(stored)),
        }
    }

    /// A close records the outcome of the signal it closes, atomically with the close and its
    /// deliveries. A second close of a closed signal is refused: its outcome stands.
    async fn accept_close(
        &self,
        original: &StoredSignal,
        close: Announcement<'_>,
        now: DateTime<Utc>,
    ) -> Result<Accepted, IngestError> {
        let signal = close.signal;
        let outcome = NewOutcome {
            reason: OutcomeReason::Close,
            note: None,
            exit_price: signal.exit_price,
            return_pct: outcome_return(&original.signal, signal.exit_price),
            closed_at: signal.generated_at,
        };
        let recipients = close.recipients;
        let (request, context) = (close.request.to_owned(), close.context.clone());
        let recorded = record_close(
            &self.store,
            &self.similar,
            &original.signal,
            &outcome,
            close,
            now,
        )
        .await?;
        match recorded {
            Recorded::Closed => {
                tracing::info!(signal_id = %signal.id, closes = %original.signal.id, recipients, "close accepted");
                Ok(Accepted::Created(StoredSignal {
                    signal: signal.clone(),
                    request,
                    context,
                    accepted_at: now,
                    recipients,
                }))
            }
            // The same close posted twice at once: the other request wrote it.
            Recorded::AlreadyClosed(existing) if existing.closed_by == Some(signal.id) => {
                let stored = self
                    .store
                    .signal(signal.id)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                if stored.request == request {
                    Ok(Accepted::Duplicate(stored))
                } else {
                    Err(IngestError::IdTaken)
                }
            }
            Recorded::AlreadyClosed(existing) => {
                Err(AlreadyClosed::new(original.signal.id, &existing).into())
            }
        }
    }

    /// A close must end a known, still open buy or sell of the same asset, and not before it.
    async fn original_of_close(
        &self,
        parsed: &ParsedSignal,
        id: Uuid,
    ) -> Result<StoredSignal, IngestError> {
        let close = &parsed.signal;
        let Some(original) = self.store.signal(id).await? else {
            return Err(IngestError::Invalid(BTreeMap::from([(
                "closes".to_owned(),
                "no signal with this id".to_owned(),
            )])));
        };
        let mut fields = BTreeMap::new();
        if !matches!(original.signal.kind, SignalKind::Buy | SignalKind::Sell) {
            fields.insert(
                "closes".to_owned(),
                "must be the id of a buy or sell signal".to_owned(),
            );
        }
        if original.signal.asset != close.asset {
            fields.insert(
                "asset".to_owned(),
                format!(
                    "does not match the closed signal ({})",
                    original.signal.asset
                ),
            );
        }
        fields.extend(parsed.contradictions(&original.signal));
        if close.generated_at < original.signal.generated_at {
            fields.insert(
                "generated_at".to_owned(),
                "must not be before the closed signal's generated_at".to_owned(),
            );
        }
        if !fields.is_empty() {
            return Err(IngestError::Invalid(fields));
        }
        if let Some(existing) = self.store.outcome(id).await? {
            return Err(AlreadyClosed::new(id, &existing).into());
        }
        Ok(original)
    }
}
