//! The bot's update queue, shared by getUpdates and the webhook.
//!
//! Semantics follow <https://core.telegram.org/bots/api#getupdates> and the Bot API server:
//! updates with an id below `offset` are confirmed and forgotten; a negative offset keeps only the
//! last `-offset` updates; a new long poll terminates the one already waiting (that one answers
//! 409); `allowed_updates` is sticky and filters updates as they are created.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{oneshot, watch};
use tokio_util::sync::CancellationToken;

use crate::types::{TgUpdate, TgUpdateKind};

/// Updates Telegram sends when `allowed_updates` was never given or is empty: all but these.
const NOT_DEFAULT: &[&str] = &["chat_member", "message_reaction", "message_reaction_count"];

/// The first update id; real ids start at an arbitrary value, so clients must not assume 1.
const FIRST_UPDATE_ID: i64 = 100_000_001;

#[derive(Clone, Debug)]
pub(crate) struct Queued {
    pub id: i64,
    pub json: Arc<str>,
}

/// A webhook as set by setWebhook.
#[derive(Clone, Debug)]
pub(crate) struct Webhook {
    pub url: String,
    pub secret_token: Option<String>,
    pub max_connections: u32,
    /// Stops the delivery task of this webhook.
    pub stop: CancellationToken,
    pub delivered: u64,
    pub last_error_date: Option<i64>,
    pub last_error_message: Option<String>,
}

#[derive(Debug)]
pub(crate) struct QueueState {
    pub pending: VecDeque<Queued>,
    next_id: i64,
    pub allowed: Option<Vec<String>>,
    /// The long poll currently waiting: its generation and how to terminate it.
    long_poll: Option<(u64, oneshot::Sender<&'static str>)>,
    poll_generation: u64,
    pub webhook: Option<Webhook>,
}

impl QueueState {
    pub(crate) fn is_allowed(&self, kind: &str) -> bool {
        match &self.allowed {
            Some(list) if !list.is_empty() => list.iter().any(|k| k == kind),
            _ => !NOT_DEFAULT.contains(&kind),
        }
    }

    /// Applies getUpdates' `offset`.
    pub(crate) fn confirm(&mut self, offset: i64) {
        if offset < 0 {
            let keep = usize::try_from(offset.unsigned_abs()).unwrap_or(usize::MAX);
            let excess = self.pending.len().saturating_sub(keep);
            self.pending.drain(..excess);
        } else if offset > 0 {
            while self.pending.front().is_some_and(|u| u.id < offset) {
                self.pending.pop_front();
            }
        }
    }

    pub(crate) fn take(&self, limit: usize) -> Vec<Queued> {
        self.pending.iter().take(limit).cloned().collect()
    }

    /// Terminates the waiting long poll, if any, with a 409 carrying `reason`.
    pub(crate) fn abort_long_poll(&mut self, reason: &'static str) {
        if let Some((_, tx)) = self.long_poll.take() {
            let _ = tx.send(reason);
        }
    }

    /// Registers a new long poll, terminating the previous one as Telegram does.
    pub(crate) fn begin_long_poll(&mut self) -> (u64, oneshot::Receiver<&'static str>) {
        self.abort_long_poll(
            "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
        );
        self.poll_generation += 1;
        let (tx, rx) = oneshot::channel();
        self.long_poll = Some((self.poll_generation, tx));
        (self.poll_generation, rx)
    }

