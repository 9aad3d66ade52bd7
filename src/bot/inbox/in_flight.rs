//! What this replica holds of the inbox: the updates queued, running or awaiting their handled
//! mark, and the chats it leases. Shared (behind one mutex) by the leasing loop, the workers and
//! the mark writer; every method is a few hash operations, so the lock is never held across a
//! statement.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::receiver::Claim;
use crate::store::InboxUpdate;

/// A chat's lease is given back once its worker has been idle this long.
pub(super) const KEEP_IDLE: Duration = Duration::from_secs(2);

/// What is queued, running or awaiting its handled mark here, so the same update is never handed
/// out twice and idle chats can be given back.
#[derive(Default)]
pub(super) struct InFlight {
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
    pub(super) fn admit(&mut self, update_id: i64, chat: Option<i64>) -> bool {
        if self.finished.contains(&update_id) || !self.ids.insert(update_id) {
            return false;
        }
        let key = chat_key(chat);
        *self.per_chat.entry(key).or_default() += 1;
        self.idle.remove(&key);
        true
    }

    /// The handler is done and the mark is queued; the chat stays busy until it is written.
    pub(super) fn handled(&mut self, update_id: i64) {
        self.ids.remove(&update_id);
        self.finished.insert(update_id);
    }

    /// The handler failed and the update stays unhandled, to be read and tried again.
    pub(super) fn failed(&mut self, update_id: i64, chat: Option<i64>) {
        self.ids.remove(&update_id);
        self.finished.insert(update_id);
        self.forgettable.push(update_id);
        self.settle(chat);
    }

    /// Not handled here after all (shutdown); it stays unhandled for next time.
    pub(super) fn withdraw(&mut self, update_id: i64, chat: Option<i64>) {
        self.ids.remove(&update_id);
        self.settle(chat);
    }

    /// These handled marks are committed.
    pub(super) fn marks_written(&mut self, marks: &[(i64, Option<i64>)]) {
        for &(update_id, chat) in marks {
            self.forgettable.push(update_id);
            self.settle(chat);
        }
    }

    /// Called just before a read: the marks written so far are visible to it.
    pub(super) fn start_read(&mut self) {
        for update_id in self.forgettable.drain(..) {
            self.finished.remove(&update_id);
        }
    }

    /// Chats won by a pass that got no update handed out (all in hand or done here) are still
    /// held, so they must be given back once idle like any other.
    pub(super) fn track_leased(&mut self, chat_keys: &[i64], now: Instant) {
        for key in chat_keys {
            if !self.per_chat.contains_key(key) {
                self.idle.entry(*key).or_insert(now);
            }
        }
    }

    /// Chats idle for at least `keep` by `now`.
    pub(super) fn idle_for(&self, keep: Duration, now: Instant) -> Vec<i64> {
        self.idle
            .iter()
            .filter(|(_, since)| now.saturating_duration_since(**since) >= keep)
            .map(|(key, _)| *key)
            .collect()
    }

    /// The leases of these idle chats were given back.
    pub(super) fn released(&mut self, chat_keys: &[i64]) {
        for key in chat_keys {
            self.idle.remove(key);
        }
    }

    /// Whether the chat has an update queued, running or awaiting its mark here.
    pub(super) fn is_busy(&self, chat_key: i64) -> bool {
        self.per_chat.contains_key(&chat_key)
    }

    /// The updates of `claim` that may be handed out now, and whether the rest must wait for a
    /// pass. None may when two reads started since the claim's statement: the second may have
    /// forgotten updates the first handed out and saw finished, so they could be handed out
    /// twice. Nor may a chat's, when an earlier unhandled update of that chat is neither in hand
    /// nor done here (another replica received it, or a read has yet to find it): it goes first.
    /// A caller record read with the claim is kept only where nothing of its chat ran since.
    pub(super) fn sort_claim(&self, claim: Claim, reads_now: u64) -> (Vec<InboxUpdate>, bool) {
        if reads_now.saturating_sub(claim.reads_before) > 1 {
            return (Vec::new(), true);
        }
        let in_hand_or_done =
            |update_id: &i64| self.ids.contains(update_id) || self.finished.contains(update_id);
        let waiting: HashSet<i64> = claim
            .earlier
            .iter()
            .filter(|(_, update_id)| !in_hand_or_done(update_id))
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
pub(super) fn chat_key(chat: Option<i64>) -> i64 {
    chat.unwrap_or(0)
}

/// The shared state, even if a holder panicked: every method leaves it consistent.
pub(super) fn lock(state: &Mutex<InFlight>) -> MutexGuard<'_, InFlight> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::store::CallerRecord;

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
}
