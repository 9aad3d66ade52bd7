//! Premium expiry reminders, 7 days and 1 day before the end. Runs on the leader next to the
//! dispatcher; a reminder is marked before it is sent, so a crash loses at most one reminder
//! rather than repeating it. Expiry itself needs no job: the rules of an expired premium
//! subscription are the free ones wherever a tier is looked up.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::Replies;
use crate::domain::i18n::{Arg, t_args};
use crate::store::Store;

const INTERVAL: Duration = Duration::from_secs(60);

pub async fn run(store: Store, replies: Replies, wake: Arc<Notify>, stop: CancellationToken) {
    loop {
        if let Err(err) = pass(&store, &replies).await {
            tracing::error!(error = %err, "premium reminders failed; retrying later");
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = wake.notified() => {}
            _ = tokio::time::sleep(INTERVAL) => {}
        }
    }
}

/// Sends every reminder due now; returns how many were sent.
pub async fn pass(store: &Store, replies: &Replies) -> anyhow::Result<usize> {
    let now = Utc::now();
    let mut sent = 0;
    for due in store.due_reminders(now).await? {
        if !store.mark_reminded(due.user_id, due.days, now).await? {
            continue;
        }
        let days_left = ((due.expires_at - now).num_hours() + 23) / 24;
        let text = t_args(
            due.lang,
            "premium-reminder",
            [
                (
                    "date",
                    Arg::from(due.expires_at.format("%Y-%m-%d").to_string()),
                ),
                ("days", Arg::from(days_left.max(1))),
            ],
        );
        match replies.send(due.telegram_id, text, None).await {
            Ok(_) => sent += 1,
            Err(err) => tracing::warn!(error = %err, "cannot send a premium reminder"),
        }
    }
    Ok(sent)
}
