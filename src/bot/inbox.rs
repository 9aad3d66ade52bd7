//! Handles stored updates: in order within a chat, concurrently across chats, and across replicas
//! each update once. Every replica runs this loop; a round leases the chats with waiting updates
//! (`store::ops`: a replica that loses a race for a chat simply skips it), handles their updates
//! oldest first, renews the leases while it works and releases them at the end. An update is marked
//! handled only after its handler finished, so a crash replays it rather than dropping it; a lease
//! left behind by a crashed replica expires and another takes the chat over.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use teloxide_core::types::{Update, UpdateKind};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::commands::{self, Parsed};
use super::{BotContext, handle_update};
use crate::domain::i18n::{Lang, t};
use crate::metrics::ErrorKind;
use crate::store::InboxUpdate;
use crate::telemetry::PERFORMANCE;

/// A handler that failed this often is given up on, with an apology to the user.
const MAX_ATTEMPTS: i32 = 3;
const BATCH: i64 = 256;
/// Chats leased per round.
const CHATS_PER_ROUND: i64 = 64;
/// A lease outlives its holder by at most this long; renewed every third of it while working.
const LEASE: Duration = Duration::from_secs(30);
/// Updates stored by another replica are found by looking this often when nothing wakes us.
const IDLE_POLL: Duration = Duration::from_millis(500);

/// Runs until `stop` fires; the update being handled in each chat is finished first.
pub async fn process(ctx: BotContext, owner: Arc<str>, wake: Arc<Notify>, stop: CancellationToken) {
    loop {
        if stop.is_cancelled() {
            break;
        }
        let handled = match round(&ctx, &owner, &stop).await {
            Ok(handled) => handled,
            Err(err) => {
                crate::metrics::error(ErrorKind::Database);
                tracing::error!(error = %err, "cannot read the update inbox");
                0
            }
        };
        if handled == 0 {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = wake.notified() => {}
                _ = tokio::time::sleep(IDLE_POLL) => {}
            }
        }
    }
    // Leases normally go at the end of each round; this covers a round cut short by an error.
    if let Err(err) = ctx.store.release_inbox_leases(&owner).await {
        tracing::warn!(error = %err, "cannot release inbox leases; they expire by themselves");
    }
}

/// One round: lease, handle, release. Returns how many updates it handled.
async fn round(
    ctx: &BotContext,
    owner: &Arc<str>,
    stop: &CancellationToken,
) -> crate::store::StoreResult<usize> {
    let now = Utc::now();
    let until = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
    let leased = ctx
        .store
        .lease_inbox_chats(owner, now, until, CHATS_PER_ROUND)
        .await?;
    if leased.is_empty() {
        return Ok(0);
    }
    let batch = ctx.store.leased_updates(owner, now, BATCH).await?;
    let count = batch.len();
    let mut chats = JoinSet::new();
    for group in group_by_chat(batch) {
        let ctx = ctx.clone();
        let owner = owner.clone();
        let stop = stop.clone();
        chats.spawn(async move {
            for update in group {
                // Shutdown: finish the update in hand, start no other.
                if stop.is_cancelled() {
                    break;
                }
                handle_stored(&ctx, &owner, update).await;
            }
        });
    }
    let mut renew = tokio::time::interval(LEASE / 3);
    renew.tick().await;
    loop {
        tokio::select! {
            joined = chats.join_next() => if joined.is_none() { break },
            _ = renew.tick() => {
                let until = Utc::now() + chrono::Duration::from_std(LEASE).unwrap_or_default();
                if let Err(err) = ctx.store.renew_inbox_leases(owner, until).await {
                    tracing::warn!(error = %err, "cannot renew inbox leases");
                }
            }
        }
    }
    ctx.store.release_inbox_leases(owner).await?;
    Ok(count)
}

/// Splits a batch into per-chat queues, each keeping arrival order.
fn group_by_chat(batch: Vec<InboxUpdate>) -> Vec<Vec<InboxUpdate>> {
    let mut groups: Vec<Vec<InboxUpdate>> = Vec::new();
    let mut index: std::collections::HashMap<Option<i64>, usize> = std::collections::HashMap::new();
    for update in batch {
        match index.get(&update.chat_id) {
            Some(&i) => groups[i].push(update),
            None => {
                index.insert(update.chat_id, groups.len());
                groups.push(vec![update]);
            }
        }
    }
    groups
}

