//! `POST /api/webhooks`, `GET /api/webhooks`, `DELETE /api/webhooks/{id}` (admin token, or a key
//! with scope `webhooks`): the receivers of outgoing webhooks. The signing secret is answered
//! once, at creation; it is stored sealed and never listed.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::ApiKey;
use super::error::ApiError;
use super::extract::{Json as JsonBody, JsonRequest, PathId};
use crate::store::WebhookEndpoint;
use crate::webhooks::registry::{self, RegisterError};

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
    let (endpoint, secret) = registry::register(
        &state.store,
        &request.url,
        &request.events,
        request.description.as_deref(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(WebhookCreated { endpoint, secret }),
    )
        .into_response())
}

impl From<RegisterError> for ApiError {
    fn from(err: RegisterError) -> Self {
        match err {
            RegisterError::Invalid(field, problem) => Self::invalid(field, problem),
            RegisterError::Full => Self::Conflict(err.to_string()),
            RegisterError::Store(err) => err.into(),
        }
    }
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
    if !registry::remove(&state.store, id).await? {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}
