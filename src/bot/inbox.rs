//! Handles stored updates: in order within a chat, concurrently across chats, and across replicas
//! each update once.
//!
//! Every replica runs this loop. It leases the chats that have waiting updates (`inbox_leases`: a
//! chat leased by a live other replica is left alone), hands each chat's updates to a worker task
//! of that chat — so a slow chat (paced replies, a long handler) delays only itself — renews its
//! leases while it works and gives a chat's lease back once its worker is idle. An update is marked
//! handled only after its handler finished, so a crash replays it rather than dropping it; a lease
//! left behind by a crashed replica expires and another replica takes the chat over.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use teloxide_core::types::{Update, UpdateKind};
use tokio::sync::{Notify, mpsc};
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
const BATCH: i64 = 512;
/// Chats leased per pass of the loop.
const CHATS_PER_PASS: i64 = 256;
/// A lease outlives its holder by at most this long; renewed every third of it while working.
const LEASE: Duration = Duration::from_secs(30);
/// Updates another replica received are left to it this long before this one takes them over.
const AFFINITY: Duration = Duration::from_secs(2);
/// Updates stored by another replica are found by looking this often when nothing wakes us.
const IDLE_POLL: Duration = Duration::from_millis(500);

/// What is queued or running here, so the same update is never handed out twice and idle chats
/// can be given back.
#[derive(Default)]
struct InFlight {
    ids: HashSet<i64>,
    /// Finished since the inbox was last read: a read that raced with the finish may still list
    /// them as unhandled, and they must not be handed out again.
    finished: HashSet<i64>,
    per_chat: HashMap<Option<i64>, usize>,
    /// Chats whose worker went idle since the last pass: their leases go back.
    idle: Vec<Option<i64>>,
}

/// Runs until `stop` fires; each chat finishes the update in hand first.
pub async fn process(ctx: BotContext, owner: Arc<str>, wake: Arc<Notify>, stop: CancellationToken) {
    let state = Arc::new(Mutex::new(InFlight::default()));
    let done = Arc::new(Notify::new());
    let mut workers: HashMap<Option<i64>, mpsc::UnboundedSender<InboxUpdate>> = HashMap::new();
    let mut tasks = JoinSet::new();
    let mut last_renewal = Instant::now();
    loop {
        if stop.is_cancelled() {
            break;
        }
        while tasks.try_join_next().is_some() {}
        release_idle(&ctx, &owner, &state).await;
        if last_renewal.elapsed() >= LEASE / 3 {
            let until = Utc::now() + chrono::Duration::from_std(LEASE).unwrap_or_default();
            if let Err(err) = ctx.store.renew_inbox_leases(&owner, until).await {
                tracing::warn!(error = %err, "cannot renew inbox leases");
            }
            last_renewal = Instant::now();
        }
        lock(&state).finished.clear();
        let batch = match leased_batch(&ctx, &owner).await {
            Ok(batch) => batch,
            Err(err) => {
                crate::metrics::error(ErrorKind::Database);
                tracing::error!(error = %err, "cannot read the update inbox");
                Vec::new()
            }
        };
        let mut handed_out = 0;
        for update in batch {
            {
                let mut state = lock(&state);
                if state.finished.contains(&update.update_id) || !state.ids.insert(update.update_id)
                {
                    continue;
                }
                *state.per_chat.entry(update.chat_id).or_default() += 1;
            }
            handed_out += 1;
            let chat = update.chat_id;
            let sender = workers.entry(chat).or_insert_with(|| {
                let (tx, rx) = mpsc::unbounded_channel();
                tasks.spawn(worker(
                    ctx.clone(),
                    owner.clone(),
                    rx,
                    state.clone(),
                    done.clone(),
                    stop.clone(),
                ));
                tx
            });
            if let Err(mpsc::error::SendError(update)) = sender.send(update) {
                // The worker stopped (shutdown); the update stays unhandled for next time.
                let mut state = lock(&state);
                state.ids.remove(&update.update_id);
                decrement(&mut state, chat);
            }
        }
        // Idle workers are let go; a chat's next update starts a new one.
        {
            let state = lock(&state);
            workers.retain(|chat, _| state.per_chat.contains_key(chat));
        }
        if handed_out == 0 {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = wake.notified() => {}
                _ = done.notified() => {}
                _ = tokio::time::sleep(IDLE_POLL) => {}
            }
        }
    }
    drop(workers);
    while tasks.join_next().await.is_some() {}
    if let Err(err) = ctx.store.release_inbox_leases(&owner).await {
        tracing::warn!(error = %err, "cannot release inbox leases; they expire by themselves");
    }
}

/// Leases chats with waiting updates and returns the unhandled updates of every chat held.
async fn leased_batch(
    ctx: &BotContext,
    owner: &str,
) -> crate::store::StoreResult<Vec<InboxUpdate>> {
    let now = Utc::now();
    let until = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
    let others_after = now - chrono::Duration::from_std(AFFINITY).unwrap_or_default();
    ctx.store
        .lease_inbox_chats(owner, now, until, others_after, CHATS_PER_PASS)
        .await?;
    ctx.store.leased_updates(owner, now, BATCH).await
}

/// Gives back the leases of chats whose worker has nothing left to do.
async fn release_idle(ctx: &BotContext, owner: &str, state: &Mutex<InFlight>) {
    let idle = std::mem::take(&mut lock(state).idle);
    for chat in idle {
        if lock(state).per_chat.contains_key(&chat) {
            continue; // Busy again.
        }
        if let Err(err) = ctx
            .store
            .release_inbox_lease(owner, chat.unwrap_or(0))
            .await
        {
            tracing::warn!(error = %err, "cannot release an inbox lease; it expires by itself");
        }
    }
}

fn lock(state: &Mutex<InFlight>) -> std::sync::MutexGuard<'_, InFlight> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn decrement(state: &mut InFlight, chat: Option<i64>) {
    if let Some(count) = state.per_chat.get_mut(&chat) {
        *count -= 1;
        if *count == 0 {
            state.per_chat.remove(&chat);
            state.idle.push(chat);
        }
    }
}

async fn worker(
    ctx: BotContext,
    owner: Arc<str>,
    mut updates: mpsc::UnboundedReceiver<InboxUpdate>,
    state: Arc<Mutex<InFlight>>,
    done: Arc<Notify>,
    stop: CancellationToken,
) {
    while let Some(update) = updates.recv().await {
        let (id, chat) = (update.update_id, update.chat_id);
        if !stop.is_cancelled() {
            handle_stored(&ctx, &owner, update).await;
        }
        {
            let mut state = lock(&state);
            state.ids.remove(&id);
            state.finished.insert(id);
            decrement(&mut state, chat);
        }
        done.notify_one();
    }
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
                    // The stored language may be what failed to load; Telegram's is at hand.
                    let lang = update
                        .from()
                        .and_then(|user| user.language_code.as_deref())
                        .and_then(Lang::from_code)
                        .unwrap_or_default();
                    let _ = ctx
                        .replies
                        .send(chat_id, t(lang, "error-apology"), None)
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

    #[test]
    fn an_idle_chat_is_queued_for_release_once_its_last_update_is_done() {
        let mut state = InFlight::default();
        *state.per_chat.entry(Some(7)).or_default() += 2;
        decrement(&mut state, Some(7));
        assert!(state.idle.is_empty());
        decrement(&mut state, Some(7));
        assert_eq!(state.idle, vec![Some(7)]);
    }
}
