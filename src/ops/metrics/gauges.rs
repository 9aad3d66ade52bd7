//! Gauges read from the database (queue depth, inbox backlog, active users) and from the process
//! (resident memory), refreshed on a timer so `/metrics` itself stays a cheap in-memory render and
//! answers even while the database is down.

use std::time::Duration;

use chrono::Utc;
use metrics::gauge;
use tokio_util::sync::CancellationToken;

use crate::store::Store;

/// Every replica refreshes on its own; the values are the same database's, so dashboards take `max`.
pub async fn spawn_gauges(store: Store, every: Duration, stop: CancellationToken) {
    loop {
        refresh(&store).await;
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}

async fn refresh(store: &Store) {
    // A slow database must not pile up refreshes; the next tick tries again.
    let limit = Duration::from_secs(5);
    if let Ok(Ok(depth)) = tokio::time::timeout(limit, store.queue_depth()).await {
        gauge!("herald_queue_depth").set(depth as f64);
    }
    if let Ok(Ok(backlog)) = tokio::time::timeout(limit, store.inbox_backlog()).await {
        gauge!("herald_inbox_backlog").set(backlog as f64);
    }
    if let Ok(Ok(active)) = tokio::time::timeout(limit, store.active_users(Utc::now())).await {
        gauge!("herald_active_users", "window" => "1d").set(active.day as f64);
        gauge!("herald_active_users", "window" => "7d").set(active.week as f64);
        gauge!("herald_active_users", "window" => "30d").set(active.month as f64);
    }
    if let Some(bytes) = resident_memory() {
        gauge!("herald_process_resident_memory_bytes").set(bytes as f64);
    }
}

/// Linux only: the second field of /proc/self/statm is resident pages (4 KiB on every platform
/// Herald ships for).
fn resident_memory() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}
