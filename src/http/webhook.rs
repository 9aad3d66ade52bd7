//! Herald's own webhook route (not a library's, which would call setWebhook on start and
//! deleteWebhook on stop — one pod stopping would cut off every replica).
//!
//! Per update: compare the secret header in constant time; store the update in the inbox keyed by
//! `update_id` (a redelivery changes nothing); only then answer 200. If the update cannot be
//! stored the answer is 503 and Telegram delivers it again later. Handling happens afterwards, from
//! the inbox, on whichever replica leases the chat (`bot::inbox`).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use secrecy::SecretString;
use subtle::ConstantTimeEq;

use crate::bot::inbox::UpdateReceiver;
use crate::config::reveal;
use crate::ops::telemetry::SECURITY;
use crate::store::NewUpdate;

/// The header Telegram puts setWebhook's `secret_token` in
/// (<https://core.telegram.org/bots/api#setwebhook>).
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";
/// Updates are small, but a message may quote another with entities; stay generous, yet bounded.
const MAX_UPDATE_BYTES: usize = 1024 * 1024;

#[derive(Clone)]
struct Webhook {
    secret: SecretString,
    receiver: UpdateReceiver,
}

/// The webhook route at `path` (the path of `HERALD_WEBHOOK_URL`), with its own state so the
/// router's state need not know about it.
pub fn routes<S: Clone + Send + Sync + 'static>(
    path: &str,
    secret: SecretString,
    receiver: UpdateReceiver,
) -> Router<S> {
    Router::new()
        .route(path, post(receive))
        .layer(DefaultBodyLimit::max(MAX_UPDATE_BYTES))
        .with_state(Webhook { secret, receiver })
}

async fn receive(State(hook): State<Webhook>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let presented = headers
        .get(SECRET_HEADER)
        .map(|value| value.as_bytes())
        .unwrap_or_default();
    if !bool::from(reveal(&hook.secret).as_bytes().ct_eq(presented)) {
        crate::ops::metrics::auth_failure("webhook_secret");
        crate::ops::metrics::update_received("webhook", "rejected");
        tracing::warn!(target: SECURITY, "webhook request with a missing or wrong secret token");
        return StatusCode::UNAUTHORIZED;
    }
    let Some((update_id, chat_id)) = identify(&body) else {
        crate::ops::metrics::update_received("webhook", "rejected");
        tracing::warn!("webhook body is not a Telegram update; ignored");
        return StatusCode::BAD_REQUEST;
    };
    let Ok(payload) = std::str::from_utf8(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let update = NewUpdate {
        update_id,
        chat_id,
        payload: payload.to_owned(),
    };
    match hook.receiver.receive(vec![update], None).await {
        Ok(stored) => {
            let stored = stored == 1;
            crate::ops::metrics::update_received(
                "webhook",
                if stored { "stored" } else { "duplicate" },
            );
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
/// not know are still stored (with no chat), so nothing Telegram sends is lost.
fn identify(body: &[u8]) -> Option<(i64, Option<i64>)> {
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
