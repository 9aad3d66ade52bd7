//! Handles stored updates: in order within a chat, concurrently across chats, and across replicas
//! each update once.
//!
//! How an update flows through these files:
//! 1. `receiver`: the poller or the webhook hands a batch to the `UpdateReceiver`, which stores it
//!    and leases its chats in one statement, and passes the updates of chats it now holds to the
//!    loop as a `Claim` (two statements and a pass fewer between Telegram's answer and the
//!    reply); for the rest it wakes the loop.
//! 2. `leasing`: the loop (`process`, on every replica) takes claims, and in a pass leases the
//!    chats with waiting updates (`inbox_leases`) and reads their updates — what other replicas
//!    stored, what a claim could not take, what an earlier run left. It renews its leases while it
//!    works and gives back chats idle for `KEEP_IDLE`.
//! 3. `in_flight`: before an update is handed out, `InFlight` checks it is not already in hand or
//!    done here, and a claim only goes straight through when it cannot break the order within a
//!    chat or hand an update out twice (`InFlight::sort_claim`).
//! 4. `workers`: each chat with updates in hand has a task of its own that runs them in order.
//! 5. `handling`: the task runs the update's handler (`bot::handle_update`); a failure is counted
//!    and tried again, and after `MAX_ATTEMPTS` given up on with an apology.
//! 6. `marks`: the handled mark (and the user's last-seen time) goes to the mark writer.
//!
//! An update is marked handled only after its handler finished, so a crash replays it rather than
//! dropping it; a lease left behind by a crashed replica expires and another replica takes the
//! chat over.
//!
//! Per command the database work is kept small, because it is most of a command's cost:
//! - Handled marks are written by one task, for everything finished since its last write, in one
//!   statement; workers do not wait for it. Until an update's mark is written, and a read has
//!   started after that, the inbox may still list it as unhandled, so it stays in
//!   `InFlight::finished` and is not handed out again. A chat's lease is given back only once its
//!   marks are written, so another replica never finds its handled updates unhandled; on shutdown
//!   the marks are flushed before the leases go. A crash before a mark is written handles that
//!   update again, as a crash between handler and mark always could.
//! - Last-seen times (for the active-user gauges) are written at most once a minute per user and
//!   process, in the mark writer's batch.
//! - A chat's lease is kept while it has been idle for less than `KEEP_IDLE`, so a conversation
//!   does not delete and re-insert it on every command; chats idle longer go back in one statement.
//!   Meanwhile its new updates are handled here even when another replica received them (at this
//!   replica's next pass, within `IDLE_POLL`), and another replica's takeover of the chat comes at
//!   most `KEEP_IDLE` later than it otherwise would.

mod handling;
mod in_flight;
mod leasing;
mod marks;
mod receiver;
mod workers;

pub use handling::command_label;
pub use leasing::process;
pub use receiver::{Claim, ReceiverFeed, UpdateReceiver, receiver};
