//! Long polling: fetch updates, store them in the inbox (through the `UpdateReceiver`, which hands
//! them on for handling), then confirm them to Telegram with the next offset. Storing first means a
//! crash between the two repeats an update (dropped by the inbox's key) instead of losing it. A
//! batch is stored with one statement, in one transaction with the offset saved for a restart, so
//! the offset never moves past updates that were not stored; a database error (reading the offset,
//! storing a batch) is logged, counted, and the same statement tried again. Only the leader polls:
//! Telegram allows one poller per bot.

use std::future::Future;
use std::time::Duration;

use teloxide_core::Bot;
use teloxide_core::payloads::GetUpdatesSetters;
use teloxide_core::prelude::Requester;
use tokio_util::sync::CancellationToken;

use super::chat_of;
use super::inbox::UpdateReceiver;
use crate::ops::metrics::ErrorKind;
use crate::store::{NewUpdate, Store, StoreResult};
use crate::telegram::{LONG_POLL_SECONDS, SendFailure, classify};

const OFFSET_KEY: &str = "telegram_poll_offset";
/// A statement that failed (reading the offset, storing a batch) is tried again after this long.
const DATABASE_RETRY: Duration = Duration::from_secs(1);

pub async fn poll(store: Store, bot: Bot, receiver: UpdateReceiver, stop: CancellationToken) {
    let Some(mut offset) = saved_offset(|| store.state(OFFSET_KEY), &stop).await else {
        return;
    };
    let mut failures: u32 = 0;
    loop {
        let mut request = bot
            .get_updates()
            .timeout(LONG_POLL_SECONDS)
            .allowed_updates(super::ALLOWED_UPDATES);
        if let Some(offset) = offset {
            request = request.offset(offset);
        }
        let result = tokio::select! {
            _ = stop.cancelled() => return,
            result = request => result,
        };
        let updates = match result {
            Ok(updates) => updates,
            Err(err) => {
                failures += 1;
                crate::ops::metrics::error(ErrorKind::Telegram);
                let failure = classify(&err);
                if failure.says("webhook is active") && failures == 1 {
                    tracing::error!(
                        "a webhook is registered, so polling cannot work: run `herald webhook delete`, or set HERALD_WEBHOOK_URL"
                    );
                }
                let delay = match &failure {
                    SendFailure::RetryAfter(delay) => *delay,
                    _ => Duration::from_secs(u64::from(failures.min(30))),
                };
                tracing::warn!(error = %failure, delay_s = delay.as_secs(), "getUpdates failed");
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(delay) => continue,
                }
            }
        };
        failures = 0;
        let total = updates.len() as u64;
        let batch: Vec<NewUpdate> = updates
            .iter()
            .filter_map(|update| match serde_json::to_string(update) {
                Ok(payload) => Some(NewUpdate {
                    update_id: i64::from(update.id.0),
                    chat_id: chat_of(update),
                    payload,
                }),
                Err(err) => {
                    tracing::warn!(update_id = update.id.0, error = %err, "cannot serialize an update; skipped");
                    None
                }
            })
            .collect();
        let Some(last) = updates.last() else {
            continue;
        };
        let next = i32::try_from(last.id.0)
            .unwrap_or(i32::MAX)
            .saturating_add(1);
        // The batch and the offset that confirms it commit together.
        let next_text = next.to_string();
        match receiver
            .receive(batch, Some((OFFSET_KEY, &next_text)))
            .await
        {
            Ok(stored) => {
                crate::ops::metrics::updates_received("polling", "stored", stored);
                crate::ops::metrics::updates_received(
                    "polling",
                    "duplicate",
                    total.saturating_sub(stored),
                );
            }
            Err(err) => {
                crate::ops::metrics::error(ErrorKind::Database);
                tracing::error!(error = %err, "cannot store polled updates; they will be fetched again");
                // Not confirming: the same batch comes back on the next poll.
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(DATABASE_RETRY) => continue,
                }
            }
        }
        offset = Some(next);
    }
}

/// The offset saved with the last stored batch (`None` before the first), read until the
/// database answers or `stop` fires (then `None`). Polling without it would ask Telegram again
/// for updates already stored but not yet confirmed, and nothing could be stored meanwhile anyway.
async fn saved_offset<Read, Answer>(read: Read, stop: &CancellationToken) -> Option<Option<i32>>
where
    Read: Fn() -> Answer,
    Answer: Future<Output = StoreResult<Option<String>>>,
{
    loop {
        match read().await {
            Ok(saved) => return Some(saved.and_then(|text| parse_offset(&text))),
            Err(err) => {
                crate::ops::metrics::error(ErrorKind::Database);
                tracing::error!(error = %err, "cannot read the poll offset; polling waits for it");
                tokio::select! {
                    _ = stop.cancelled() => return None,
                    _ = tokio::time::sleep(DATABASE_RETRY) => {}
                }
            }
        }
    }
}

fn parse_offset(text: &str) -> Option<i32> {
    let parsed = text.parse().ok();
    if parsed.is_none() {
        // Telegram then starts from its earliest unconfirmed update: none is lost.
        crate::ops::metrics::error(ErrorKind::Database);
        tracing::error!(saved = %text, "the saved poll offset is not a number; polling without it");
    }
    parsed
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::store::StoreError;

    #[tokio::test]
    async fn the_saved_offset_is_read_again_until_the_database_answers() {
        let reads = AtomicU32::new(0);
        let read = || {
            let attempt = reads.fetch_add(1, Ordering::SeqCst);
            async move {
                if attempt == 0 {
                    Err(StoreError::Database(sqlx::Error::PoolTimedOut))
                } else {
                    Ok(Some("42".to_owned()))
                }
            }
        };
        let stop = CancellationToken::new();
        assert_eq!(saved_offset(read, &stop).await, Some(Some(42)));
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn no_saved_offset_polls_from_telegrams_earliest_unconfirmed_update() {
        let stop = CancellationToken::new();
        let nothing = || async { Ok(None) };
        assert_eq!(saved_offset(nothing, &stop).await, Some(None));
        let garbage = || async { Ok(Some("twelve".to_owned())) };
        assert_eq!(saved_offset(garbage, &stop).await, Some(None));
    }

    #[tokio::test]
    async fn stopping_ends_the_wait_for_the_database() {
        let stop = CancellationToken::new();
        stop.cancel();
        let failing = || async { Err(StoreError::Database(sqlx::Error::PoolTimedOut)) };
        assert_eq!(saved_offset(failing, &stop).await, None);
    }
}
