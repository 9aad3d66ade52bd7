//! Retention, run by the elected leader: every hour (and once at election) finished deliveries
//! older than `HERALD_RETENTION_DELIVERIES`, audit rows older than `HERALD_RETENTION_AUDIT`,
//! Telegram updates handled more than a day ago and prices older than the longest chart window
//! are deleted. Signals and their statistics stay.

use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use crate::config::SecuritySettings;
use crate::store::{Purged, Store};

pub const PURGE_EVERY: Duration = Duration::from_secs(3600);
/// Handled updates are kept this long for diagnosis; they hold users' messages and names.
pub const KEEP_UPDATES: chrono::Duration = chrono::Duration::days(1);

/// One purge with the configured ages.
pub async fn purge_once(store: &Store, settings: &SecuritySettings) -> anyhow::Result<Purged> {
    let now = Utc::now();
    let age =
        |duration: Duration| chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX);
    // An age too large to subtract purges nothing.
    let cutoff = |duration: Duration| {
        now.checked_sub_signed(age(duration))
            .unwrap_or(chrono::DateTime::<Utc>::MIN_UTC)
    };
    Ok(store
        .purge_expired(
            cutoff(settings.retention_deliveries),
            cutoff(settings.retention_audit),
            now - KEEP_UPDATES,
            now - crate::delivery::charts::HISTORY_KEPT,
        )
        .await?)
}

pub async fn run(store: Store, settings: SecuritySettings, stop: CancellationToken) {
    loop {
        match purge_once(&store, &settings).await {
            Ok(purged) if purged != Purged::default() => tracing::info!(
                deliveries = purged.deliveries,
                audit = purged.audit,
                updates = purged.updates,
                prices = purged.prices,
                "retention purge"
            ),
            Ok(_) => {}
            Err(err) => tracing::error!(error = %err, "retention purge failed; retrying later"),
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(PURGE_EVERY) => {}
        }
    }
}
