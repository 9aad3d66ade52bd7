//! What storing a batch of updates did, put together from the statement's rows.

use std::collections::{HashMap, HashSet};

use crate::store::CallerRecord;

/// What storing a batch did: which updates were new, and which of those the receiver holds the
/// chat of, so it can hand them to the chat's worker at once instead of reading them back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Receipt {
    /// Updates that were new (the others were redeliveries), in update order.
    pub stored: Vec<i64>,
    /// New updates whose chat the receiver holds now (won by this statement or held before), in
    /// update order. Updates without a chat are never claimed: the inbox loop leases those.
    pub claimed: Vec<i64>,
    /// Chats this statement leased to the receiver.
    pub won: Vec<i64>,
    /// Claimed chats' updates that were stored earlier and were still unhandled, as
    /// `(chat, update_id)`: a claimed update may go before none of them.
    pub earlier: Vec<(i64, i64)>,
    /// The caller record of each claimed chat (its user's, as chat and user are one in a private
    /// chat), as of the statement: the first handler of the chat can use it instead of reading
    /// it again, when nothing of the chat ran meanwhile.
    pub callers: HashMap<i64, CallerRecord>,
}

impl Receipt {
    pub(super) fn assemble(
        mut stored: Vec<(i64, Option<i64>)>,
        won: Vec<i64>,
        held_before: Vec<i64>,
        earlier: Vec<(i64, i64)>,
        callers: Vec<(i64, CallerRecord)>,
    ) -> Self {
        stored.sort_unstable();
        let held: HashSet<i64> = won.iter().chain(&held_before).copied().collect();
        let claimed = stored
            .iter()
            .filter(|(_, chat)| chat.is_some_and(|chat| held.contains(&chat)))
            .map(|(update_id, _)| *update_id)
            .collect();
        let mut earlier: Vec<(i64, i64)> = earlier
            .into_iter()
            .filter(|(chat, _)| held.contains(chat))
            .collect();
        earlier.sort_unstable();
        let callers = callers
            .into_iter()
            .filter(|(chat, _)| held.contains(chat))
            .collect();
        Self {
            stored: stored.into_iter().map(|(update_id, _)| update_id).collect(),
            claimed,
            won,
            earlier,
            callers,
        }
    }
}
