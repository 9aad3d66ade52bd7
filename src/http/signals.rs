//! `POST /api/signals` and the signal read endpoints.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::AppState;
use super::auth::ApiKey;
use super::error::ApiError;
use crate::domain::signal::SignalKind;
use crate::signals::ingest::{Accepted, IngestError};
use crate::store::{DeliveryStatus, SignalListQuery, StoredSignal};

impl From<IngestError> for ApiError {
    fn from(err: IngestError) -> Self {
        match err {
            IngestError::Malformed(message) => Self::Malformed(message),
            IngestError::Invalid(fields) => Self::Invalid(fields),
            IngestError::IdTaken | IngestError::AlreadyClosed(_) => Self::Conflict(err.to_string()),
            IngestError::Store(err) => err.into(),
            IngestError::Encode(err) => Self::Internal(err.into()),
        }
    }
}

pub(super) async fn create(
    State(state): State<AppState>,
    _key: ApiKey,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge
        } else {
            ApiError::Malformed(rejection.body_text())
        }
    })?;
    let started = std::time::Instant::now();
    let accepted = state.ingest.accept(&body).await;
    crate::ops::metrics::ingest(
        match &accepted {
            Ok(Accepted::Created(_)) => "created",
            Ok(Accepted::Duplicate(_)) => "duplicate",
            Err(_) => "rejected",
        },
        started,
    );
    let (status, stored) = match accepted? {
        Accepted::Created(stored) => (StatusCode::ACCEPTED, stored),
        Accepted::Duplicate(stored) => (StatusCode::OK, stored),
    };
    let answer = json!({
        "id": stored.signal.id,
        "status": "queued",
        "recipients": stored.recipients,
    });
    Ok((status, Json(answer)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListParams {
    asset: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    /// The `next` cursor of the previous page.
    cursor: Option<String>,
    limit: Option<i64>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    _key: ApiKey,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(params) = params.map_err(|rejection| ApiError::Malformed(rejection.body_text()))?;
    let limit = params.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be from 1 to 200"));
    }
    let kind = params
        .kind
        .as_deref()
        .map(|text| {
            SignalKind::parse(text)
                .ok_or_else(|| ApiError::invalid("type", "must be buy, sell, close or alert"))
        })
        .transpose()?;
    let asset = params
        .asset
        .as_deref()
        .map(|text| {
            crate::domain::signal::Asset::parse(text).map_err(|msg| ApiError::invalid("asset", msg))
        })
        .transpose()?;
    let before = params.cursor.as_deref().map(parse_cursor).transpose()?;
    let signals = state
        .store
        .list_signals(&SignalListQuery {
            asset: asset.map(|a| a.as_str().to_owned()),
            kind,
            since: params.since,
            until: params.until,
            before,
            limit,
        })
        .await?;
    let next = (signals.len() as i64 == limit)
        .then(|| {
            signals
                .last()
                .map(|s| format!("{}_{}", s.accepted_at.timestamp_millis(), s.signal.id))
        })
        .flatten();
    let items: Vec<_> = signals.iter().map(summary).collect();
    Ok(Json(json!({ "signals": items, "next": next })))
}

fn parse_cursor(cursor: &str) -> Result<(DateTime<Utc>, Uuid), ApiError> {
    let bad = || ApiError::invalid("cursor", "not a cursor from a previous page");
    let (millis, id) = cursor.split_once('_').ok_or_else(bad)?;
    let at = millis
        .parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_millis)
        .ok_or_else(bad)?;
    Ok((at, Uuid::parse_str(id).map_err(|_| bad())?))
}

fn summary(stored: &StoredSignal) -> serde_json::Value {
    json!({
        "signal": stored.signal,
        "accepted_at": stored.accepted_at,
        "recipients": stored.recipients,
    })
}

pub(super) async fn show(
    State(state): State<AppState>,
    _key: ApiKey,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let stored = state.store.signal(id).await?.ok_or(ApiError::NotFound)?;
    let counts = state.store.delivery_counts(id).await?;
    let deliveries: serde_json::Map<String, serde_json::Value> = DeliveryStatus::ALL
        .into_iter()
        .map(|status| {
            (
                status.as_str().to_owned(),
                json!(counts.get(&status).copied().unwrap_or(0)),
            )
        })
        .collect();
    let mut body = summary(&stored);
    body["deliveries"] = serde_json::Value::Object(deliveries);
    Ok(Json(body))
}
