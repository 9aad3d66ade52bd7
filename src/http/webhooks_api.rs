//! `POST /api/webhooks`, `GET /api/webhooks`, `DELETE /api/webhooks/{id}` (admin token, or a key
//! with scope `webhooks`): the receivers of outgoing webhooks. The signing secret is answered
//! once, at creation; it is stored sealed and never listed.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::ApiKey;
use super::error::ApiError;
use super::extract::{Json as JsonBody, JsonRequest, PathId};
use crate::store::{AuditEvent, WebhookEndpoint};
use crate::webhooks::{EVENT_TYPES, WebhookSecret, check_url};

/// At most this many endpoints: each event is sent to every subscribed one.
const MAX_ENDPOINTS: usize = 20;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewWebhook {
    url: String,
    events: Vec<String>,
    description: Option<String>,
}

impl JsonRequest for NewWebhook {}

/// `POST /api/webhooks`: the endpoint and, this once, its secret.
#[derive(Debug, Serialize)]
pub struct WebhookCreated {
    #[serde(flatten)]
    pub endpoint: WebhookEndpoint,
    pub secret: String,
}

/// `GET /api/webhooks`.
#[derive(Debug, Serialize)]
pub struct WebhookList {
    pub webhooks: Vec<WebhookEndpoint>,
}

pub(super) async fn create(
    State(state): State<AppState>,
    _caller: ApiKey,
    JsonBody(request): JsonBody<NewWebhook>,
) -> Result<Response, ApiError> {
    let url = check_url(&request.url).map_err(|problem| ApiError::invalid("url", problem))?;
    let mut events = request.events.clone();
    events.sort();
    events.dedup();
    if events.is_empty() {
        return Err(ApiError::invalid("events", "name at least one event"));
    }
    if let Some(unknown) = events.iter().find(|e| !EVENT_TYPES.contains(&e.as_str())) {
        return Err(ApiError::invalid(
            "events",
            format!(
                "unknown event {unknown:?}; known: {}",
                EVENT_TYPES.join(", ")
            ),
        ));
    }
    if request
        .description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 200)
    {
        return Err(ApiError::invalid("description", "at most 200 characters"));
    }
    if state.store.webhook_endpoints().await?.len() >= MAX_ENDPOINTS {
        return Err(ApiError::Conflict(format!(
            "at most {MAX_ENDPOINTS} endpoints; remove one first"
        )));
    }
    let secret = WebhookSecret::generate();
    let endpoint = state
        .store
        .create_webhook_endpoint(
            url.as_str(),
            &events,
            request.description.as_deref(),
            &secret,
            Utc::now(),
        )
        .await?;
    state
        .store
        .audit(
            AuditEvent::audit("webhook.create")
                .target("webhook", endpoint.id.to_string())
                .detail(format!("{} for {}", endpoint.url, events.join(","))),
        )
        .await;
    Ok((
        StatusCode::CREATED,
        Json(WebhookCreated { endpoint, secret }),
    )
        .into_response())
}

pub(super) async fn list(
    State(state): State<AppState>,
    _caller: ApiKey,
) -> Result<Json<WebhookList>, ApiError> {
    Ok(Json(WebhookList {
        webhooks: state.store.webhook_endpoints().await?,
    }))
}

pub(super) async fn delete(
    State(state): State<AppState>,
    _caller: ApiKey,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    if !state.store.delete_webhook_endpoint(id).await? {
        return Err(ApiError::NotFound);
    }
    state
        .store
        .audit(AuditEvent::audit("webhook.delete").target("webhook", id.to_string()))
        .await;
    Ok(StatusCode::NO_CONTENT)
}
