//! Writes the dispatcher's attempt results in small batches, one transaction each.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, OwnedSemaphorePermit, mpsc};

use crate::store::{DeliveryOutcome, QueuedDelivery, Store};

/// One attempt's result on its way to the recorder.
pub(super) struct Attempt {
    pub row: QueuedDelivery,
    pub outcome: DeliveryOutcome,
    /// Released only once the result is committed: rows in `sending` — the ones a crash would
    /// leave uncertain — thus never outnumber the permits the dispatcher hands out.
    pub _permit: OwnedSemaphorePermit,
}

/// Records results until every sender of `results` is gone; `recorded` is told after each batch,
/// since a recorded result frees its chat for its next row.
pub(super) async fn record_results(
    store: Store,
    mut results: mpsc::UnboundedReceiver<Attempt>,
    recorded: Arc<Notify>,
) {
    let mut batch: Vec<Attempt> = Vec::new();
    while let Some(first) = results.recv().await {
        batch.push(first);
        while batch.len() < 256 {
            match results.try_recv() {
                Ok(attempt) => batch.push(attempt),
                Err(_) => break,
            }
        }
        let rows: Vec<(QueuedDelivery, DeliveryOutcome)> = batch
            .iter()
            .map(|attempt| (attempt.row.clone(), attempt.outcome.clone()))
            .collect();
        // Retried until it works: a lost result would resend a message that was already sent.
        let mut delay = Duration::from_millis(100);
        while let Err(err) = store.record_outcomes(&rows).await {
            crate::ops::metrics::error(crate::ops::metrics::ErrorKind::Database);
            tracing::error!(error = %err, rows = rows.len(), "cannot record delivery results; retrying");
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
        rows.iter()
            .for_each(|(row, outcome)| crate::ops::metrics::delivery(row, outcome));
        // Dropping the batch releases its permits.
        batch.clear();
        recorded.notify_one();
    }
}
