//! `POST /api/signals` and the signal read endpoints.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::AppState;
use super::answers::{SignalAccepted, SignalDetail, SignalPage, SignalSummary};
use super::auth::ApiKey;
use super::error::ApiError;
use super::extract::{Body, PathId, Query};
use super::openapi::Param;
use super::paging::{next_cursor, page_limit};
use crate::domain::signal::SignalKind;
use crate::signals::ingest::{Accepted, IngestError};
use crate::store::SignalListQuery;

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
    Body(body): Body,
) -> Result<Response, ApiError> {
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
    Ok((status, Json(SignalAccepted::queued(&stored))).into_response())
}

/// The query of `GET /api/signals`, documented: [`ListParams`].
pub(super) const LIST_QUERY: &[Param] = &[
    Param::new("asset", "string", "only this asset, e.g. BTC/USD"),
    Param::new("type", "string", "buy, sell, close or alert"),
    Param::new("since", "string", "RFC 3339 time, inclusive"),
    Param::new("until", "string", "RFC 3339 time, exclusive"),
    Param::new("cursor", "string", "the `next` value of the previous page"),
    Param::new("limit", "integer", "1 to 200, default 50"),
];

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
    Query(params): Query<ListParams>,
) -> Result<Json<SignalPage>, ApiError> {
    let limit = page_limit(params.limit, 50, 200)?;
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
    let next = next_cursor(&signals, limit, |s| {
        format!("{}_{}", s.accepted_at.timestamp_millis(), s.signal.id)
    });
    let signals = signals.iter().map(SignalSummary::from).collect();
    Ok(Json(SignalPage { signals, next }))
}

pub(super) fn parse_cursor(cursor: &str) -> Result<(DateTime<Utc>, Uuid), ApiError> {
    let bad = || ApiError::invalid("cursor", "not a cursor from a previous page");
    let (millis, id) = cursor.split_once('_').ok_or_else(bad)?;
    let at = millis
        .parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_millis)
        .ok_or_else(bad)?;
    Ok((at, Uuid::parse_str(id).map_err(|_| bad())?))
}

pub(super) async fn show(
    State(state): State<AppState>,
    _key: ApiKey,
    PathId(id): PathId,
) -> Result<Json<SignalDetail>, ApiError> {
    let stored = state.store.signal(id).await?.ok_or(ApiError::NotFound)?;
    let counts = state.store.delivery_counts(id).await?;
    Ok(Json(SignalDetail::new(&stored, &counts)))
}
