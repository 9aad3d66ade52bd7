//! Webhook delivery: POSTs each pending update to the webhook URL, one at a time and in order,
//! retrying with a short backoff until the receiver answers 2xx.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::core::{Core, unix_now};
use crate::model::EmulatorEvent;

/// Header carrying setWebhook's `secret_token` (T21).
pub const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";
/// First wait after a failed delivery; doubles up to [`MAX_BACKOFF`]. Telegram's own schedule is
/// undocumented ("a reasonable amount of attempts", T22) and far slower; tests want it short.
const INITIAL_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// How long a receiver may take to answer before the attempt counts as failed.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) fn spawn(core: Arc<Core>, stop: CancellationToken) {
    let tasks = core.tasks.clone();
    tasks.spawn(run(core, stop));
}

async fn run(core: Arc<Core>, stop: CancellationToken) {
    let mut changes = core.updates.watch();
    let mut backoff = INITIAL_BACKOFF;
    loop {
        let next = {
            let q = core.updates.lock();
            let Some(hook) = q.webhook.as_ref().filter(|w| !w.stop.is_cancelled()) else {
                return;
            };
            q.pending
                .front()
                .map(|u| (u.clone(), hook.url.clone(), hook.secret_token.clone()))
        };
        let Some((update, url, secret)) = next else {
            tokio::select! {
                () = stop.cancelled() => return,
                changed = changes.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    continue;
                }
            }
        };
        let mut request = core
            .http_client()
            .post(&url)
            .header("content-type", "application/json")
            .body(update.json.to_string())
            .timeout(DELIVERY_TIMEOUT);
        if let Some(secret) = secret {
            request = request.header(SECRET_HEADER, secret);
        }
        let result = tokio::select! {
            () = stop.cancelled() => return,
            result = request.send() => result,
        };
        let error = match result {
            Ok(response) if response.status().is_success() => None,
            Ok(response) => Some(format!(
                "Wrong response from the webhook: {}",
                response.status()
            )),
            Err(e) if e.is_timeout() => Some("Read timeout expired".to_owned()),
            Err(e) if e.is_connect() => Some("Connection refused".to_owned()),
            Err(_) => Some("Connection closed".to_owned()),
        };
        {
            let mut q = core.updates.lock();
            if error.is_none() && q.pending.front().is_some_and(|u| u.id == update.id) {
                q.pending.pop_front();
            }
            if let Some(hook) = q.webhook.as_mut().filter(|w| !w.stop.is_cancelled()) {
                match &error {
                    None => hook.delivered += 1,
                    Some(message) => {
                        hook.last_error_date = Some(unix_now());
                        hook.last_error_message = Some(message.clone());
                    }
                }
            }
        }
        match error {
            None => {
                backoff = INITIAL_BACKOFF;
                core.emit(|| EmulatorEvent::WebhookDelivered {
                    update_id: update.id,
                });
            }
            Some(message) => {
                tracing::debug!(update_id = update.id, %message, "webhook delivery failed");
                tokio::select! {
                    () = stop.cancelled() => return,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}
