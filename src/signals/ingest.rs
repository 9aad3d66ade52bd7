//! Accepting a signal: parse it, work out who receives it, and store the signal with one delivery
//! row per recipient in a single transaction. The answer (202) is given only after that commit,
//! so nothing accepted can be lost.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::performance::{Direction, OutcomeReason};
use crate::domain::recipients::{self, Decision, SignalFacts};
use crate::domain::render::AcceptedContext;
use crate::domain::signal::{Signal, SignalError, SignalKind, parse_signal};
use crate::domain::tier::TierRules;
use crate::http::error::ApiError;
use crate::signals::outcomes::{SimilarCache, already_closed, outcome_return};
use crate::store::{
    Announcement, DeliveryStatus, InsertOutcome, NewDelivery, NewOutcome, Recorded, Store,
    StoredSignal,
};

#[derive(Clone)]
pub struct Ingest {
    store: Store,
    tiers: Arc<TierRules>,
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
    pub fn new(store: Store, tiers: Arc<TierRules>) -> Self {
        Self {
            similar: SimilarCache::new(store.clone()),
            store,
            tiers,
        }
    }

    pub fn similar(&self) -> &SimilarCache {
        &self.similar
    }

    pub async fn accept(&self, body: &[u8]) -> Result<Accepted, ApiError> {
        let now = Utc::now();
        let mut parsed = parse_signal(body, Uuid::now_v7(), now).map_err(|err| match err {
            SignalError::Malformed(message) => ApiError::Malformed(message),
            SignalError::Invalid(fields) => ApiError::Invalid(fields),
        })?;
        // A retry of an accepted signal answers without re-planning its recipients.
        if let Some(existing) = self.store.signal(parsed.signal.id).await? {
            return if existing.request == parsed.canonical {
                Ok(Accepted::Duplicate(existing))
            } else {
                Err(ApiError::Conflict(
                    "a different signal was already posted with this id".into(),
                ))
            };
        }

        let original = match parsed.signal.closes {
            Some(id) => {
                let original = self.original_of_close(&parsed.signal, id).await?;
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
        let context = serde_json::to_value(&context).map_err(anyhow::Error::from)?;
        let deliveries = self.plan(&signal, original.as_ref(), now).await?;
        if let Some(original) = &original {
            let announcement = Announcement {
                signal: &signal,
                request: &parsed.canonical,
                context: &context,
                deliveries: &deliveries,
            };
            return self.accept_close(original, announcement, now).await;
        }
        match self
            .store
            .insert_signal(&signal, &parsed.canonical, &context, &deliveries, now)
            .await?
        {
            InsertOutcome::Created(stored) => {
                crate::ops::metrics::deliveries_skipped(
                    deliveries
                        .iter()
                        .filter(|d| d.status == DeliveryStatus::Skipped)
                        .count(),
                );
                tracing::info!(signal_id = %stored.signal.id, kind = signal.kind.as_str(), recipients = stored.recipients, "signal accepted");
                Ok(Accepted::Created(stored))
            }
            InsertOutcome::Duplicate(stored) => Ok(Accepted::Duplicate(stored)),
        }
    }

    /// A close records the outcome of the signal it closes, atomically with the close and its
    /// deliveries. A second close of a closed signal is refused with 409: its outcome stands.
    async fn accept_close(
        &self,
        original: &StoredSignal,
        close: Announcement<'_>,
        now: DateTime<Utc>,
    ) -> Result<Accepted, ApiError> {
        let signal = close.signal;
        let return_pct = outcome_return(&original.signal, signal.exit_price);
        let outcome = NewOutcome {
            reason: OutcomeReason::Close,
            note: None,
            exit_price: signal.exit_price,
            return_pct,
            closed_at: signal.generated_at,
        };
        let recipients = close.deliveries.iter().filter(|d| d.is_queued()).count() as i64;
        let (request, context) = (close.request.to_owned(), close.context.clone());
        match self
            .store
            .record_outcome(&original.signal, &outcome, Some(close), now)
            .await?
        {
            Recorded::Closed => {
                if let (Some(ret), Some(direction)) =
                    (return_pct, Direction::of(original.signal.kind))
                {
                    self.similar.record(
                        original.signal.source_model.as_deref(),
                        original.signal.asset.as_str(),
                        direction,
                        ret,
                    );
                }
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
                    .ok_or(ApiError::NotFound)?;
                if stored.request == request {
                    Ok(Accepted::Duplicate(stored))
                } else {
                    Err(ApiError::Conflict(
                        "a different signal was already posted with this id".into(),
                    ))
                }
            }
            Recorded::AlreadyClosed(existing) => Err(already_closed(original.signal.id, &existing)),
        }
    }

    /// A close must end a known, still open buy or sell of the same asset, and not before it.
    async fn original_of_close(&self, close: &Signal, id: Uuid) -> Result<StoredSignal, ApiError> {
        let original = self
            .store
            .signal(id)
            .await?
            .ok_or_else(|| ApiError::invalid("closes", "no signal with this id"))?;
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
        if close.generated_at < original.signal.generated_at {
            fields.insert(
                "generated_at".to_owned(),
                "must not be before the closed signal's generated_at".to_owned(),
            );
        }
        if !fields.is_empty() {
            return Err(ApiError::Invalid(fields));
        }
        if let Some(existing) = self.store.outcome(id).await? {
            return Err(already_closed(id, &existing));
        }
        Ok(original)
    }

    /// One row per user the signal concerns: `pending` for recipients, `skipped` (with the
    /// reason) for subscribers whose filters exclude it.
    pub(crate) async fn plan(
        &self,
        signal: &Signal,
        original: Option<&StoredSignal>,
        now: DateTime<Utc>,
    ) -> Result<Vec<NewDelivery>, ApiError> {
        // A close reaches every chat the original went or is still going to; a reply target
        // unknown yet is filled in when the close is sent (see `store::deliveries`).
        let replies: HashMap<i64, Option<i64>> = match original {
            Some(original) => self.store.audience_of_signal(original.signal.id).await?,
            None => HashMap::new(),
        };
        let facts = SignalFacts::from(signal);
        let candidates = self.store.signal_candidates().await?;
        let mut deliveries = Vec::with_capacity(candidates.len());
        for candidate in candidates.iter() {
            let audience = replies.get(&candidate.chat_id).copied();
            let reply_to = audience.flatten();
            let view = recipients::Candidate {
                active: candidate.is_active,
                subscribed: candidate.subscription.subscribed,
                disclaimer_accepted: candidate.disclaimer_accepted,
                tier: candidate.subscription.tier,
                subscription_expires_at: candidate.subscription.expires_at,
                prefs: candidate.prefs.clone(),
                received_original: audience.is_some(),
            };
            let base = |status, skip_reason: Option<String>| NewDelivery {
                user_id: candidate.user_id,
                chat_id: candidate.chat_id,
                status,
                skip_reason,
                lang: view.prefs.language,
                format: view.prefs.format,
                silent: false,
                protect_content: false,
                reply_to_message_id: reply_to,
                next_attempt_at: now.timestamp_millis(),
            };
            match recipients::decide(&view, &facts, &self.tiers, now) {
                Decision::Ignore => {}
                Decision::Skip(reason) => {
                    deliveries.push(base(
                        DeliveryStatus::Skipped,
                        Some(reason.as_str().to_owned()),
                    ));
                }
                Decision::Send {
                    silent,
                    protect_content,
                    delay_secs,
                } => {
                    deliveries.push(NewDelivery {
                        silent,
                        protect_content,
                        next_attempt_at: now.timestamp_millis()
                            + (delay_secs as i64).saturating_mul(1000),
                        ..base(DeliveryStatus::Pending, None)
                    });
                }
            }
        }
        Ok(deliveries)
    }
}
