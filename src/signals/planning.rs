//! Who receives a signal: one delivery row per user it concerns, decided by
//! `domain::recipients` from the cached audience. Engine signals (`ingest`) and Herald's own closes
//! (`outcomes`) are planned the same way.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::domain::preferences::Tier;
use crate::domain::recipients::{self, Decision, SignalFacts};
use crate::domain::signal::Signal;
use crate::domain::tier::TierRules;
use crate::store::{DeliveryStatus, NewDelivery, Store, StoreResult, StoredSignal};

#[derive(Clone)]
pub(crate) struct Planner {
    store: Store,
    tiers: Arc<TierRules>,
}

impl Planner {
    pub fn new(store: Store, tiers: Arc<TierRules>) -> Self {
        Self { store, tiers }
    }

    /// One row per user the signal concerns: `pending` for recipients, `skipped` (with the
    /// reason) for subscribers whose filters exclude it. A close (`original` given) reaches every
    /// chat the original went or is still going to.
    pub async fn plan(
        &self,
        signal: &Signal,
        original: Option<&StoredSignal>,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<NewDelivery>> {
        // A reply target unknown yet is filled in when the close is sent (see
        // `store::deliveries`).
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
            let paying = candidate.subscription.tier != Tier::Free
                && candidate
                    .subscription
                    .expires_at
                    .is_none_or(|until| until > now);
            match recipients::decide(&view, &facts, &self.tiers, now) {
                Decision::Ignore => {}
                Decision::Skip(reason) => {
                    deliveries.push((
                        paying,
                        base(DeliveryStatus::Skipped, Some(reason.as_str().to_owned())),
                    ));
                }
                Decision::Send {
                    silent,
                    protect_content,
                    delay_secs,
                } => {
                    deliveries.push((
                        paying,
                        NewDelivery {
                            silent,
                            protect_content,
                            next_attempt_at: now.timestamp_millis()
                                + (delay_secs as i64).saturating_mul(1000),
                            ..base(DeliveryStatus::Pending, None)
                        },
                    ));
                }
            }
        }
        // Rows are sent in the order they are written: paying recipients first (at 30/s the
        // 100,000th subscriber waits 55 minutes), each group in the audience's order.
        deliveries.sort_by_key(|(paying, _)| !paying);
        Ok(deliveries.into_iter().map(|(_, row)| row).collect())
    }
}
