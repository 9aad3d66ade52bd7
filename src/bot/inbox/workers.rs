//! This replica's chat workers: one task per chat with updates in hand, fed in order, so a slow
//! chat (paced replies, a long handler) delays only itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::handling::{NextStep, handle_stored};
use super::in_flight::{InFlight, chat_key, lock};
use super::marks::Mark;
use crate::bot::BotContext;
use crate::store::InboxUpdate;

pub(super) struct Workers {
    pub(super) ctx: BotContext,
    pub(super) state: Arc<Mutex<InFlight>>,
    pub(super) marks: mpsc::UnboundedSender<Mark>,
    /// Notified when a handler failed: its update is to be read again.
    pub(super) retry: Arc<Notify>,
    pub(super) stop: CancellationToken,
    pub(super) senders: HashMap<i64, mpsc::UnboundedSender<InboxUpdate>>,
    pub(super) tasks: JoinSet<()>,
}

impl Workers {
    /// Queues an update for its chat's worker, starting one if needed; false when the update is
    /// already in hand or done here.
    pub(super) fn hand(&mut self, update: InboxUpdate) -> bool {
        if !lock(&self.state).admit(update.update_id, update.chat_id) {
            return false;
        }
        let sender = self
            .senders
            .entry(chat_key(update.chat_id))
            .or_insert_with(|| {
                let (tx, rx) = mpsc::unbounded_channel();
                self.tasks.spawn(worker(
                    self.ctx.clone(),
                    rx,
                    self.state.clone(),
                    self.marks.clone(),
                    self.retry.clone(),
                    self.stop.clone(),
                ));
                tx
            });
        if let Err(mpsc::error::SendError(update)) = sender.send(update) {
            // The worker stopped (shutdown); the update stays unhandled for next time.
            lock(&self.state).withdraw(update.update_id, update.chat_id);
        }
        true
    }

    /// Lets each worker finish the update in hand, and waits for them all.
    pub(super) async fn finish(mut self) {
        self.senders.clear();
        while self.tasks.join_next().await.is_some() {}
    }

    /// Idle workers are let go; a chat's next update starts a new one.
    pub(super) fn let_idle_go(&mut self) {
        let state = lock(&self.state);
        self.senders.retain(|chat, _| state.is_busy(*chat));
    }
}

async fn worker(
    ctx: BotContext,
    mut updates: mpsc::UnboundedReceiver<InboxUpdate>,
    state: Arc<Mutex<InFlight>>,
    marks: mpsc::UnboundedSender<Mark>,
    retry: Arc<Notify>,
    stop: CancellationToken,
) {
    while let Some(update) = updates.recv().await {
        let (update_id, chat) = (update.update_id, update.chat_id);
        if stop.is_cancelled() {
            lock(&state).withdraw(update_id, chat);
            continue;
        }
        let (next, sender) = handle_stored(&ctx, update).await;
        if let Some(user) = sender {
            let _ = marks.send(Mark::LastSeen(user));
        }
        match next {
            NextStep::MarkHandled => {
                // In `finished` before the mark writer can report the mark written.
                lock(&state).handled(update_id);
                if marks.send(Mark::Handled { update_id, chat }).is_err() {
                    tracing::error!(
                        update_id,
                        "handled mark not queued; it will be handled again"
                    );
                }
            }
            NextStep::TryAgain => {
                lock(&state).failed(update_id, chat);
                retry.notify_one();
            }
        }
    }
}
