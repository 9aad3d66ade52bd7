//! Handles stored updates: in order within a chat, concurrently across chats, and across replicas
//! each update once.
//!
//! Every replica runs this loop. It leases the chats that have waiting updates (`inbox_leases`: a
//! chat leased by a live other replica is left alone), hands each chat's updates to a worker task
//! of that chat — so a slow chat (paced replies, a long handler) delays only itself — and renews
//! its leases while it works. An update is marked handled only after its handler finished, so a
//! crash replays it rather than dropping it; a lease left behind by a crashed replica expires and
//! another replica takes the chat over.
//!
//! Updates come in through an `Intake` (the poller, the webhook), which stores a batch and leases
//! its chats in one statement, and hands the updates of chats it holds straight to their workers
//! (a `Claim`) instead of having this loop lease and read them back: two statements and a pass
//! fewer between Telegram's answer and the reply. A claim is only taken when it cannot break the
//! order within a chat or hand an update out twice (`InFlight::sort_claim`); otherwise, and for
//! what it could not claim, a pass of this loop reads it as before.
//!
//! Per command the database work is kept small, because it is most of a command's cost:
//! - Handled marks are written by one finisher task, for everything finished since its last
//!   write, in one statement; workers do not wait for it. Until an update's mark is written, and a
//!   read has started after that, the inbox may still list it as unhandled, so it stays in
//!   `InFlight::finished` and is not handed out again. A chat's lease is given back only once its
//!   marks are written, so another replica never finds its handled updates unhandled; on shutdown
//!   the marks are flushed before the leases go. A crash before a mark is written handles that
//!   update again, as a crash between handler and mark always could.
//! - Last-seen times (for the active-user gauges) are written at most once a minute per user and
//!   process, in the finisher's batch.
//! - A chat's lease is kept while it has been idle for less than `KEEP_IDLE`, so a conversation
//!   does not delete and re-insert it on every command; chats idle longer go back in one statement.
//!   Meanwhile its new updates are handled here even when another replica received them (at this
//!   replica's next pass, within `IDLE_POLL`), and another replica's takeover of the chat comes at
//!   most `KEEP_IDLE` later than it otherwise would.
//! - A pass reads again at once only when it was full; otherwise it waits for a failed handler, an
//!   intake that could not claim everything it stored, or `IDLE_POLL`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
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
use crate::ops::metrics::ErrorKind;
use crate::ops::telemetry::PERFORMANCE;
use crate::store::{InboxUpdate, NewUpdate, Store, StoreResult};

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
/// A chat's lease is given back once its worker has been idle this long.
const KEEP_IDLE: Duration = Duration::from_secs(2);
/// A failed write of handled marks is tried again after this long if nothing else comes first.
const MARK_RETRY: Duration = Duration::from_secs(1);
/// A user's last-seen time is written at most this often (the store's rule too), so within it the
/// statement is skipped.
const TOUCH_EVERY: Duration = Duration::from_secs(60);
/// Notes the finisher takes per write, bounding one statement's id list.
const NOTES_PER_WRITE: usize = 2048;

/// What is queued, running or awaiting its handled mark here, so the same update is never handed
/// out twice and idle chats can be given back.
#[derive(Default)]
struct InFlight {
    /// Queued or running.
    ids: HashSet<i64>,
    /// Done here (handled, or failed): until a handled mark is written and a read has started after
    /// that, the inbox may still list the update as unhandled, and it must not be handed out again.
    finished: HashSet<i64>,
    /// Members of `finished` that the next read may no longer list by mistake: their mark is
    /// written, or their handler failed and they are to be tried again.
    forgettable: Vec<i64>,
    /// Updates queued, running or awaiting their mark, per chat key; no entry when idle.
    per_chat: HashMap<i64, usize>,
    /// Idle chats still leased here, and since when.
    idle: HashMap<i64, Instant>,
}

impl InFlight {
    /// Takes an update a read listed, unless it is already in hand or finished here.
    fn admit(&mut self, update_id: i64, chat: Option<i64>) -> bool {
        if self.finished.contains(&update_id) || !self.ids.insert(update_id) {
            return false;
        }
        let key = chat_key(chat);
        *self.per_chat.entry(key).or_default() += 1;
        self.idle.remove(&key);
        true
    }

