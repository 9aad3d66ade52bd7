//! Registering and removing receivers, the same from the API and the console: the URL, the
//! events and the description are checked, at most [`MAX_ENDPOINTS`] exist, the secret is made
//! here and returned once, and each change is audited.

use chrono::Utc;
use uuid::Uuid;

use super::{EVENT_TYPES, WebhookSecret, check_url};
use crate::store::{AuditEvent, Store, StoreError, WebhookEndpoint};

/// At most this many endpoints: each event is sent to every subscribed one.
pub const MAX_ENDPOINTS: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// A field and what is wrong with it.
    #[error("{0}: {1}")]
    Invalid(&'static str, String),
    #[error("at most {MAX_ENDPOINTS} endpoints; remove one first")]
    Full,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn register(
    store: &Store,
    url: &str,
    events: &[String],
    description: Option<&str>,
) -> Result<(WebhookEndpoint, String), RegisterError> {
    let url = check_url(url).map_err(|problem| RegisterError::Invalid("url", problem.into()))?;
    let mut events = events.to_vec();
    events.sort();
    events.dedup();
    if events.is_empty() {
        return Err(RegisterError::Invalid(
            "events",
            "name at least one event".into(),
        ));
    }
    if let Some(unknown) = events.iter().find(|e| !EVENT_TYPES.contains(&e.as_str())) {
        return Err(RegisterError::Invalid(
            "events",
            format!(
                "unknown event {unknown:?}; known: {}",
                EVENT_TYPES.join(", ")
            ),
        ));
    }
    let description = description.map(str::trim).filter(|d| !d.is_empty());
    if description.is_some_and(|d| d.chars().count() > 200) {
        return Err(RegisterError::Invalid(
            "description",
            "at most 200 characters".into(),
        ));
    }
    if store.webhook_endpoints().await?.len() >= MAX_ENDPOINTS {
        return Err(RegisterError::Full);
    }
    let secret = WebhookSecret::generate();
    let endpoint = store
        .create_webhook_endpoint(url.as_str(), &events, description, &secret, Utc::now())
        .await?;
    store
        .audit(
            AuditEvent::audit("webhook.create")
                .target("webhook", endpoint.id.to_string())
                .detail(format!("{} for {}", endpoint.url, events.join(","))),
        )
        .await;
    Ok((endpoint, secret))
}

/// Removes a receiver and what was still to be sent to it; `false` when there was none.
pub async fn remove(store: &Store, id: Uuid) -> Result<bool, StoreError> {
    if !store.delete_webhook_endpoint(id).await? {
        return Ok(false);
    }
    store
        .audit(AuditEvent::audit("webhook.delete").target("webhook", id.to_string()))
        .await;
    Ok(true)
}
