//! Handles stored updates: in order within a chat, concurrently across chats. Each chat with
//! work gets a worker task fed through a channel; a slow chat (paced replies, a long handler)
//! delays only itself. An update is marked handled only after its handler finished, so a crash
//! replays it rather than dropping it; a handler that keeps failing is given up on after a few
//! attempts, with an apology to the user.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use teloxide_core::types::Update;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::{BotContext, handle_update};
use crate::domain::i18n::{Lang, t};
use crate::store::InboxUpdate;

/// A handler that failed this often is given up on, with an apology to the user.
const MAX_ATTEMPTS: i32 = 3;
const BATCH: i64 = 512;

/// What is queued or running, so the same update is never handed out twice.
#[derive(Default)]
struct InFlight {
    ids: HashSet<i64>,
    per_chat: HashMap<Option<i64>, usize>,
}

pub async fn process(ctx: BotContext, wake: Arc<Notify>, stop: CancellationToken) {
    let state = Arc::new(Mutex::new(InFlight::default()));
    let done = Arc::new(Notify::new());
    let mut workers: HashMap<Option<i64>, mpsc::UnboundedSender<InboxUpdate>> = HashMap::new();
    let mut tasks = JoinSet::new();
    // Only updates after the last one handed out are fetched while others are in flight, so a
    // chat with a long queue cannot hide newer updates of other chats. When nothing is in
    // flight the scan starts over (update ids may restart lower after a quiet week).
    let mut last_dispatched: Option<i64> = None;
    loop {
        if stop.is_cancelled() {
            break;
        }
        while tasks.try_join_next().is_some() {}
        let after = {
            let state = lock(&state);
            if state.ids.is_empty() {
                None
            } else {
                last_dispatched
            }
        };
        let batch = match ctx.store.unhandled_updates_after(after, BATCH).await {
            Ok(batch) => batch,
            Err(err) => {
                tracing::error!(error = %err, "cannot read the update inbox");
                Vec::new()
            }
        };
        let mut handed_out = 0;
        for update in batch {
            {
                let mut state = lock(&state);
                if !state.ids.insert(update.update_id) {
                    continue;
                }
                *state.per_chat.entry(update.chat_id).or_default() += 1;
            }
            last_dispatched =
                Some(last_dispatched.map_or(update.update_id, |l| l.max(update.update_id)));
            handed_out += 1;
            let chat = update.chat_id;
            let sender = workers.entry(chat).or_insert_with(|| {
                let (tx, rx) = mpsc::unbounded_channel();
                tasks.spawn(worker(
                    ctx.clone(),
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
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    }
    drop(workers);
    while tasks.join_next().await.is_some() {}
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
        }
    }
}

async fn worker(
    ctx: BotContext,
    mut updates: mpsc::UnboundedReceiver<InboxUpdate>,
    state: Arc<Mutex<InFlight>>,
    done: Arc<Notify>,
    stop: CancellationToken,
) {
    while let Some(update) = updates.recv().await {
        let (id, chat) = (update.update_id, update.chat_id);
        if !stop.is_cancelled() {
            handle_stored(&ctx, update).await;
        }
        {
            let mut state = lock(&state);
            state.ids.remove(&id);
            decrement(&mut state, chat);
        }
        done.notify_one();
    }
}

async fn handle_stored(ctx: &BotContext, stored: InboxUpdate) {
    let update: Update = match serde_json::from_str(&stored.payload) {
        Ok(update) => update,
        Err(err) => {
            tracing::warn!(update_id = stored.update_id, error = %err, "unreadable update; skipped");
            let _ = ctx
                .store
                .mark_update_handled(stored.update_id, Utc::now())
                .await;
            return;
        }
    };
    let span = tracing::info_span!("update", update_id = stored.update_id);
    match handle_update(ctx, &update).instrument(span).await {
        Ok(()) => {
            if let Err(err) = ctx
                .store
                .mark_update_handled(stored.update_id, Utc::now())
                .await
            {
                tracing::error!(update_id = stored.update_id, error = %err, "cannot mark an update handled");
            }
        }
        Err(err) => {
            tracing::error!(update_id = stored.update_id, error = %err, "handler failed");
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
                    .mark_update_handled(stored.update_id, Utc::now())
                    .await;
            }
        }
    }
}
