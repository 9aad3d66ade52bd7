//! Handles stored updates: in order within a chat, concurrently across chats. An update is marked
//! handled only after its handler finished, so a crash replays it rather than dropping it.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use teloxide_core::types::Update;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::{BotContext, handle_update};
use crate::domain::i18n::{Lang, t};
use crate::store::InboxUpdate;

/// A handler that failed this often is given up on, with an apology to the user.
const MAX_ATTEMPTS: i32 = 3;
const BATCH: i64 = 256;

pub async fn process(ctx: BotContext, wake: Arc<Notify>, stop: CancellationToken) {
    loop {
        if stop.is_cancelled() {
            return;
        }
        let batch = match ctx.store.unhandled_updates(BATCH).await {
            Ok(batch) => batch,
            Err(err) => {
                tracing::error!(error = %err, "cannot read the update inbox");
                Vec::new()
            }
        };
        if batch.is_empty() {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = wake.notified() => continue,
                _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
            }
        }
        let mut chats = JoinSet::new();
        for group in group_by_chat(batch) {
            let ctx = ctx.clone();
            chats.spawn(async move {
                for update in group {
                    handle_stored(&ctx, update).await;
                }
            });
        }
        while chats.join_next().await.is_some() {}
    }
}

/// Splits a batch into per-chat queues, each keeping arrival order.
fn group_by_chat(batch: Vec<InboxUpdate>) -> Vec<Vec<InboxUpdate>> {
    let mut groups: Vec<Vec<InboxUpdate>> = Vec::new();
    let mut index: std::collections::HashMap<Option<i64>, usize> = std::collections::HashMap::new();
    for update in batch {
        match index.get(&update.chat_id) {
            Some(&i) => groups[i].push(update),
            None => {
                index.insert(update.chat_id, groups.len());
                groups.push(vec![update]);
            }
        }
    }
    groups
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
                    let _ = ctx
                        .replies
                        .send(chat_id, t(Lang::En, "error-apology"), None)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn update(id: i64, chat: i64) -> InboxUpdate {
        InboxUpdate {
            update_id: id,
            chat_id: Some(chat),
            payload: String::new(),
            attempts: 0,
        }
    }

    #[test]
    fn groups_keep_order_within_each_chat() {
        let groups = group_by_chat(vec![
            update(1, 10),
            update(2, 20),
            update(3, 10),
            update(4, 20),
            update(5, 30),
        ]);
        let ids: Vec<Vec<i64>> = groups
            .iter()
            .map(|g| g.iter().map(|u| u.update_id).collect())
            .collect();
        assert_eq!(ids, vec![vec![1, 3], vec![2, 4], vec![5]]);
    }
}