    /// The handler is done and the mark is queued; the chat stays busy until it is written.
    fn handled(&mut self, update_id: i64) {
        self.ids.remove(&update_id);
        self.finished.insert(update_id);
    }

    /// The handler failed and the update stays unhandled, to be read and tried again.
    fn failed(&mut self, update_id: i64, chat: Option<i64>) {
        self.ids.remove(&update_id);
        self.finished.insert(update_id);
        self.forgettable.push(update_id);
        self.settle(chat);
    }

    /// Not handled here after all (shutdown); it stays unhandled for next time.
    fn withdraw(&mut self, update_id: i64, chat: Option<i64>) {
        self.ids.remove(&update_id);
        self.settle(chat);
    }

    /// These handled marks are committed.
    fn marks_written(&mut self, marks: &[(i64, Option<i64>)]) {
        for &(update_id, chat) in marks {
            self.forgettable.push(update_id);
            self.settle(chat);
        }
    }

    /// Called just before a read: the marks written so far are visible to it.
    fn start_read(&mut self) {
        for update_id in self.forgettable.drain(..) {
            self.finished.remove(&update_id);
        }
    }

    /// Chats won by a pass that got no update handed out (all in hand or done here) are still
    /// held, so they must be given back once idle like any other.
    fn track_leased(&mut self, chat_keys: &[i64], now: Instant) {
        for key in chat_keys {
            if !self.per_chat.contains_key(key) {
                self.idle.entry(*key).or_insert(now);
            }
        }
    }

    /// Chats idle for at least `keep` by `now`.
    fn idle_for(&self, keep: Duration, now: Instant) -> Vec<i64> {
        self.idle
            .iter()
            .filter(|(_, since)| now.saturating_duration_since(**since) >= keep)
            .map(|(key, _)| *key)
            .collect()
    }

    /// The updates of `claim` that may be handed out now, and whether the rest must wait for a
    /// pass. None may when two reads started since the claim's statement: the second may have
    /// forgotten updates the first handed out and saw finished, so they could be handed out
    /// twice. Nor may a chat's, when an earlier unhandled update of that chat is neither in hand
    /// nor done here (another replica received it, or a read has yet to find it): it goes first.
    /// A caller record read with the claim is kept only where nothing of its chat ran since.
    fn sort_claim(&self, claim: Claim, reads_now: u64) -> (Vec<InboxUpdate>, bool) {
        if reads_now.saturating_sub(claim.reads_before) > 1 {
            return (Vec::new(), true);
        }
        let known =
            |update_id: &i64| self.ids.contains(update_id) || self.finished.contains(update_id);
        let waiting: HashSet<i64> = claim
            .earlier
            .iter()
            .filter(|(_, update_id)| !known(update_id))
            .map(|(chat, _)| *chat)
            .collect();
        let (mut ready, held_back): (Vec<InboxUpdate>, Vec<InboxUpdate>) = claim
            .updates
            .into_iter()
            .partition(|update| !waiting.contains(&chat_key(update.chat_id)));
        for update in &mut ready {
            if !self.quiet_since(chat_key(update.chat_id), claim.started) {
                update.caller = None;
            }
        }
        (ready, !held_back.is_empty())
    }

    /// Whether no handler of the chat has run here since `since`, nor is in hand. A chat stays
    /// tracked from its first update in hand (`per_chat`) until its marks are written, then in
    /// `idle` from then until its lease is given back, at least `KEEP_IDLE` later; so within
    /// `KEEP_IDLE` of `since`, a chat in neither had its last handler finish before `since`.
    fn quiet_since(&self, chat: i64, since: Instant) -> bool {
        since.elapsed() < KEEP_IDLE
            && !self.per_chat.contains_key(&chat)
            && self.idle.get(&chat).is_none_or(|idle| *idle < since)
    }

    fn settle(&mut self, chat: Option<i64>) {
        let key = chat_key(chat);
        if let Some(count) = self.per_chat.get_mut(&key) {
            *count -= 1;
            if *count == 0 {
                self.per_chat.remove(&key);
                self.idle.insert(key, Instant::now());
            }
        }
    }
}

