//! Long polling: fetch updates, store them in the inbox (through the `Intake`, which hands them on
//! for handling), then confirm them to Telegram with the next offset. Storing first means a crash
//! between the two repeats an update (dropped by the inbox's key) instead of losing it. A batch is
//! stored with one statement, in one transaction with the offset saved for a restart. Only the
//! leader polls: Telegram allows one poller per bot.

use std::time::Duration;

use teloxide_core::Bot;
use teloxide_core::RequestError;
use teloxide_core::payloads::GetUpdatesSetters;
use teloxide_core::prelude::Requester;
use teloxide_core::types::AllowedUpdate;
use tokio_util::sync::CancellationToken;

use super::chat_of;
use super::inbox::UpdateReceiver;
use crate::store::{NewUpdate, Store};
use crate::telegram::LONG_POLL_SECONDS;

const OFFSET_KEY: &str = "telegram_poll_offset";

pub async fn poll(store: Store, bot: Bot, intake: UpdateReceiver, stop: CancellationToken) {
    let mut offset: Option<i32> = store
        .state(OFFSET_KEY)
        .await
        .ok()
        .flatten()
        .and_then(|text| text.parse().ok());
    let mut failures: u32 = 0;
    loop {
        let mut request = bot
            .get_updates()
            .timeout(LONG_POLL_SECONDS)
            .allowed_updates([
                AllowedUpdate::Message,
                AllowedUpdate::CallbackQuery,
                AllowedUpdate::MyChatMember,
            ]);
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
                crate::ops::metrics::error(crate::ops::metrics::ErrorKind::Telegram);
                if describe(&err).contains("webhook is active") && failures == 1 {
                    tracing::error!(
                        "a webhook is registered, so polling cannot work: run `herald webhook delete`, or set HERALD_WEBHOOK_URL"
                    );
                }
                let delay = match &err {
                    RequestError::RetryAfter(seconds) => seconds.duration(),
                    _ => Duration::from_secs(u64::from(failures.min(30))),
                };
                tracing::warn!(error = %describe(&err), delay_s = delay.as_secs(), "getUpdates failed");
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
        match intake.receive(batch, Some((OFFSET_KEY, &next_text))).await {
            Ok(stored) => {
                crate::ops::metrics::updates_received("polling", "stored", stored);
                crate::ops::metrics::updates_received(
                    "polling",
                    "duplicate",
                    total.saturating_sub(stored),
                );
            }
            Err(err) => {
                crate::ops::metrics::error(crate::ops::metrics::ErrorKind::Database);
                tracing::error!(error = %err, "cannot store polled updates; they will be fetched again");
                // Not confirming: the same batch comes back on the next poll.
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                }
            }
        }
        offset = Some(next);
    }
}

fn describe(error: &RequestError) -> String {
    match error {
        RequestError::Network(_) => "network error".to_owned(),
        other => other.to_string(),
    }
}
