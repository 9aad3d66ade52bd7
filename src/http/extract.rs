//! Extractors whose rejections are [`ApiError`], so a body, query or id the API cannot read is
//! answered in one place and with the one error body: 413 past the body limit, 415 for an engine's
//! body not labelled JSON, 400 for what is not JSON (or not a query), 422 for JSON of the wrong
//! shape, 404 for an id that is not a UUID.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::error::ApiError;
use crate::domain::filter::PreferencesPatch;

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Self::TooLarge
        } else {
            Self::Malformed(rejection.body_text())
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::Malformed(rejection.body_text())
    }
}

/// The raw body of an engine's request (signals, outcomes, prices: their parsers name each broken
/// field). It must say it is JSON (`Content-Type: application/json`, parameters allowed): a body
/// labelled as anything else is refused with 415 rather than guessed at.
pub struct Body(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let labelled_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
        if !labelled_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        Ok(Self(raw_body(request, state).await?))
    }
}

async fn raw_body<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    Ok(Bytes::from_request(request, state).await?)
}

/// A JSON body read as `T`. No `Content-Type` is required: the engine's clients never had to send
/// one.
pub struct Json<T>(pub T);

/// A type a request body is read as, and how a body that is not one is answered.
pub trait JsonRequest: DeserializeOwned {
    /// JSON syntax errors are 400; well-formed JSON of the wrong shape is 422 on `body`.
    fn unreadable(err: serde_json::Error) -> ApiError {
        match err.classify() {
            serde_json::error::Category::Data => ApiError::invalid("body", err.to_string()),
            _ => ApiError::Malformed(format!("not JSON: {err}")),
        }
    }
}

impl JsonRequest for PreferencesPatch {}

impl<T: JsonRequest, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = raw_body(request, state).await?;
        serde_json::from_slice(&bytes)
            .map(Self)
            .map_err(T::unreadable)
    }
}

/// The query string read as `T`.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Query(query) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(Self(query))
    }
}

/// The `{id}` of the path as a UUID. Anything else names no resource: 404, like an unknown id.
pub struct PathId(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(text) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|rejection: PathRejection| ApiError::Malformed(rejection.body_text()))?;
        Uuid::parse_str(&text)
            .map(Self)
            .map_err(|_| ApiError::NotFound)
    }
}
