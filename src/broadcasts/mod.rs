//! `/broadcast`: one message to every active user. A broadcast is a `broadcasts` row and one
//! delivery row per active user (`Store::create_broadcast`), so the one dispatcher paces it with
//! signals.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::store::{Store, StoreError};

/// Leaves room for the megaphone and escaping within Telegram's 4096 characters.
pub const MAX_BROADCAST_CHARS: usize = 3500;

#[derive(Debug, thiserror::Error)]
pub enum BroadcastError {
    #[error("a broadcast needs a text")]
    Empty,
    #[error("a broadcast is at most {MAX_BROADCAST_CHARS} characters")]
    TooLong,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A queued broadcast.
#[derive(Debug, Clone, Copy)]
pub struct Queued {
    pub id: Uuid,
    pub recipients: i64,
}

/// Whether `text` can be broadcast; checked before the admin is asked for a code, and again
/// when it is queued.
pub fn check(text: &str) -> Result<(), BroadcastError> {
    if text.is_empty() {
        Err(BroadcastError::Empty)
    } else if text.chars().count() > MAX_BROADCAST_CHARS {
        Err(BroadcastError::TooLong)
    } else {
        Ok(())
    }
}

/// Queues `text` to every active user, sent by the admin with Telegram id `sent_by`.
pub async fn queue(
    store: &Store,
    text: &str,
    sent_by: i64,
    now: DateTime<Utc>,
) -> Result<Queued, BroadcastError> {
    check(text)?;
    let (id, recipients) = store.create_broadcast(text, sent_by, now).await?;
    tracing::info!(broadcast_id = %id, recipients, "broadcast queued");
    Ok(Queued { id, recipients })
}
