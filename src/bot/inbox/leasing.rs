//! The leasing loop (`process`), one per replica: it leases the chats that have waiting updates
//! (`inbox_leases`: a chat leased by a live other replica is left alone), hands their updates and
//! the receiver's claims to the chat workers, renews its leases while it works and gives back
//! chats idle for `KEEP_IDLE`.
//!
//! A pass reads again at once only when it was full; otherwise it waits for a failed handler, a
//! receiver that could not claim everything it stored, or `IDLE_POLL`.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::in_flight::{InFlight, KEEP_IDLE, lock};
use super::marks::write_marks;
use super::receiver::ReceiverFeed;
use super::workers::Workers;
use crate::bot::BotContext;
use crate::ops::metrics::ErrorKind;
use crate::store::{InboxUpdate, StoreResult};

/// Updates read per pass of the loop.
const UPDATES_PER_PASS: i64 = 512;
/// Chats leased per pass of the loop.
const CHATS_PER_PASS: i64 = 256;
/// A lease outlives its holder by at most this long; renewed every third of it while working.
const LEASE: Duration = Duration::from_secs(30);
/// Updates another replica received are left to it this long before this one takes them over.
const RECEIVER_HEAD_START: Duration = Duration::from_secs(2);
/// Updates stored by another replica are found by looking this often when nothing wakes us.
const IDLE_POLL: Duration = Duration::from_millis(500);

/// Runs until `stop` fires; each chat finishes the update in hand first.
pub async fn process(
    ctx: BotContext,
    owner: Arc<str>,
    feed: ReceiverFeed,
    stop: CancellationToken,
) {
    let ReceiverFeed {
        wake,
        mut claims,
        reads,
    } = feed;
    let state = Arc::new(Mutex::new(InFlight::default()));
    // A handler failed: its update is to be read again.
    let retry = Arc::new(Notify::new());
    // Marks were written: a full inbox has room for more rows.
    let written = Arc::new(Notify::new());
    let (marks, marks_in) = mpsc::unbounded_channel();
    let mark_writer = tokio::spawn(write_marks(
        ctx.store.clone(),
        owner.clone(),
        marks_in,
        state.clone(),
        written.clone(),
    ));
    let mut workers = Workers {
        ctx: ctx.clone(),
        state: state.clone(),
        marks,
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
            full = batch.len() as i64 >= UPDATES_PER_PASS || won.len() as i64 >= CHATS_PER_PASS;
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
    // The workers hold the mark writer's channel: it ends once they are done.
    workers.finish().await;
    // Marks before leases: a replica taking a chat over must not find its handled updates waiting.
    if mark_writer.await.is_err() {
        tracing::error!("the handled-mark writer failed; unmarked updates will be handled again");
    }
    if let Err(err) = ctx.store.release_inbox_leases(&owner).await {
        tracing::warn!(error = %err, "cannot release inbox leases; they expire by themselves");
    }
}

/// Leases chats with waiting updates; returns the chats newly won and the unhandled updates of
/// every chat held.
async fn leased_batch(ctx: &BotContext, owner: &str) -> StoreResult<(Vec<i64>, Vec<InboxUpdate>)> {
    let now = Utc::now();
    let others_after = now - chrono::Duration::from_std(RECEIVER_HEAD_START).unwrap_or_default();
    let won = ctx
        .store
        .lease_inbox_chats(owner, now, lease_until(now), others_after, CHATS_PER_PASS)
        .await?;
    let updates = ctx
        .store
        .leased_updates(owner, now, UPDATES_PER_PASS)
        .await?;
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
        Ok(()) => lock(state).released(&due),
        Err(err) => {
            tracing::warn!(error = %err, "cannot release inbox leases; trying again, or they expire");
        }
    }
}

/// When a lease taken or renewed at `now` runs out.
pub(super) fn lease_until(now: chrono::DateTime<Utc>) -> chrono::DateTime<Utc> {
    now + chrono::Duration::from_std(LEASE).unwrap_or_default()
}