/// The lease key of a chat, as the store's `COALESCE(chat_id, 0)`.
fn chat_key(chat: Option<i64>) -> i64 {
    chat.unwrap_or(0)
}

/// Stored updates whose chats the receiver leased in the same statement, for the loop to hand
/// straight to the workers.
pub struct Claim {
    /// In update order.
    updates: Vec<InboxUpdate>,
    /// Chats the statement leased (to be given back once idle, like a pass's).
    won: Vec<i64>,
    /// `(chat, update_id)`: updates of the claimed chats that were stored earlier and unhandled.
    earlier: Vec<(i64, i64)>,
    /// Reads the loop had started before the statement.
    reads_before: u64,
    /// Taken just before the statement: a handler of a claimed chat that finished after this
    /// may have changed what the statement read of its caller.
    started: Instant,
}

/// Where updates come in (the poller, the webhook): stores them, and passes on those it could
/// claim; for the rest it wakes the loop.
#[derive(Clone)]
pub struct Intake {
    store: Store,
    owner: Arc<str>,
    wake: Arc<Notify>,
    claims: mpsc::UnboundedSender<Claim>,
    reads: Arc<AtomicU64>,
}

/// The loop's end of an `Intake`.
pub struct Inlet {
    wake: Arc<Notify>,
    claims: mpsc::UnboundedReceiver<Claim>,
    reads: Arc<AtomicU64>,
}

/// An intake for updates received by `owner` (this replica), and the end `process` takes.
pub fn intake(store: Store, owner: Arc<str>) -> (Intake, Inlet) {
    let wake = Arc::new(Notify::new());
    let reads = Arc::new(AtomicU64::new(0));
    let (claims, claimed) = mpsc::unbounded_channel();
    let intake = Intake {
        store,
        owner,
        wake: wake.clone(),
        claims,
        reads: reads.clone(),
    };
    let inlet = Inlet {
        wake,
        claims: claimed,
        reads,
    };
    (intake, inlet)
}

