//! Herald's own webhook route (not a library's, which would call setWebhook on start and
//! deleteWebhook on stop — one pod stopping would cut off every replica).
//!
//! Per update: check the sender's address against `HERALD_WEBHOOK_ALLOWED_IPS` (when set); compare
//! the secret header in constant time, before a byte of the body is read; store the update in the
//! inbox keyed by `update_id` (a redelivery changes nothing); only then answer 200. Wrong secrets
//! are limited per address: past [`FAILURES_PER_MINUTE`] they are answered 429. If the update
//! cannot be stored the answer is 503 and Telegram delivers it again later. Handling happens
//! afterwards, from the inbox, on whichever replica leases the chat (`bot::inbox`).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use ipnet::IpNet;
use secrecy::SecretString;
use subtle::ConstantTimeEq;

use super::client_ip;
use super::rate_limit::{KeyedLimiter, MAX_TRACKED, ip_bucket, retry_after_secs};
use crate::bot::inbox::UpdateReceiver;
use crate::config::reveal;
use crate::ops::metrics::{AuthFailure, auth_failure, update_received};
use crate::ops::telemetry::SECURITY;
use crate::store::NewUpdate;

/// The header Telegram puts setWebhook's `secret_token` in
/// (<https://core.telegram.org/bots/api#setwebhook>).
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";
/// Updates are small, but a message may quote another with entities; stay generous, yet bounded.
const MAX_UPDATE_BYTES: usize = 1024 * 1024;

/// Wrong secrets one address may send a minute before the next ones are answered 429 (the right
/// secret still gets through: someone else's guesses do not lock Telegram out).
pub const FAILURES_PER_MINUTE: u32 = 20;

/// Who may call the webhook route.
pub struct WebhookAccess {
    /// `HERALD_WEBHOOK_SECRET`, which Telegram sends in [`SECRET_HEADER`].
    pub secret: SecretString,
    /// `HERALD_WEBHOOK_ALLOWED_IPS`: when not empty, the only senders (Telegram's ranges).
    pub allowed: Vec<IpNet>,
    /// `HERALD_TRUSTED_PROXIES`, whose `X-Forwarded-For` names the sender.
    pub trusted_proxies: Vec<IpNet>,
}

#[derive(Clone)]
struct Webhook {
    access: Arc<WebhookAccess>,
    failures: Arc<KeyedLimiter<IpAddr>>,
    receiver: UpdateReceiver,
}

/// The webhook route at `path` (the path of `HERALD_WEBHOOK_URL`), with its own state so the
/// router's state need not know about it.
pub fn routes<S: Clone + Send + Sync + 'static>(
    path: &str,
    access: WebhookAccess,
    receiver: UpdateReceiver,
) -> Router<S> {
    let hook = Webhook {
        access: Arc::new(access),
        failures: Arc::new(KeyedLimiter::new(FAILURES_PER_MINUTE, MAX_TRACKED)),
        receiver,
    };
    Router::new().route(path, post(receive)).with_state(hook)
}

async fn receive(State(hook): State<Webhook>, request: Request) -> Response {
    let sender = sender(&request, &hook.access.trusted_proxies);
    if !client_ip::allowed(sender, &hook.access.allowed) {
        update_received("webhook", "rejected");
        tracing::warn!(target: SECURITY, "webhook request from outside HERALD_WEBHOOK_ALLOWED_IPS");
        return StatusCode::FORBIDDEN.into_response();
    }
    if !secret_matches(&hook.access.secret, request.headers()) {
        auth_failure(AuthFailure::WebhookSecret);
        update_received("webhook", "rejected");
        if let Some(address) = sender
            && let Err(wait) = hook.failures.check(&ip_bucket(address))
        {
            let retry_after = HeaderValue::from(retry_after_secs(wait).max(1));
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, retry_after)],
            )
                .into_response();
        }
        tracing::warn!(target: SECURITY, "webhook request with a missing or wrong secret token");
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_UPDATE_BYTES) {
        update_received("webhook", "rejected");
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let Ok(body) = axum::body::to_bytes(request.into_body(), MAX_UPDATE_BYTES).await else {
        update_received("webhook", "rejected");
        return StatusCode::BAD_REQUEST.into_response();
    };
    store(&hook.receiver, &body).await.into_response()
}

/// The sender's address: the peer, or the client a trusted proxy names.
fn sender(request: &Request, trusted_proxies: &[IpNet]) -> Option<IpAddr> {
    let ConnectInfo(peer) = request.extensions().get::<ConnectInfo<SocketAddr>>()?;
    client_ip::resolve(peer.ip(), request.headers(), trusted_proxies)
}

fn secret_matches(secret: &SecretString, headers: &HeaderMap) -> bool {
    let presented = headers
        .get(SECRET_HEADER)
        .map(|value| value.as_bytes())
        .unwrap_or_default();
    bool::from(reveal(secret).as_bytes().ct_eq(presented))
}

async fn store(receiver: &UpdateReceiver, body: &[u8]) -> StatusCode {
    let Some((update_id, chat_id)) = identify(body) else {
        update_received("webhook", "rejected");
        tracing::warn!("webhook body is not a Telegram update; ignored");
        return StatusCode::BAD_REQUEST;
    };
    let Ok(payload) = std::str::from_utf8(body) else {
        return StatusCode::BAD_REQUEST;
    };
    let update = NewUpdate {
        update_id,
        chat_id,
        payload: payload.to_owned(),
    };
    match receiver.receive(vec![update], None).await {
        Ok(stored) => {
            let stored = stored == 1;
            update_received("webhook", if stored { "stored" } else { "duplicate" });
            if !stored {
                tracing::debug!(update_id, "webhook redelivery dropped");
            }
            StatusCode::OK
        }
        Err(err) => {
            // Not acknowledged: Telegram keeps the update and tries again.
            crate::ops::metrics::error(crate::ops::metrics::ErrorKind::Database);
            tracing::error!(update_id, error = %err, "cannot store a webhook update");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

/// The update's id and chat, or `None` when the body is not an update at all. Kinds teloxide does
/// not know are still stored (with no chat), so nothing Telegram sends is lost. Public for the
/// fuzz target `webhook_body`.
pub fn identify(body: &[u8]) -> Option<(i64, Option<i64>)> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let update_id = value.get("update_id")?.as_i64()?;
    // From the bytes, not the `Value`: teloxide's `Update` does not read back from a `Value`.
    let chat_id = serde_json::from_slice::<teloxide_core::types::Update>(body)
        .ok()
        .and_then(|update| crate::bot::chat_of(&update));
    Some((update_id, chat_id))
}

#[cfg(test)]
mod tests {
    use super::identify;

    #[test]
    fn only_updates_are_identified() {
        assert_eq!(identify(b"not json"), None);
        assert_eq!(identify(br#"{"message": {}}"#), None);
        assert_eq!(identify(br#"{"update_id": "7"}"#), None);
        assert_eq!(identify(br#"{"update_id": 7}"#), Some((7, None)));
        let message = br#"{"update_id": 8, "message": {"message_id": 1, "date": 1700000000,
            "chat": {"id": 42, "type": "private", "first_name": "A"},
            "from": {"id": 42, "is_bot": false, "first_name": "A"}, "text": "/help"}}"#;
        assert_eq!(identify(message), Some((8, Some(42))));
    }
}
