//! Where updates come in (the poller, the webhook): the `UpdateReceiver` stores a batch and leases
//! its chats in one statement, and hands the updates of the chats it now holds to the leasing
//! loop as a `Claim`; for what it could not claim it wakes the loop instead.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use chrono::Utc;
use tokio::sync::{Notify, mpsc};

use super::leasing::lease_until;
use crate::store::{InboxUpdate, NewUpdate, Store, StoreResult};

/// Stored updates whose chats the receiver leased in the same statement, for the loop to hand
/// straight to the workers.
pub struct Claim {
    /// In update order.
    pub(super) updates: Vec<InboxUpdate>,
    /// Chats the statement leased (to be given back once idle, like a pass's).
    pub(super) won: Vec<i64>,
    /// `(chat, update_id)`: updates of the claimed chats that were stored earlier and unhandled.
    pub(super) earlier: Vec<(i64, i64)>,
    /// Reads the loop had started before the statement.
    pub(super) reads_before: u64,
    /// Taken just before the statement: a handler of a claimed chat that finished after this
    /// may have changed what the statement read of its caller.
    pub(super) started: Instant,
}

/// Stores the updates this replica receives and passes on those it could claim.
#[derive(Clone)]
pub struct UpdateReceiver {
    store: Store,
    owner: Arc<str>,
    wake: Arc<Notify>,
    claims: mpsc::UnboundedSender<Claim>,
    reads: Arc<AtomicU64>,
}

/// The leasing loop's end of an `UpdateReceiver`: its claims, its wake-ups, and the count of
/// inbox reads the loop started (which tells a claim whether it is still safe to take).
pub struct ReceiverFeed {
    pub(super) wake: Arc<Notify>,
    pub(super) claims: mpsc::UnboundedReceiver<Claim>,
    pub(super) reads: Arc<AtomicU64>,
}

/// A receiver for updates received by `owner` (this replica), and the end `process` takes.
pub fn receiver(store: Store, owner: Arc<str>) -> (UpdateReceiver, ReceiverFeed) {
    let wake = Arc::new(Notify::new());
    let reads = Arc::new(AtomicU64::new(0));
    let (claims, claimed) = mpsc::unbounded_channel();
    let receiver = UpdateReceiver {
        store,
        owner,
        wake: wake.clone(),
        claims,
        reads: reads.clone(),
    };
    let feed = ReceiverFeed {
        wake,
        claims: claimed,
        reads,
    };
    (receiver, feed)
}

impl UpdateReceiver {
    /// Stores a batch, with `state` (the poll offset) in the same transaction, and passes it on
    /// for handling; returns how many of its updates were new.
    pub async fn receive(
        &self,
        batch: Vec<NewUpdate>,
        state: Option<(&str, &str)>,
    ) -> StoreResult<u64> {
        // Before the statement, so its snapshot is younger than every read counted here and every
        // handler that finished before `started`.
        let reads_before = self.reads.load(Ordering::SeqCst);
        let started = Instant::now();
        let now = Utc::now();
        let receipt = self
            .store
            .store_updates(&batch, &self.owner, now, lease_until(now), state)
            .await?;
        let stored = receipt.stored.len() as u64;
        if stored == 0 {
            return Ok(0);
        }
        let claimed: HashSet<i64> = receipt.claimed.iter().copied().collect();
        let mut batch: Vec<NewUpdate> = batch
            .into_iter()
            .filter(|update| claimed.contains(&update.update_id))
            .collect();
        batch.sort_by_key(|update| update.update_id);
        let mut callers = receipt.callers;
        let updates: Vec<InboxUpdate> = batch
            .into_iter()
            .map(|update| InboxUpdate {
                update_id: update.update_id,
                // Only a chat's first update: the ones after it run after its handler.
                caller: update.chat_id.and_then(|chat| callers.remove(&chat)),
                chat_id: update.chat_id,
                payload: update.payload,
                attempts: 0,
            })
            .collect();
        let everything_claimed = updates.len() == receipt.stored.len();
        let claim = Claim {
            updates,
            won: receipt.won,
            earlier: receipt.earlier,
            reads_before,
            started,
        };
        if self.claims.send(claim).is_err() || !everything_claimed {
            self.wake.notify_one();
        }
        Ok(stored)
    }
}
