//! Granting and revoking a tier: one path for `/grant`, `PUT`/`DELETE /api/users/{id}/tier` and
//! payments. Every change starts the premium reminders over (`Store::set_tier`), so a new end
//! date gets its own 7-day and 1-day reminders, and is audited with before and after.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{AccountError, Actor};
use crate::domain::preferences::Tier;
use crate::store::{Store, StoreError, Subscription};

/// Why a grant or revocation was refused.
#[derive(Debug, thiserror::Error)]
pub enum TierError {
    /// A tier that would have ended before it began.
    #[error("the new tier must end in the future")]
    EndsInPast,
    #[error(transparent)]
    Account(#[from] AccountError),
}

impl From<StoreError> for TierError {
    fn from(err: StoreError) -> Self {
        Self::Account(err.into())
    }
}

/// What a grant gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// `tier` until `expires_at` (no end when `None`), replacing what there was.
    Set {
        tier: Tier,
        expires_at: Option<DateTime<Utc>>,
    },
    /// Premium for this many more days, counted from the end of premium time still running, so
    /// a grant to a current premium user extends it rather than cutting it.
    PremiumDays(u32),
    /// `tier` until at least `until`: premium time of the same tier running past it is kept, so
    /// granting the same thing twice (a retried payment) changes nothing the second time.
    Through { tier: Tier, until: DateTime<Utc> },
}

/// A subscription before and after a change.
#[derive(Debug, Clone)]
pub struct TierChange {
    pub before: Subscription,
    pub after: Subscription,
}

/// Grants `grant`, audited as `tier.grant` by `actor`.
pub async fn grant(
    store: &Store,
    user_id: Uuid,
    grant: Grant,
    actor: Actor<'_>,
    now: DateTime<Utc>,
) -> Result<TierChange, TierError> {
    let (tier, expires_at) = match grant {
        Grant::Set { tier, expires_at } => {
            if expires_at.is_some_and(|at| at <= now) {
                return Err(TierError::EndsInPast);
            }
            (tier, expires_at)
        }
        Grant::PremiumDays(days) => {
            let current = store.subscription(user_id).await?;
            let from = match (current.tier, current.expires_at) {
                (Tier::Premium, Some(until)) if until > now => until,
                _ => now,
            };
            (
                Tier::Premium,
                Some(from + chrono::Duration::days(i64::from(days))),
            )
        }
        Grant::Through { tier, until } => {
            if until <= now {
                return Err(TierError::EndsInPast);
            }
            let current = store.subscription(user_id).await?;
            let same = current.tier == tier;
            let expires_at = match current.expires_at {
                // Granted without an end already.
                None if same => None,
                Some(running) if same && running > until => Some(running),
                _ => Some(until),
            };
            (tier, expires_at)
        }
    };
    change(store, user_id, tier, expires_at, "tier.grant", actor).await
}

/// Back to the free tier, with no end date.
pub async fn revoke(
    store: &Store,
    user_id: Uuid,
    actor: Actor<'_>,
) -> Result<TierChange, TierError> {
    change(store, user_id, Tier::Free, None, "tier.revoke", actor).await
}

async fn change(
    store: &Store,
    user_id: Uuid,
    tier: Tier,
    expires_at: Option<DateTime<Utc>>,
    operation: &str,
    actor: Actor<'_>,
) -> Result<TierChange, TierError> {
    store
        .user_by_id(user_id)
        .await?
        .ok_or(AccountError::UnknownUser)?;
    let (before, after) = store.set_tier(user_id, tier, expires_at).await?;
    let event = actor
        .event(operation, user_id)
        .change(subscription_json(&before), subscription_json(&after));
    store.audit(event).await;
    Ok(TierChange { before, after })
}

/// A subscription as the audit trail and the admin API show it.
pub fn subscription_json(subscription: &Subscription) -> Value {
    json!({
        "tier": subscription.tier,
        "subscribed": subscription.subscribed,
        "started_at": subscription.started_at,
        "expires_at": subscription.expires_at,
    })
}
