//! `GET /api/audit` (admin): the audit trail and the security log, newest first, filtered by
//! category (`audit` or `security`), action, actor, target and time; `next` pages back.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::auth::AdminCaller;
use super::error::ApiError;
use crate::store::AuditQuery;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AuditParams {
    category: Option<String>,
    action: Option<String>,
    actor: Option<String>,
    target: Option<String>,
    since: Option<DateTime<Utc>>,
    cursor: Option<i64>,
    limit: Option<i64>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    _admin: AdminCaller,
    params: Result<Query<AuditParams>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(params) = params.map_err(|rejection| ApiError::Malformed(rejection.body_text()))?;
    let limit = params.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be from 1 to 500"));
    }
    if let Some(category) = &params.category
        && !matches!(category.as_str(), "audit" | "security")
    {
        return Err(ApiError::invalid("category", "audit or security"));
    }
    if params.cursor.is_some_and(|cursor| cursor < 1) {
        return Err(ApiError::invalid(
            "cursor",
            "not a cursor from a previous page",
        ));
    }
    for (name, value) in [
        ("action", &params.action),
        ("actor", &params.actor),
        ("target", &params.target),
    ] {
        if value.as_ref().is_some_and(|v| v.chars().count() > 100) {
            return Err(ApiError::invalid(name, "at most 100 characters"));
        }
    }
    let rows = state
        .store
        .list_audit(&AuditQuery {
            category: params.category,
            action: params.action,
            actor_id: params.actor,
            target_id: params.target,
            since: params.since,
            before_id: params.cursor,
            limit,
        })
        .await?;
    let next = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|row| row.id))
        .flatten();
    Ok(Json(json!({ "events": rows, "next": next })))
}
