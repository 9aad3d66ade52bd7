//! Credentials for the API: API keys (`X-API-Key`: from `HERALD_API_KEYS`, or made with
//! `herald apikey create` and stored hashed, with scopes) and admin tokens
//! (`Authorization: Bearer`, see `auth::jwt`). The route's guard authenticates; handlers take
//! the result through the extractors here. Keys are compared in constant time, so response
//! timing reveals nothing about a key.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::AppState;
use super::error::ApiError;
use super::routes::Access;
use crate::auth::init_data::{self, InitDataError};
use crate::auth::jwt::JwtError;
use crate::auth::{Principal, Scope, api_keys};
use crate::config::reveal;
use crate::ops::metrics::AuthFailure;

/// Proof that the route's guard authenticated the caller (an API key, or an admin token where the
/// route allows one). A route outside the route table has no guard, so this refuses it.
pub struct ApiKey;

impl FromRequestParts<AppState> for ApiKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Principal>() {
            Some(Principal::ApiKey { .. } | Principal::Admin { .. }) => Ok(ApiKey),
            _ => Err(ApiError::Unauthorized),
        }
    }
}

/// The admin behind the request's token.
pub struct AdminCaller {
    pub id: Uuid,
    pub name: String,
}

impl FromRequestParts<AppState> for AdminCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Principal>() {
            Some(Principal::Admin { id, name }) => Ok(AdminCaller {
                id: *id,
                name: name.clone(),
            }),
            Some(Principal::ApiKey { .. }) => Err(ApiError::Forbidden),
            Some(Principal::MiniAppUser { .. }) | None => Err(ApiError::Unauthorized),
        }
    }
}

/// Why a request was refused; each becomes a security event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Denial {
    NoCredential,
    UnknownKey,
    RevokedKey(String),
    Token(JwtError),
    AdminApiDisabled,
    MissingScope(Scope),
    /// A valid API key on a route for admins.
    NotAnAdmin,
    /// The stored keys could not be read: not the caller's fault, and worth a retry.
    Unavailable(String),
    /// Mini App launch data that is missing, stale or not signed for this bot.
    InitData(Option<InitDataError>),
}

impl Denial {
    pub(super) fn action(&self) -> &'static str {
        match self {
            Self::NoCredential | Self::UnknownKey | Self::RevokedKey(_) => "auth.api_key",
            Self::Token(_) | Self::AdminApiDisabled => "auth.token",
            Self::MissingScope(_) | Self::NotAnAdmin => "auth.scope",
            Self::Unavailable(_) => "auth.unavailable",
            Self::InitData(_) => "auth.init_data",
        }
    }

    pub(super) fn detail(&self) -> String {
        match self {
            Self::NoCredential => "no credential".into(),
            Self::UnknownKey => "unknown or wrong API key".into(),
            Self::RevokedKey(id) => format!("revoked API key {id}"),
            Self::Token(err) => err.to_string(),
            Self::AdminApiDisabled => {
                "admin token presented but HERALD_JWT_SECRET is not set".into()
            }
            Self::MissingScope(scope) => format!("API key lacks the {} scope", scope.as_str()),
            Self::NotAnAdmin => "API key on a route for admins".into(),
            Self::Unavailable(err) => format!("cannot read API keys: {err}"),
            Self::InitData(None) => "no `Authorization: tma` launch data".into(),
            Self::InitData(Some(err)) => format!("launch data refused: {err}"),
        }
    }

    pub(super) fn into_error(self) -> ApiError {
        match self {
            Self::Token(JwtError::NotAdmin) | Self::MissingScope(_) | Self::NotAnAdmin => {
                ApiError::Forbidden
            }
            Self::Unavailable(err) => ApiError::DatabaseUnavailable(err),
            _ => ApiError::Unauthorized,
        }
    }

    /// How monitoring counts it: a wrong credential, or a request that had none or lacked a
    /// role; `None` when the credential could not be checked at all.
    pub(super) fn failure(&self) -> Option<AuthFailure> {
        Some(match self {
            Self::NoCredential | Self::InitData(None) => AuthFailure::Missing,
            Self::InitData(Some(_)) => AuthFailure::InitData,
            Self::UnknownKey | Self::RevokedKey(_) => AuthFailure::ApiKey,
            Self::Token(JwtError::NotAdmin) | Self::MissingScope(_) | Self::NotAnAdmin => {
                AuthFailure::Forbidden
            }
            Self::Token(_) | Self::AdminApiDisabled => AuthFailure::Token,
            Self::Unavailable(_) => return None,
        })
    }
}

