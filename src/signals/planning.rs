//! Who receives a signal: one delivery row per user it concerns, decided by
//! `domain::recipients` for one page of the audience at a time (`signals::fanout` walks the
//! pages). Engine signals (`ingest`) and Herald's own closes (`outcomes`) are planned the same way.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::domain::recipients::{self, Decision, SignalFacts};
use crate::domain::signal::Signal;
use crate::domain::tier::TierRules;
use crate::store::{Candidate, DeliveryStatus, NewDelivery};

#[derive(Clone)]
pub(crate) struct Planner {
    tiers: Arc<TierRules>,
}

impl Planner {
    pub fn new(tiers: Arc<TierRules>) -> Self {
        Self { tiers }
    }

    /// One row per candidate the signal concerns, decided at `at` (the signal's acceptance):
    /// `pending` for recipients, `skipped` (with the reason) for subscribers whose filters
    /// exclude it. A close reaches the chats in `replies` (those the original went or is still
    /// going to), each a reply to the original's message where it is known.
    pub fn decide(
        &self,
        signal: &Signal,
        page: &[Candidate],
        replies: &HashMap<i64, Option<i64>>,
        at: DateTime<Utc>,
    ) -> Vec<NewDelivery> {
        let facts = SignalFacts::from(signal);
        let mut deliveries = Vec::with_capacity(page.len());
        for candidate in page {
            let audience = replies.get(&candidate.chat_id).copied();
            let view = recipients::Candidate {
                active: candidate.is_active,
                subscribed: candidate.subscription.subscribed,
                disclaimer_accepted: candidate.disclaimer_accepted,
                tier: candidate.subscription.tier,
                subscription_expires_at: candidate.subscription.expires_at,
                prefs: candidate.prefs.clone(),
                received_original: audience.is_some(),
            };
            // A reply target unknown yet is looked up when the close is sent (see
            // `store::deliveries`).
            let base = |status, skip_reason: Option<String>| NewDelivery {
                user_id: candidate.user_id,
                chat_id: candidate.chat_id,
                status,
                skip_reason,
                lang: view.prefs.language,
                format: view.prefs.format,
                silent: false,
                protect_content: false,
                reply_to_message_id: audience.flatten(),
                next_attempt_at: at.timestamp_millis(),
            };
            match recipients::decide(&view, &facts, &self.tiers, at) {
                Decision::Ignore => {}
                Decision::Skip(reason) => deliveries.push(base(
                    DeliveryStatus::Skipped,
                    Some(reason.as_str().to_owned()),
                )),
                Decision::Send {
                    silent,
                    protect_content,
                    delay_secs,
                } => deliveries.push(NewDelivery {
                    silent,
                    protect_content,
                    next_attempt_at: at.timestamp_millis()
                        + (delay_secs as i64).saturating_mul(1000),
                    ..base(DeliveryStatus::Pending, None)
                }),
            }
        }
        deliveries
    }
}