impl Intake {
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

/// What the finisher is told by the workers.
enum Note {
    /// A user talked to the bot (for the active-user gauges).
    Seen(i64),
    /// An update was handled (or given up on): its mark is to be written.
    Handled { update_id: i64, chat: Option<i64> },
}

/// Runs until `stop` fires; each chat finishes the update in hand first.
pub async fn process(ctx: BotContext, owner: Arc<str>, inlet: Inlet, stop: CancellationToken) {
    let Inlet {
        wake,
        mut claims,
        reads,
    } = inlet;
    let state = Arc::new(Mutex::new(InFlight::default()));
    // A handler failed: its update is to be read again.
    let retry = Arc::new(Notify::new());
    // Marks were written: a full inbox has room for more rows.
    let written = Arc::new(Notify::new());
    let (notes, notes_in) = mpsc::unbounded_channel();
    let finisher = tokio::spawn(finisher(
        ctx.store.clone(),
        owner.clone(),
        notes_in,
        state.clone(),
        written.clone(),
    ));
    let mut workers = Workers {
        ctx: ctx.clone(),
        state: state.clone(),
        notes,
        retry: retry.clone(),
        stop: stop.clone(),
        senders: HashMap::new(),
        tasks: JoinSet::new(),
    };
    let mut last_renewal = Instant::now();
    // The first pass finds what an earlier run left unhandled.
    let mut pass_due = true;
    let mut full = false;
    let mut next_pass = tokio::time::Instant::now();
    loop {
        if stop.is_cancelled() {
            break;
        }
        while workers.tasks.try_join_next().is_some() {}
        release_idle(&ctx, &owner, &state).await;
        if last_renewal.elapsed() >= LEASE / 3 {
            if let Err(err) = ctx
                .store
                .renew_inbox_leases(&owner, lease_until(Utc::now()))
                .await
            {
                tracing::warn!(error = %err, "cannot renew inbox leases");
            }
            last_renewal = Instant::now();
        }
        if pass_due {
            // Counted before the read's snapshot is taken (see `InFlight::sort_claim`).
            reads.fetch_add(1, Ordering::SeqCst);
            lock(&state).start_read();
            let (won, batch) = match leased_batch(&ctx, &owner).await {
                Ok(pass) => pass,
                Err(err) => {
                    crate::ops::metrics::error(ErrorKind::Database);
                    tracing::error!(error = %err, "cannot read the update inbox");
                    (Vec::new(), Vec::new())
                }
            };
            // More may be waiting than one pass takes.
            full = batch.len() as i64 >= BATCH || won.len() as i64 >= CHATS_PER_PASS;
            let mut handed_out = 0;
            for update in batch {
                if workers.hand(update) {
                    handed_out += 1;
                }
            }
            lock(&state).track_leased(&won, Instant::now());
            next_pass = tokio::time::Instant::now() + IDLE_POLL;
            pass_due = full && handed_out > 0;
        }
        workers.let_idle_go();
        if pass_due {
            continue;
        }
        tokio::select! {
            _ = stop.cancelled() => break,
            Some(mut claim) = claims.recv() => {
                let (ready, held_back) = {
                    let mut state = lock(&state);
                    // Tracked after sorting: a chat tracked as idle now would look busy since
                    // the statement, and lose its caller record.
                    let won = std::mem::take(&mut claim.won);
                    let sorted = state.sort_claim(claim, reads.load(Ordering::SeqCst));
                    // Won chats are given back once idle; handing out makes them busy first.
                    state.track_leased(&won, Instant::now());
                    sorted
                };
                for update in ready {
                    workers.hand(update);
                }
                pass_due = held_back;
            }
            _ = wake.notified() => pass_due = true,
            _ = retry.notified() => pass_due = true,
            // A full read that handed nothing out waits for rows to leave the inbox.
            _ = written.notified(), if full => pass_due = true,
            // Updates another replica stored, or left behind, are found by looking now and then.
            _ = tokio::time::sleep_until(next_pass) => pass_due = true,
        }
    }
    // The workers hold the finisher's channel: it ends once they are done.
    workers.finish().await;
    // Marks before leases: a replica taking a chat over must not find its handled updates waiting.
    if finisher.await.is_err() {
        tracing::error!("the handled-mark writer failed; unmarked updates will be handled again");
    }
    if let Err(err) = ctx.store.release_inbox_leases(&owner).await {
        tracing::warn!(error = %err, "cannot release inbox leases; they expire by themselves");
    }
}

/// This replica's chat workers: one task per chat with updates in hand, fed in order.
struct Workers {
    ctx: BotContext,
    state: Arc<Mutex<InFlight>>,
    notes: mpsc::UnboundedSender<Note>,
    retry: Arc<Notify>,
    stop: CancellationToken,
    senders: HashMap<i64, mpsc::UnboundedSender<InboxUpdate>>,
    tasks: JoinSet<()>,
}

impl Workers {
    /// Queues an update for its chat's worker, starting one if needed; false when the update is
    /// already in hand or done here.
    fn hand(&mut self, update: InboxUpdate) -> bool {
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
                    self.notes.clone(),
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
    async fn finish(mut self) {
        self.senders.clear();
        while self.tasks.join_next().await.is_some() {}
    }

    /// Idle workers are let go; a chat's next update starts a new one.
    fn let_idle_go(&mut self) {
        let state = lock(&self.state);
        self.senders
            .retain(|chat, _| state.per_chat.contains_key(chat));
    }
}

/// Leases chats with waiting updates; returns the chats newly won and the unhandled updates of
/// every chat held.
async fn leased_batch(
    ctx: &BotContext,
    owner: &str,
) -> crate::store::StoreResult<(Vec<i64>, Vec<InboxUpdate>)> {
    let now = Utc::now();
    let others_after = now - chrono::Duration::from_std(AFFINITY).unwrap_or_default();
    let won = ctx
        .store
        .lease_inbox_chats(owner, now, lease_until(now), others_after, CHATS_PER_PASS)
        .await?;
    let updates = ctx.store.leased_updates(owner, now, BATCH).await?;
    Ok((won, updates))
}

/// Gives back, in one statement, the leases of chats idle for `KEEP_IDLE`.
async fn release_idle(ctx: &BotContext, owner: &str, state: &Mutex<InFlight>) {
    // Only this loop makes a chat busy again, so none of these can while the statement runs.
    let due = lock(state).idle_for(KEEP_IDLE, Instant::now());
    if due.is_empty() {
        return;
    }
    match ctx.store.release_inbox_chats(owner, &due).await {
        Ok(()) => {
            let mut state = lock(state);
            for key in &due {
                state.idle.remove(key);
            }
        }
        Err(err) => {
            tracing::warn!(error = %err, "cannot release inbox leases; trying again, or they expire");
        }
    }
}

/// When a lease taken or renewed at `now` runs out.
fn lease_until(now: chrono::DateTime<Utc>) -> chrono::DateTime<Utc> {
    now + chrono::Duration::from_std(LEASE).unwrap_or_default()
}

fn lock(state: &Mutex<InFlight>) -> std::sync::MutexGuard<'_, InFlight> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Writes the handled marks of everything workers finished since its last write with one
/// statement (and the due last-seen times with another), until the workers are gone and the last
/// marks are written.
async fn finisher(
    store: Store,
    owner: Arc<str>,
    mut notes: mpsc::UnboundedReceiver<Note>,
    state: Arc<Mutex<InFlight>>,
    written: Arc<Notify>,
) {
    let mut marks: Vec<(i64, Option<i64>)> = Vec::new();
    let mut seen = Seen::new(Instant::now());
    let mut touch: Vec<i64> = Vec::new();
    let mut received = Vec::new();
    loop {
        let open = if marks.is_empty() {
            notes.recv_many(&mut received, NOTES_PER_WRITE).await > 0
        } else {
            // The last write failed: again with whatever comes meanwhile, or after a pause.
            tokio::select! {
                count = notes.recv_many(&mut received, NOTES_PER_WRITE) => count > 0,
                _ = tokio::time::sleep(MARK_RETRY) => true,
            }
        };
        let now = Instant::now();
        for note in received.drain(..) {
            match note {
                Note::Seen(user) => {
                    if seen.due(user, now) {
                        touch.push(user);
                    }
                }
                Note::Handled { update_id, chat } => marks.push((update_id, chat)),
            }
        }
        if !marks.is_empty() {
            let ids: Vec<i64> = marks.iter().map(|(update_id, _)| *update_id).collect();
            match store.finish_updates(&ids, &owner, Utc::now()).await {
                Ok(_) => {
                    lock(&state).marks_written(&marks);
                    marks.clear();
                    written.notify_one();
                }
                Err(err) => {
                    crate::ops::metrics::error(ErrorKind::Database);
                    tracing::error!(error = %err, count = marks.len(), "cannot mark updates handled; trying again");
                }
            }
        }
        if !touch.is_empty() {
            // Only for the active-user gauges; not worth a retry.
            if let Err(err) = store.touch_users(&touch, Utc::now()).await {
                tracing::debug!(error = %err, "cannot record last-seen times");
            }
            touch.clear();
        }
        if !open {
            break;
        }
    }
    if !marks.is_empty() {
        tracing::error!(
            count = marks.len(),
            "handled marks not written at shutdown; those updates will be handled again"
        );
    }
}

/// When each user was last touched here, so the statement is skipped within the minute; entries
/// older than that are pruned once a minute, so memory holds only recently active users.
struct Seen {
    at: HashMap<i64, Instant>,
    pruned: Instant,
}

impl Seen {
    fn new(now: Instant) -> Self {
        Self {
            at: HashMap::new(),
            pruned: now,
        }
    }

