//! getUpdates with long polling.

use std::sync::Arc;
use std::time::Duration;

use super::Reply;
use crate::core::Core;
use crate::error::ApiError;
use crate::model::EmulatorEvent;
use crate::params::Params;
use crate::updates::Queued;

/// getUpdates `limit`: "Values between 1-100 are accepted. Defaults to 100." (T25)
pub(crate) const MAX_UPDATES_LIMIT: i64 = 100;
/// The Bot API server caps the long-poll `timeout` at 50 seconds.
pub(crate) const MAX_POLL_TIMEOUT_SECS: i64 = 50;

pub(crate) const WEBHOOK_ACTIVE: &str = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";

/// `[u1,u2,…]` from already-serialized updates; tells subscribers which ids went out.
fn batch(core: &Core, updates: &[Queued]) -> Reply {
    let mut json =
        String::with_capacity(2 + updates.iter().map(|u| u.json.len() + 1).sum::<usize>());
    json.push('[');
    for (i, u) in updates.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str(&u.json);
    }
    json.push(']');
    if !updates.is_empty() {
        core.emit(|| EmulatorEvent::UpdatesFetched {
            update_ids: updates.iter().map(|u| u.id).collect(),
        });
    }
    Reply::raw(&json)
}

pub(crate) async fn get_updates(core: &Arc<Core>, params: &Params) -> Result<Reply, ApiError> {
    // Out-of-range values are clamped, not refused, as on the server.
    let offset = params.int("offset").ok().flatten().unwrap_or(0);
    let limit = params
        .int("limit")
        .ok()
        .flatten()
        .unwrap_or(MAX_UPDATES_LIMIT)
        .clamp(1, MAX_UPDATES_LIMIT) as usize;
    let timeout = params
        .int("timeout")
        .ok()
        .flatten()
        .unwrap_or(0)
        .clamp(0, MAX_POLL_TIMEOUT_SECS) as u64;
    let allowed = params.json::<Vec<String>>("allowed_updates").ok().flatten();

    // Subscribe before looking at the queue, so an update pushed in between still wakes us.
    let mut changes = core.updates.watch();
    let (generation, mut terminated) = {
        let mut q = core.updates.lock();
        if q.webhook.is_some() {
            return Err(ApiError::conflict(WEBHOOK_ACTIVE));
        }
        if let Some(allowed) = allowed {
            q.allowed = Some(allowed);
        }
        q.confirm(offset);
        let updates = q.take(limit);
        if !updates.is_empty() || timeout == 0 {
            return Ok(batch(core, &updates));
        }
        q.begin_long_poll()
    };
    core.emit(|| EmulatorEvent::PollWaiting);
    let deadline = tokio::time::sleep(Duration::from_secs(timeout));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            reason = &mut terminated => match reason {
                Ok(reason) => return Err(ApiError::conflict(reason)),
                Err(_) => break,
            },
            () = &mut deadline => break,
            () = core.cancel.cancelled() => break,
            changed = changes.changed() => {
                if changed.is_err() {
                    break;
                }
                let mut q = core.updates.lock();
                let updates = q.take(limit);
                if !updates.is_empty() {
                    q.end_long_poll(generation);
                    return Ok(batch(core, &updates));
                }
            }
        }
    }
    core.updates.lock().end_long_poll(generation);
    Ok(batch(core, &[]))
}
