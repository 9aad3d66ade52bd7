//! `GET /api/audit` (admin): the audit trail and the security log, newest first, filtered by
//! category (`audit` or `security`), action, actor, target and time; `next` pages back.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::AppState;
use super::answers::AuditPage;
use super::auth::AdminCaller;
use super::error::ApiError;
use super::extract::Query;
use super::openapi::Param;
use super::paging::{next_cursor, page_limit};
use crate::store::AuditQuery;

/// The query of `GET /api/audit`, documented: [`AuditParams`].
pub(super) const AUDIT_QUERY: &[Param] = &[
    Param::new("category", "string", "audit or security"),
    Param::new("action", "string", "e.g. user.settings, auth.login"),
    Param::new("actor", "string", "who acted"),
    Param::new("target", "string", "what was acted on"),
    Param::new("since", "string", "RFC 3339 time, inclusive"),
    Param::new("cursor", "integer", "the `next` value of the previous page"),
    Param::new("limit", "integer", "1 to 500, default 100"),
];

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
    Query(params): Query<AuditParams>,
) -> Result<Json<AuditPage>, ApiError> {
    let limit = page_limit(params.limit, 100, 500)?;
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
    let next = next_cursor(&rows, limit, |row| row.id);
    Ok(Json(AuditPage { events: rows, next }))
}