    /// Whether `user`'s last-seen time is to be written now (and if so, notes that it is).
    fn due(&mut self, user: i64, now: Instant) -> bool {
        if now.saturating_duration_since(self.pruned) >= TOUCH_EVERY {
            self.at
                .retain(|_, at| now.saturating_duration_since(*at) < TOUCH_EVERY);
            self.pruned = now;
        }
        match self.at.get(&user) {
            Some(at) if now.saturating_duration_since(*at) < TOUCH_EVERY => false,
            _ => {
                self.at.insert(user, now);
                true
            }
        }
    }
}

async fn worker(
    ctx: BotContext,
    mut updates: mpsc::UnboundedReceiver<InboxUpdate>,
    state: Arc<Mutex<InFlight>>,
    notes: mpsc::UnboundedSender<Note>,
    retry: Arc<Notify>,
    stop: CancellationToken,
) {
    while let Some(update) = updates.recv().await {
        let (update_id, chat) = (update.update_id, update.chat_id);
        if stop.is_cancelled() {
            lock(&state).withdraw(update_id, chat);
            continue;
        }
        let (outcome, user) = handle_stored(&ctx, update).await;
        if let Some(user) = user {
            let _ = notes.send(Note::Seen(user));
        }
        match outcome {
            Outcome::Done => {
                // In `finished` before the finisher can report the mark written.
                lock(&state).handled(update_id);
                if notes.send(Note::Handled { update_id, chat }).is_err() {
                    tracing::error!(
                        update_id,
                        "handled mark not queued; it will be handled again"
                    );
                }
            }
            Outcome::Retry => {
                lock(&state).failed(update_id, chat);
                retry.notify_one();
            }
        }
    }
}

/// What becomes of an update after its handler ran.
enum Outcome {
    /// Handled, or given up on: to be marked handled.
    Done,
    /// The handler failed; to be tried again.
    Retry,
}

/// Runs an update's handler; returns what becomes of the update, and who sent it.
async fn handle_stored(ctx: &BotContext, stored: InboxUpdate) -> (Outcome, Option<i64>) {
    let update: Update = match serde_json::from_str(&stored.payload) {
        Ok(update) => update,
        Err(err) => {
            tracing::warn!(update_id = stored.update_id, error = %err, "unreadable update; skipped");
            return (Outcome::Done, None);
        }
    };
    let command = command_label(&update, &ctx.bot_username);
    let span = tracing::info_span!("update", update_id = stored.update_id, command);
    let user = update.from().map(|user| user.id.0 as i64);
    let outcome = handle_parsed(ctx, stored, update, command)
        .instrument(span)
        .await;
    (outcome, user)
}

async fn handle_parsed(
    ctx: &BotContext,
    mut stored: InboxUpdate,
    update: Update,
    command: &'static str,
) -> Outcome {
    let started = Instant::now();
    let result = handle_update(ctx, &update, stored.caller.take()).await;
    crate::ops::metrics::command(command, started, result.is_ok());
    tracing::info!(target: PERFORMANCE, command, latency_ms = started.elapsed().as_millis() as u64, ok = result.is_ok(), "update handled");
    let Err(err) = result else {
        return Outcome::Done;
    };
    crate::ops::metrics::error(ErrorKind::Handler);
    tracing::error!(error = %err, "handler failed");
    let _ = ctx.store.note_update_attempt(stored.update_id).await;
    if stored.attempts + 1 < MAX_ATTEMPTS {
        return Outcome::Retry;
    }
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
    Outcome::Done
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
    use crate::store::CallerRecord;

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
    fn an_update_is_not_handed_out_again_until_its_mark_is_written_and_read_past() {
        let mut state = InFlight::default();
        assert!(state.admit(1, Some(7)));
        assert!(!state.admit(1, Some(7)), "queued");
        state.handled(1);
        state.start_read();
        assert!(!state.admit(1, Some(7)), "its mark is not written yet");
        state.marks_written(&[(1, Some(7))]);
        assert!(
            !state.admit(1, Some(7)),
            "a read that started before the write may still list it"
        );
        state.start_read();
        assert!(state.finished.is_empty() && state.ids.is_empty());
    }

    #[test]
    fn a_failed_update_is_handed_out_again_after_the_next_read_starts() {
        let mut state = InFlight::default();
        assert!(state.admit(2, None));
        state.failed(2, None);
        assert!(!state.admit(2, None), "a read already under way");
        state.start_read();
        assert!(state.admit(2, None));
    }

    #[test]
    fn a_chat_is_idle_once_its_last_mark_is_written() {
        let mut state = InFlight::default();
        assert!(state.admit(1, Some(7)));
        assert!(state.admit(2, Some(7)));
        state.handled(1);
        state.handled(2);
        state.marks_written(&[(1, Some(7))]);
        assert!(state.idle.is_empty());
        state.marks_written(&[(2, Some(7))]);
        assert!(state.idle.contains_key(&7));
        let later = Instant::now() + KEEP_IDLE;
        assert_eq!(state.idle_for(KEEP_IDLE, later), vec![7]);
        assert!(state.idle_for(KEEP_IDLE, Instant::now()).is_empty());
        assert!(state.admit(3, Some(7)));
        assert!(state.idle.is_empty(), "busy again");
        state.withdraw(3, Some(7));
        state.track_leased(&[7, 8], Instant::now());
        assert_eq!(state.idle.len(), 2, "a chat won with nothing handed out");
    }

    fn claim(updates: &[(i64, i64)], earlier: &[(i64, i64)], reads_before: u64) -> Claim {
        Claim {
            updates: updates
                .iter()
                .map(|&(update_id, chat)| InboxUpdate {
                    update_id,
                    chat_id: Some(chat),
                    payload: "{}".to_owned(),
                    attempts: 0,
                    caller: Some(CallerRecord::default()),
                })
                .collect(),
            won: Vec::new(),
            earlier: earlier.to_vec(),
            reads_before,
            started: Instant::now(),
        }
    }

    fn ids(updates: &[InboxUpdate]) -> Vec<i64> {
        updates.iter().map(|update| update.update_id).collect()
    }

    #[test]
    fn a_claimed_update_waits_behind_an_earlier_one_not_in_hand() {
        let mut state = InFlight::default();
        assert!(state.admit(1, Some(7)));
        assert!(state.admit(2, Some(9)));
        state.handled(2);
        // Chat 7's earlier update is in hand, chat 9's is done here, chat 8's is unknown here.
        let (ready, held_back) = state.sort_claim(
            claim(
                &[(3, 7), (4, 8), (5, 9), (6, 8)],
                &[(7, 1), (8, 0), (9, 2)],
                4,
            ),
            4,
        );
        assert_eq!(ids(&ready), vec![3, 5]);
        assert!(held_back, "chat 8 is left to a pass");
        let (ready, held_back) = state.sort_claim(claim(&[(10, 7)], &[], 4), 5);
        assert_eq!((ids(&ready), held_back), (vec![10], false));
    }

    #[test]
    fn a_caller_record_read_with_a_claim_is_kept_only_where_nothing_of_its_chat_ran_since() {
        let mut state = InFlight::default();
        let claimed = claim(&[(20, 7), (21, 8), (22, 9), (23, 10)], &[], 4);
        // Chat 9 went idle before the statement, chat 8 after it; chat 7 has an update in hand.
        state
            .idle
            .insert(9, claimed.started - Duration::from_millis(1));
        state
            .idle
            .insert(8, claimed.started + Duration::from_millis(1));
        assert!(state.admit(1, Some(7)));
        let (ready, _) = state.sort_claim(claimed, 4);
        let kept: Vec<i64> = ready
            .iter()
            .filter(|update| update.caller.is_some())
            .map(|update| update.update_id)
            .collect();
        assert_eq!(kept, vec![22, 23]);
        // A claim as old as `KEEP_IDLE` may predate a chat given back since: nothing is kept.
        let mut old = claim(&[(24, 10)], &[], 4);
        old.started = Instant::now() - KEEP_IDLE;
        let (ready, _) = state.sort_claim(old, 4);
        assert!(ready[0].caller.is_none());
    }

    #[test]
    fn a_claim_is_left_to_a_pass_once_two_reads_started_since_its_statement() {
        let state = InFlight::default();
        let (ready, held_back) = state.sort_claim(claim(&[(3, 7)], &[], 4), 6);
        assert!(ready.is_empty() && held_back);
    }

    #[test]
    fn a_user_is_touched_at_most_once_a_minute() {
        let start = Instant::now();
        let mut seen = Seen::new(start);
        assert!(seen.due(5, start));
        assert!(!seen.due(5, start + Duration::from_secs(59)));
        assert!(seen.due(6, start + Duration::from_secs(30)));
        assert!(seen.due(5, start + TOUCH_EVERY));
        // The prune keeps only the last minute's users.
        assert!(!seen.due(6, start + Duration::from_secs(61)));
        assert!(seen.due(7, start + Duration::from_secs(200)));
        assert_eq!(seen.at.len(), 1);
    }
}
