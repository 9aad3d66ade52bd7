//! The admin API over users: list and search, details, preferences (validated by the same checks
//! as the bot's `/filter`), tiers, deactivation and erasure. Every change is an audit event with
//! the admin, the user and the state before and after.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use uuid::Uuid;

use super::AppState;
use super::auth::AdminCaller;
use super::error::ApiError;
use crate::accounts::{self, AccountError, Actor, Grant, TierError, subscription_json};
use crate::domain::filter::PreferencesPatch;
use crate::domain::preferences::Tier;
use crate::store::{AuditEvent, UserListQuery, UserSummary};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListParams {
    /// A Telegram id, or text in the username or names.
    q: Option<String>,
    tier: Option<String>,
    active: Option<bool>,
    cursor: Option<String>,
    limit: Option<i64>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    _admin: AdminCaller,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(params) = params.map_err(|rejection| ApiError::Malformed(rejection.body_text()))?;
    let limit = params.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be from 1 to 200"));
    }
    if params.q.as_ref().is_some_and(|q| q.chars().count() > 64) {
        return Err(ApiError::invalid("q", "at most 64 characters"));
    }
    let tier = params
        .tier
        .as_deref()
        .map(|text| Tier::parse(text).ok_or_else(|| ApiError::invalid("tier", "free or premium")))
        .transpose()?;
    let after = params
        .cursor
        .as_deref()
        .map(|text| {
            Uuid::parse_str(text)
                .map_err(|_| ApiError::invalid("cursor", "not a cursor from a previous page"))
        })
        .transpose()?;
    let users = state
        .store
        .list_users(&UserListQuery {
            search: params.q.filter(|q| !q.trim().is_empty()),
            tier,
            active: params.active,
            after,
            limit,
        })
        .await?;
    let next = (users.len() as i64 == limit)
        .then(|| users.last().map(|u| u.user.id.to_string()))
        .flatten();
    let items: Vec<Value> = users.iter().map(user_json).collect();
    Ok(Json(json!({ "users": items, "next": next })))
}

pub(super) async fn show(
    State(state): State<AppState>,
    _admin: AdminCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let summary = state
        .store
        .user_summary(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut body = user_json(&summary);
    body["preferences"] = json!(state.store.preferences(id).await?);
    body["deliveries"] = json!(state.store.user_delivery_counts(id).await?);
    Ok(Json(body))
}

pub(super) async fn update_preferences(
    State(state): State<AppState>,
    admin: AdminCaller,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let patch: PreferencesPatch = parse_body(body)?;
    let changes = patch.validate().map_err(ApiError::Invalid)?;
    if changes.is_empty() {
        return Err(ApiError::invalid("body", "nothing to change"));
    }
    state
        .store
        .user_by_id(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let before = state.store.preferences(id).await?;
    let after = changes.apply(&before);
    state.store.save_preferences(id, &after, Utc::now()).await?;
    let event = AuditEvent::audit("admin.user.preferences")
        .by_admin(admin.id, &admin.name)
        .target("user", id.to_string())
        .change(json!(before), json!(after));
    state.store.audit(event).await;
    Ok(Json(json!({ "preferences": after })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TierRequest {
    tier: String,
    expires_at: Option<DateTime<Utc>>,
}

pub(super) async fn grant_tier(
    State(state): State<AppState>,
    admin: AdminCaller,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let request: TierRequest = parse_body(body)?;
    let tier =
        Tier::parse(&request.tier).ok_or_else(|| ApiError::invalid("tier", "free or premium"))?;
    let grant = Grant::Set {
        tier,
        expires_at: request.expires_at,
    };
    let change = accounts::grant(&state.store, id, grant, actor(&admin), Utc::now()).await?;
    Ok(Json(
        json!({ "subscription": subscription_json(&change.after) }),
    ))
}

pub(super) async fn revoke_tier(
    State(state): State<AppState>,
    admin: AdminCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let change = accounts::revoke(&state.store, id, actor(&admin)).await?;
    Ok(Json(
        json!({ "subscription": subscription_json(&change.after) }),
    ))
}

pub(super) async fn deactivate(
    state: State<AppState>,
    admin: AdminCaller,
    id: Path<String>,
) -> Result<Json<Value>, ApiError> {
    set_active(state, admin, id, false).await
}

pub(super) async fn activate(
    state: State<AppState>,
    admin: AdminCaller,
    id: Path<String>,
) -> Result<Json<Value>, ApiError> {
    set_active(state, admin, id, true).await
}

async fn set_active(
    State(state): State<AppState>,
    admin: AdminCaller,
    Path(id): Path<String>,
    active: bool,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    accounts::set_active(&state.store, id, active, actor(&admin)).await?;
    Ok(Json(json!({ "is_active": active })))
}

pub(super) async fn erase(
    State(state): State<AppState>,
    admin: AdminCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    accounts::erase(&state.store, id, actor(&admin)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn actor(admin: &AdminCaller) -> Actor<'_> {
    Actor::ApiAdmin {
        id: admin.id,
        name: &admin.name,
    }
}

impl From<AccountError> for ApiError {
    fn from(err: AccountError) -> Self {
        match err {
            AccountError::UnknownUser => Self::NotFound,
            AccountError::Store(err) => err.into(),
        }
    }
}

impl From<TierError> for ApiError {
    fn from(err: TierError) -> Self {
        match err {
            TierError::EndsInPast => Self::invalid("expires_at", "must be in the future"),
            TierError::Account(err) => err.into(),
        }
    }
}

fn parse_id(text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).map_err(|_| ApiError::NotFound)
}

/// JSON syntax errors are 400; well-formed JSON of the wrong shape is 422.
fn parse_body<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge
        } else {
            ApiError::Malformed(rejection.body_text())
        }
    })?;
    serde_json::from_slice(&body).map_err(|err| match err.classify() {
        serde_json::error::Category::Data => ApiError::invalid("body", err.to_string()),
        _ => ApiError::Malformed(format!("not JSON: {err}")),
    })
}

fn user_json(summary: &UserSummary) -> Value {
    let user = &summary.user;
    json!({
        "id": user.id,
        "telegram_id": user.telegram_id,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "language_code": user.language_code,
        "created_at": user.created_at,
        "is_active": user.is_active,
        "is_admin": user.is_admin,
        "disclaimer_accepted_at": user.disclaimer_accepted_at,
        "subscription": subscription_json(&summary.subscription),
    })
}