/// Authenticates the request as `access` requires; `Ok(None)` for routes without a credential.
pub(super) async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    access: Access,
) -> Result<Option<Principal>, Denial> {
    let key = headers.get("x-api-key").map(|v| v.to_str().unwrap_or(""));
    let bearer = headers
        .get(axum::http::header::AUTHORIZATION)
        .map(|value| value.to_str().unwrap_or(""))
        .map(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
                .unwrap_or("")
                .trim()
        });
    let principal = match (access, key, bearer) {
        (Access::Probe | Access::Public, _, _) => return Ok(None),
        (Access::MiniApp, _, _) => mini_app_user(state, headers)?,
        (Access::ApiKey(scope) | Access::KeyOrAdmin(scope), Some(key), _) => {
            let principal = api_key(state, key).await?;
            if let Principal::ApiKey { scopes, .. } = &principal
                && !scopes.contains(&scope)
            {
                return Err(Denial::MissingScope(scope));
            }
            principal
        }
        (Access::KeyOrAdmin(_) | Access::Admin, _, Some(token)) => {
            admin_token(state, token).await?
        }
        // A good key is still not an admin's credential: 403, where a bad one is 401.
        (Access::Admin, Some(key), None) => {
            api_key(state, key).await?;
            return Err(Denial::NotAnAdmin);
        }
        _ => return Err(Denial::NoCredential),
    };
    Ok(Some(principal))
}

/// `Authorization: tma <initData>`, validated with the bot token.
fn mini_app_user(state: &AppState, headers: &HeaderMap) -> Result<Principal, Denial> {
    let init_data = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("tma "))
        .map(str::trim)
        .filter(|data| !data.is_empty())
        .ok_or(Denial::InitData(None))?;
    let token = state
        .config
        .telegram_token
        .as_ref()
        .ok_or(Denial::InitData(None))?;
    let user = init_data::validate(init_data, reveal(token), chrono::Utc::now())
        .map_err(|err| Denial::InitData(Some(err)))?;
    Ok(Principal::MiniAppUser {
        telegram_id: user.id,
    })
}

async fn api_key(state: &AppState, presented: &str) -> Result<Principal, Denial> {
    // Every configured key is compared, not stopping at a match, so timing tells nothing.
    let mut matched = None;
    for (index, key) in state.config.api_keys.iter().enumerate() {
        if bool::from(reveal(key).as_bytes().ct_eq(presented.as_bytes())) {
            matched = Some(index);
        }
    }
    if let Some(index) = matched {
        return Ok(Principal::ApiKey {
            id: None,
            name: format!("HERALD_API_KEYS[{index}]"),
            scopes: Scope::ALL.to_vec(),
        });
    }
    let Some(id) = api_keys::key_id(presented) else {
        return Err(Denial::UnknownKey);
    };
    let stored = match state.store.api_key(id).await {
        Ok(Some(stored)) => stored,
        Ok(None) => return Err(Denial::UnknownKey),
        Err(err) if err.is_unavailable() => return Err(Denial::Unavailable(err.to_string())),
        Err(err) => {
            tracing::error!(error = %err, "cannot read API keys; refusing the request");
            return Err(Denial::UnknownKey);
        }
    };
    if !api_keys::matches(&stored.key_hash, presented) {
        return Err(Denial::UnknownKey);
    }
    if stored.revoked_at.is_some() {
        return Err(Denial::RevokedKey(stored.id));
    }
    state.security.note_key_used(&state.store, &stored.id);
    Ok(Principal::ApiKey {
        id: Some(stored.id),
        name: stored.name,
        scopes: stored
            .scopes
            .iter()
            .filter_map(|name| Scope::parse(name))
            .collect(),
    })
}

/// A signed, unexpired admin token whose admin still exists, is enabled, and has not ended its
/// sessions since the token was issued.
async fn admin_token(state: &AppState, token: &str) -> Result<Principal, Denial> {
    let keys = state
        .security
        .jwt
        .as_ref()
        .ok_or(Denial::AdminApiDisabled)?;
    let (id, claims) = keys.verify(token).map_err(Denial::Token)?;
    let admin = match state.store.admin_by_id(id).await {
        Ok(admin) => admin,
        Err(err) if err.is_unavailable() => return Err(Denial::Unavailable(err.to_string())),
        Err(err) => {
            tracing::error!(error = %err, "cannot read the admin of a token; refusing it");
            None
        }
    };
    match admin {
        Some(admin)
            if admin.disabled_at.is_none() && admin.token_generation == claims.generation =>
        {
            Ok(Principal::Admin {
                id,
                name: admin.name,
            })
        }
        _ => Err(Denial::Token(JwtError::Revoked)),
    }
}
