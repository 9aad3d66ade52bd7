//! The admin API over users: list and search, details, preferences (validated by the same checks
//! as the bot's `/filter`), tiers, deactivation and erasure. Every change is an audit event with
//! the admin, the user and the state before and after.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::AppState;
use super::answers::{Activity, PreferencesChanged, SubscriptionChanged, UserDetail, UserPage};
use super::auth::AdminCaller;
use super::error::ApiError;
use super::extract::{Json as JsonBody, JsonRequest, PathId, Query};
use super::openapi::Param;
use super::paging::{next_cursor, page_limit};
use crate::accounts::{self, AccountError, Actor, Grant, TierError};
use crate::domain::filter::PreferencesPatch;
use crate::domain::preferences::Tier;
use crate::store::{AuditEvent, UserListQuery};

/// The query of `GET /api/users`, documented: [`ListParams`].
pub(super) const LIST_QUERY: &[Param] = &[
    Param::new(
        "q",
        "string",
        "a Telegram id, or text in the username or names",
    ),
    Param::new("tier", "string", "free or premium"),
    Param::new(
        "active",
        "boolean",
        "only active (true) or inactive (false) users",
    ),
    Param::new("cursor", "string", "the `next` value of the previous page"),
    Param::new("limit", "integer", "1 to 200, default 50"),
];

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
    Query(params): Query<ListParams>,
) -> Result<Json<UserPage>, ApiError> {
    let limit = page_limit(params.limit, 50, 200)?;
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
    let next = next_cursor(&users, limit, |u| u.user.id.to_string());
    Ok(Json(UserPage { users, next }))
}

pub(super) async fn show(
    State(state): State<AppState>,
    _admin: AdminCaller,
    PathId(id): PathId,
) -> Result<Json<UserDetail>, ApiError> {
    let summary = state
        .store
        .user_summary(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(UserDetail {
        user: summary,
        preferences: state.store.preferences(id).await?,
        deliveries: state.store.user_delivery_counts(id).await?,
        referrals: state.store.referral_counts(id).await?,
    }))
}

pub(super) async fn update_preferences(
    State(state): State<AppState>,
    admin: AdminCaller,
    PathId(id): PathId,
    JsonBody(patch): JsonBody<PreferencesPatch>,
) -> Result<Json<PreferencesChanged>, ApiError> {
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
    Ok(Json(PreferencesChanged { preferences: after }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TierRequest {
    tier: String,
    expires_at: Option<DateTime<Utc>>,
}

impl JsonRequest for TierRequest {}

pub(super) async fn grant_tier(
    State(state): State<AppState>,
    admin: AdminCaller,
    PathId(id): PathId,
    JsonBody(request): JsonBody<TierRequest>,
) -> Result<Json<SubscriptionChanged>, ApiError> {
    let tier =
        Tier::parse(&request.tier).ok_or_else(|| ApiError::invalid("tier", "free or premium"))?;
    let grant = Grant::Set {
        tier,
        expires_at: request.expires_at,
    };
    let change = accounts::grant(&state.store, id, grant, actor(&admin), Utc::now()).await?;
    Ok(Json(SubscriptionChanged {
        subscription: change.after,
    }))
}

pub(super) async fn revoke_tier(
    State(state): State<AppState>,
    admin: AdminCaller,
    PathId(id): PathId,
) -> Result<Json<SubscriptionChanged>, ApiError> {
    let change = accounts::revoke(&state.store, id, actor(&admin)).await?;
    Ok(Json(SubscriptionChanged {
        subscription: change.after,
    }))
}

pub(super) async fn deactivate(
    state: State<AppState>,
    admin: AdminCaller,
    id: PathId,
) -> Result<Json<Activity>, ApiError> {
    set_active(state, admin, id, false).await
}

pub(super) async fn activate(
    state: State<AppState>,
    admin: AdminCaller,
    id: PathId,
) -> Result<Json<Activity>, ApiError> {
    set_active(state, admin, id, true).await
}

async fn set_active(
    State(state): State<AppState>,
    admin: AdminCaller,
    PathId(id): PathId,
    active: bool,
) -> Result<Json<Activity>, ApiError> {
    accounts::set_active(&state.store, id, active, actor(&admin)).await?;
    Ok(Json(Activity { is_active: active }))
}

pub(super) async fn erase(
    State(state): State<AppState>,
    admin: AdminCaller,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
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
