//! The mark writer: one task per replica that writes the handled marks of everything the workers
//! finished since its last write with one statement, and the due last-seen times with another.
//! Workers do not wait for it; a chat counts as busy (and keeps its lease) until its marks are
//! written.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::{Notify, mpsc};

use super::in_flight::{InFlight, lock};
use crate::ops::metrics::ErrorKind;
use crate::store::Store;

/// A failed write of handled marks is tried again after this long if nothing else comes first.
const MARK_RETRY: Duration = Duration::from_secs(1);
/// A user's last-seen time is written at most this often (the store's rule too), so within it the
/// statement is skipped.
const LAST_SEEN_EVERY: Duration = Duration::from_secs(60);
/// Marks the writer takes per write, bounding one statement's id list.
const MARKS_PER_WRITE: usize = 2048;

/// What the workers send the mark writer.
pub(super) enum Mark {
    /// A user talked to the bot (for the active-user gauges).
    LastSeen(i64),
    /// An update was handled (or given up on): its mark is to be written.
    Handled { update_id: i64, chat: Option<i64> },
}

/// Writes marks until the workers are gone (the channel closes) and the last marks are written;
/// `written` is notified after each write of handled marks.
pub(super) async fn write_marks(
    store: Store,
    owner: Arc<str>,
    mut incoming: mpsc::UnboundedReceiver<Mark>,
    state: Arc<Mutex<InFlight>>,
    written: Arc<Notify>,
) {
    let mut handled: Vec<(i64, Option<i64>)> = Vec::new();
    let mut last_seen = LastSeenThrottle::new(Instant::now());
    let mut touch: Vec<i64> = Vec::new();
    let mut received = Vec::new();
    loop {
        let open = if handled.is_empty() {
            incoming.recv_many(&mut received, MARKS_PER_WRITE).await > 0
        } else {
            // The last write failed: again with whatever comes meanwhile, or after a pause.
            tokio::select! {
                count = incoming.recv_many(&mut received, MARKS_PER_WRITE) => count > 0,
                _ = tokio::time::sleep(MARK_RETRY) => true,
            }
        };
        let now = Instant::now();
        for mark in received.drain(..) {
            match mark {
                Mark::LastSeen(user) => {
                    if last_seen.due(user, now) {
                        touch.push(user);
                    }
                }
                Mark::Handled { update_id, chat } => handled.push((update_id, chat)),
            }
        }
        if !handled.is_empty() {
            let ids: Vec<i64> = handled.iter().map(|(update_id, _)| *update_id).collect();
            match store.finish_updates(&ids, &owner, Utc::now()).await {
                Ok(_) => {
                    lock(&state).marks_written(&handled);
                    handled.clear();
                    written.notify_one();
                }
                Err(err) => {
                    crate::ops::metrics::error(ErrorKind::Database);
                    tracing::error!(error = %err, count = handled.len(), "cannot mark updates handled; trying again");
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
    if !handled.is_empty() {
        tracing::error!(
            count = handled.len(),
            "handled marks not written at shutdown; those updates will be handled again"
        );
    }
}

/// When each user's last-seen time was last written here, so the statement is skipped within
/// `LAST_SEEN_EVERY`; older entries are pruned once a minute, so memory holds only recently
/// active users.
struct LastSeenThrottle {
    written_at: HashMap<i64, Instant>,
    pruned: Instant,
}

impl LastSeenThrottle {
    fn new(now: Instant) -> Self {
        Self {
            written_at: HashMap::new(),
            pruned: now,
        }
    }

    /// Whether `user`'s last-seen time is to be written now (and if so, notes that it is).
    fn due(&mut self, user: i64, now: Instant) -> bool {
        if now.saturating_duration_since(self.pruned) >= LAST_SEEN_EVERY {
            self.written_at
                .retain(|_, at| now.saturating_duration_since(*at) < LAST_SEEN_EVERY);
            self.pruned = now;
        }
        match self.written_at.get(&user) {
            Some(at) if now.saturating_duration_since(*at) < LAST_SEEN_EVERY => false,
            _ => {
                self.written_at.insert(user, now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_is_touched_at_most_once_a_minute() {
        let start = Instant::now();
        let mut last_seen = LastSeenThrottle::new(start);
        assert!(last_seen.due(5, start));
        assert!(!last_seen.due(5, start + Duration::from_secs(59)));
        assert!(last_seen.due(6, start + Duration::from_secs(30)));
        assert!(last_seen.due(5, start + LAST_SEEN_EVERY));
        // The prune keeps only the last minute's users.
        assert!(!last_seen.due(6, start + Duration::from_secs(61)));
        assert!(last_seen.due(7, start + Duration::from_secs(200)));
        assert_eq!(last_seen.written_at.len(), 1);
    }
}
