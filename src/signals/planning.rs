//! Who receives a signal: one delivery row per user it concerns, decided by
//! `domain::recipients` for one page of the audience at a time (`signals::fanout` walks the
//! pages). Engine signals (`ingest`) and Herald's own closes (`outcomes`) are planned the same way.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::domain::preferences::{Delivery, Preferences, TypeModes};
use crate::domain::recipients::{self, Decision, SignalFacts};
use crate::domain::signal::Signal;
use crate::domain::tier::TierRules;
use crate::store::{Candidate, Channel, DeliveryStatus, NewDelivery};

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
        page.iter()
            .filter_map(|candidate| {
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
                let to = Target {
                    user_id: Some(candidate.user_id),
                    chat_id: candidate.chat_id,
                    reply_to: audience.flatten(),
                };
                self.row(&facts, &view, to, at)
            })
            .collect()
    }

    /// One post per channel the signal concerns, decided as for a subscriber of the channel's
    /// tier with its types, assets, language and format; the close of a signal a channel got
    /// always follows it there.
    pub fn decide_channels(
        &self,
        signal: &Signal,
        channels: &[Channel],
        replies: &HashMap<i64, Option<i64>>,
        at: DateTime<Utc>,
    ) -> Vec<NewDelivery> {
        let facts = SignalFacts::from(signal);
        channels
            .iter()
            .filter_map(|channel| {
                let audience = replies.get(&channel.chat_id).copied();
                let mut modes = TypeModes {
                    buy: Delivery::Off,
                    sell: Delivery::Off,
                    close: Delivery::On,
                    alert: Delivery::Off,
                };
                for kind in &channel.signal_types {
                    modes.set(*kind, Delivery::On);
                }
                let view = recipients::Candidate {
                    active: true,
                    subscribed: true,
                    disclaimer_accepted: true,
                    tier: channel.tier,
                    subscription_expires_at: None,
                    prefs: Preferences {
                        signal_types: modes,
                        assets: channel.assets.clone(),
                        language: channel.language,
                        format: channel.format,
                        ..Preferences::default()
                    },
                    received_original: audience.is_some(),
                };
                let to = Target {
                    user_id: None,
                    chat_id: channel.chat_id,
                    reply_to: audience.flatten(),
                };
                // A channel that filters a signal out just does not get it: no row.
                self.row(&facts, &view, to, at)
                    .filter(|row| row.status == DeliveryStatus::Pending)
            })
            .collect()
    }

    fn row(
        &self,
        facts: &SignalFacts,
        view: &recipients::Candidate,
        to: Target,
        at: DateTime<Utc>,
    ) -> Option<NewDelivery> {
        // A reply target unknown yet is looked up when the close is sent (see
        // `store::deliveries`).
        let base = |status, skip_reason: Option<String>| NewDelivery {
            user_id: to.user_id,
            chat_id: to.chat_id,
            status,
            skip_reason,
            lang: view.prefs.language,
            format: view.prefs.format,
            silent: false,
            protect_content: false,
            reply_to_message_id: to.reply_to,
            next_attempt_at: at.timestamp_millis(),
        };
        match recipients::decide(view, facts, &self.tiers, at) {
            Decision::Ignore => None,
            Decision::Skip(reason) => Some(base(
                DeliveryStatus::Skipped,
                Some(reason.as_str().to_owned()),
            )),
            Decision::Send {
                silent,
                protect_content,
                delay_secs,
            } => Some(NewDelivery {
                silent,
                protect_content,
                next_attempt_at: at.timestamp_millis() + (delay_secs as i64).saturating_mul(1000),
                ..base(DeliveryStatus::Pending, None)
            }),
        }
    }
}

/// Where a row goes.
struct Target {
    user_id: Option<uuid::Uuid>,
    chat_id: i64,
    reply_to: Option<i64>,
}
