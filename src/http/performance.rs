//! Outcomes and prices from the engine, and the figures operators read:
//! `POST /api/signals/{id}/outcome`, `POST /api/prices`, `GET /api/performance`, `GET /api/stats`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::AppState;
use super::answers::{
    DeliveryFigures, OutcomeAnswer, PerformanceReport, SignalFigures, StatsReport,
};
use super::auth::ApiKey;
use super::error::ApiError;
use super::extract::{Body, PathId, Query};
use super::openapi::Param;
use crate::domain::performance::{Period, equity_curve, summarize, window_start};
use crate::domain::signal::Asset;
use crate::signals::closing::CloseError;
use crate::signals::outcomes::{OutcomeError, PricesAnswer};
use crate::store::TradeQuery;

impl From<OutcomeError> for ApiError {
    fn from(err: OutcomeError) -> Self {
        match err {
            OutcomeError::Malformed(message) => Self::Malformed(message),
            OutcomeError::Invalid(fields) => Self::Invalid(fields),
            OutcomeError::UnknownSignal => Self::NotFound,
            OutcomeError::AlreadyClosed(closed) => Self::Conflict(closed.to_string()),
            OutcomeError::Close(CloseError::Store(err)) => err.into(),
            OutcomeError::Close(CloseError::Encode(err)) => Self::Internal(err.into()),
        }
    }
}

/// 201 with the outcome when it closed the signal; 200 for a repeat of the same report.
pub(super) async fn report_outcome(
    State(state): State<AppState>,
    _key: ApiKey,
    PathId(id): PathId,
    Body(body): Body,
) -> Result<Response, ApiError> {
    let (created, outcome) = state.outcomes.report(id, &body).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(OutcomeAnswer { outcome })).into_response())
}

pub(super) async fn prices(
    State(state): State<AppState>,
    _key: ApiKey,
    Body(body): Body,
) -> Result<Json<PricesAnswer>, ApiError> {
    let answer = state.outcomes.apply_prices(&body).await?;
    Ok(Json(answer))
}

/// The query of `GET /api/performance`, documented: [`PerformanceParams`].
pub(super) const PERFORMANCE_QUERY: &[Param] = &[
    Param::new("period", "string", "today, 7d, 30d or all (default 7d)"),
    Param::new("asset", "string", "only this asset, e.g. BTC/USD"),
    Param::new(
        "tz",
        "string",
        "IANA zone whose midnight starts \"today\" (default UTC)",
    ),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PerformanceParams {
    period: Option<String>,
    asset: Option<String>,
    /// IANA zone whose midnight starts "today" (UTC by default).
    tz: Option<String>,
}

/// The same figures `/performance` shows, with every breakdown and the equity curve.
pub(super) async fn performance(
    State(state): State<AppState>,
    _key: ApiKey,
    Query(params): Query<PerformanceParams>,
) -> Result<Json<PerformanceReport>, ApiError> {
    let period = match params.period.as_deref() {
        None => Period::Days7,
        Some(text) => Period::parse(text)
            .ok_or_else(|| ApiError::invalid("period", "must be today, 7d, 30d or all"))?,
    };
    let asset = params
        .asset
        .as_deref()
        .map(|text| Asset::parse(text).map_err(|message| ApiError::invalid("asset", message)))
        .transpose()?;
    let tz: Tz = match params.tz.as_deref() {
        None => Tz::UTC,
        Some(text) => text.parse().map_err(|_| {
            ApiError::invalid("tz", "must be an IANA time zone such as Europe/Berlin")
        })?,
    };
    let now = Utc::now();
    let since = window_start(period, now, tz);
    let trades = state
        .store
        .closed_trades(&TradeQuery {
            since,
            asset: asset.as_ref().map(|a| a.as_str().to_owned()),
            ..TradeQuery::default()
        })
        .await?;
    Ok(Json(PerformanceReport {
        period,
        asset,
        tz: tz.name(),
        from: since,
        until: now,
        summary: summarize(&trades),
        equity_curve: equity_curve(&trades),
    }))
}

/// Delivery and performance figures for operators (performance at most 30 s old).
pub(super) async fn stats(
    State(state): State<AppState>,
    _key: ApiKey,
) -> Result<Json<StatsReport>, ApiError> {
    let store = &state.store;
    let now = Utc::now();
    let day_ago = now - Duration::hours(24);
    let performance = state.outcomes.stats_performance().await?;
    let reports = store.reports_by_status().await?.into_iter().collect();
    let flow = store.signal_flow().await?;
    Ok(Json(StatsReport {
        generated_at: now,
        deliveries: DeliveryFigures {
            all: store.delivery_stats(None).await?,
            last_24h: store.delivery_stats(Some(day_ago)).await?,
            queue_depth: flow.queue_depth,
        },
        users: store.user_stats().await?,
        signals: SignalFigures {
            all: store.signal_counts(None).await?,
            last_24h: store.signal_counts(Some(day_ago)).await?,
            open: store.count_open_signals().await?,
            last_accepted_at: flow.last_signal_at,
        },
        reports,
        performance,
    }))
}