    pub(crate) fn end_long_poll(&mut self, generation: u64) {
        if self
            .long_poll
            .as_ref()
            .is_some_and(|(g, _)| *g == generation)
        {
            self.long_poll = None;
        }
    }
}

#[derive(Debug)]
pub(crate) struct UpdateQueue {
    state: Mutex<QueueState>,
    /// Bumped on every new update; pollers and the webhook task wait on it.
    version: watch::Sender<u64>,
}

impl UpdateQueue {
    pub(crate) fn new() -> Self {
        UpdateQueue {
            state: Mutex::new(QueueState {
                pending: VecDeque::new(),
                next_id: FIRST_UPDATE_ID,
                allowed: None,
                long_poll: None,
                poll_generation: 0,
                webhook: None,
            }),
            version: watch::Sender::new(0),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A receiver that sees every update pushed after this call.
    pub(crate) fn watch(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }

    /// Queues updates together, under one hold of the lock: a getUpdates answer carries all of
    /// them or none. Those `allowed_updates` excludes are dropped; returns the ids of the others.
    /// `announce` runs under the queue's lock, which every getUpdates answer is taken under too,
    /// so whoever it tells hears of an update before any answer that carries it — a poll that is
    /// waiting, or one that arrives at that moment.
    pub(crate) fn push_all(
        &self,
        kinds: Vec<TgUpdateKind>,
        mut announce: impl FnMut(i64),
    ) -> Vec<i64> {
        let mut q = self.lock();
        let mut ids = Vec::with_capacity(kinds.len());
        for kind in kinds {
            if !q.is_allowed(kind.name()) {
                continue;
            }
            let id = q.next_id;
            let update = TgUpdate {
                update_id: id,
                kind,
            };
            let Ok(json) = serde_json::to_string(&update) else {
                continue;
            };
            q.next_id += 1;
            q.pending.push_back(Queued {
                id,
                json: json.into(),
            });
            announce(id);
            ids.push(id);
        }
        drop(q);
        if !ids.is_empty() {
            self.version.send_modify(|v| *v += 1);
        }
        ids
    }

    pub(crate) fn pending_count(&self) -> usize {
        self.lock().pending.len()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::types::{TgChat, TgMessage};

    fn msg(n: i64) -> TgUpdateKind {
        TgUpdateKind::Message(TgMessage {
            message_id: n,
            from: None,
            sender_chat: None,
            chat: TgChat::group(-1, "g"),
            date: 0,
            edit_date: None,
            has_protected_content: false,
            reply_to_message: None,
            text: Some(n.to_string()),
            entities: Vec::new(),
            photo: None,
            caption: None,
            caption_entities: Vec::new(),
            reply_markup: None,
            via_bot: None,
            successful_payment: None,
            refunded_payment: None,
        })
    }

    #[test]
    fn offsets_confirm_and_negative_offset_keeps_tail() {
        let q = UpdateQueue::new();
        let ids: Vec<i64> = (0..5)
            .map(|n| q.push_all(vec![msg(n)], |_| {})[0])
            .collect();
        let mut s = q.lock();
        s.confirm(ids[2]);
        assert_eq!(s.pending.front().unwrap().id, ids[2]);
        s.confirm(-1);
        assert_eq!(s.pending.len(), 1);
        assert_eq!(s.pending[0].id, ids[4]);
        s.confirm(0);
        assert_eq!(s.pending.len(), 1);
    }

    #[test]
    fn allowed_updates_filter_and_default() {
        let q = UpdateQueue::new();
        assert!(q.lock().is_allowed("my_chat_member"));
        assert!(!q.lock().is_allowed("chat_member"));
        q.lock().allowed = Some(vec!["callback_query".to_owned()]);
        assert_eq!(q.push_all(vec![msg(1)], |_| {}), Vec::<i64>::new());
        assert_eq!(q.pending_count(), 0);
    }

    #[test]
    fn new_long_poll_terminates_old_one() {
        let q = UpdateQueue::new();
        let (g1, mut rx1) = q.lock().begin_long_poll();
        let (g2, _rx2) = q.lock().begin_long_poll();
        assert_ne!(g1, g2);
        assert!(
            rx1.try_recv()
                .unwrap()
                .starts_with("Conflict: terminated by other getUpdates")
        );
        q.lock().end_long_poll(g1);
        assert!(
            q.lock().long_poll.is_some(),
            "ending a stale poll keeps the live one"
        );
    }
}
