//! Credentials for the API. Signal-engine keys come from `HERALD_API_KEYS`; comparison is in
//! constant time so response timing reveals nothing about a key.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use subtle::ConstantTimeEq;

use super::AppState;
use super::error::ApiError;
use crate::config::reveal;

/// Proof that the request carried a valid `X-API-Key`.
pub struct ApiKey;

impl FromRequestParts<AppState> for ApiKey {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(presented) = parts
            .headers
            .get("x-api-key")
            .and_then(|value| value.to_str().ok())
        else {
            crate::metrics::auth_failure("api_key");
            return Err(ApiError::Unauthorized);
        };
        // Check every key, not stopping at the first match, so timing does not tell which matched.
        let mut matched = subtle::Choice::from(0);
        for key in &state.config.api_keys {
            matched |= reveal(key).as_bytes().ct_eq(presented.as_bytes());
        }
        if bool::from(matched) {
            Ok(ApiKey)
        } else {
            crate::metrics::auth_failure("api_key");
            tracing::warn!(target: crate::telemetry::SECURITY, "request with a wrong API key");
            Err(ApiError::Unauthorized)
        }
    }
}