async fn handle_stored(ctx: &BotContext, owner: &str, stored: InboxUpdate) {
    let update: Update = match serde_json::from_str(&stored.payload) {
        Ok(update) => update,
        Err(err) => {
            tracing::warn!(update_id = stored.update_id, error = %err, "unreadable update; skipped");
            let _ = ctx
                .store
                .finish_update(stored.update_id, owner, Utc::now())
                .await;
            return;
        }
    };
    let command = command_label(&update, &ctx.bot_username);
    let span = tracing::info_span!("update", update_id = stored.update_id, command);
    handle_parsed(ctx, owner, stored, update, command)
        .instrument(span)
        .await;
}

async fn handle_parsed(
    ctx: &BotContext,
    owner: &str,
    stored: InboxUpdate,
    update: Update,
    command: &'static str,
) {
    let started = Instant::now();
    let result = handle_update(ctx, &update).await;
    crate::metrics::command(command, started, result.is_ok());
    tracing::info!(target: PERFORMANCE, command, latency_ms = started.elapsed().as_millis() as u64, ok = result.is_ok(), "update handled");
    if let Some(user) = update.from() {
        // Only for the active-user gauges; a failure here must not fail the update.
        let _ = ctx.store.touch_user(user.id.0 as i64, Utc::now()).await;
    }
    match result {
        Ok(()) => {
            if let Err(err) = ctx
                .store
                .finish_update(stored.update_id, owner, Utc::now())
                .await
            {
                crate::metrics::error(ErrorKind::Database);
                tracing::error!(error = %err, "cannot mark an update handled");
            }
        }
        Err(err) => {
            crate::metrics::error(ErrorKind::Handler);
            tracing::error!(error = %err, "handler failed");
            let _ = ctx.store.note_update_attempt(stored.update_id).await;
            if stored.attempts + 1 >= MAX_ATTEMPTS {
                if let Some(chat_id) = stored.chat_id {
                    let _ = ctx
                        .replies
                        .send(chat_id, t(Lang::En, "error-apology"), None)
                        .await;
                }
                let _ = ctx
                    .store
                    .finish_update(stored.update_id, owner, Utc::now())
                    .await;
            }
        }
    }
}

/// The metric label of an update: the command's own name, or what kind of input it was. A closed
/// set, whatever users type.
pub fn command_label(update: &Update, bot_username: &str) -> &'static str {
    match &update.kind {
        UpdateKind::Message(message) => match message.text() {
            Some(text) => match commands::parse(text, bot_username) {
                Some(Parsed::Command(command)) => command.name(),
                Some(Parsed::Unknown(_)) => "unknown",
                Some(Parsed::NotForUs) => "other_bot",
                None => "text",
            },
            None => "non_text",
        },
        UpdateKind::CallbackQuery(_) => "callback",
        UpdateKind::MyChatMember(_) => "membership",
        _ => "other",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn update(id: i64, chat: i64) -> InboxUpdate {
        InboxUpdate {
            update_id: id,
            chat_id: Some(chat),
            payload: String::new(),
            attempts: 0,
        }
    }

    #[test]
    fn groups_keep_order_within_each_chat() {
        let groups = group_by_chat(vec![
            update(1, 10),
            update(2, 20),
            update(3, 10),
            update(4, 20),
            update(5, 30),
        ]);
        let ids: Vec<Vec<i64>> = groups
            .iter()
            .map(|g| g.iter().map(|u| u.update_id).collect())
            .collect();
        assert_eq!(ids, vec![vec![1, 3], vec![2, 4], vec![5]]);
    }

    fn text_update(text: &str) -> Update {
        let json = serde_json::json!({"update_id": 1, "message": {
            "message_id": 1, "date": 1700000000, "chat": {"id": 5, "type": "private", "first_name": "A"},
            "from": {"id": 5, "is_bot": false, "first_name": "A"}, "text": text}});
        // From text: teloxide's `Update` does not read back from a `Value`.
        serde_json::from_str(&json.to_string()).unwrap()
    }

    #[test]
    fn labels_are_a_closed_set() {
        assert_eq!(command_label(&text_update("/help"), "bot"), "help");
        assert_eq!(command_label(&text_update("/HELP@bot x"), "bot"), "help");
        assert_eq!(command_label(&text_update("/x9f3k2"), "bot"), "unknown");
        assert_eq!(
            command_label(&text_update("/help@other"), "bot"),
            "other_bot"
        );
        assert_eq!(command_label(&text_update("hello"), "bot"), "text");
    }
}
