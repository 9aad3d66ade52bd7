//! The HTTP API: one router built from the route table (`routes.rs`), over one shared state.

pub mod admin_auth;
pub mod answers;
mod audit;
mod auth;
pub mod client_ip;
mod connections;
pub mod console;
pub mod error;
mod exports;
mod extract;
mod guard;
pub mod health;
pub mod listener;
pub mod mini_app;
pub mod openapi;
mod paging;
mod payments;
mod performance;
pub mod rate_limit;
mod refusals;
mod routes;
pub mod security;
mod signals;
pub mod tls;
mod users;
pub mod webhook;
pub mod webhooks_api;

pub use refusals::ROWS_PER_MINUTE;
pub use routes::{Access, Route, routes};

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::signals::ingest::Ingest;
use crate::store::Store;

/// Signals are small; anything bigger than this is a mistake or an attack.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub ingest: Ingest,
    pub telegram: crate::ops::health::TelegramProbe,
    pub security: Arc<security::Security>,
    pub lifecycle: health::Lifecycle,
    pub outcomes: crate::signals::outcomes::Outcomes,
    /// Stars payments: listing and refunds for admins, invoice links for the Mini App.
    pub billing: crate::billing::Billing,
}

/// The metrics listener's one route (`HERALD_METRICS_LISTEN`): Prometheus text at `/metrics`.
pub fn metrics_router() -> Router {
    Router::new().route("/metrics", axum::routing::get(crate::ops::metrics::render))
}

pub fn router(state: AppState) -> Router {
    router_with(Router::new(), state)
}

/// The route table's routes plus `extra` ones outside it: the Telegram webhook, whose path comes
/// from the configuration and whose caller proves itself with the webhook secret.
pub fn router_with(extra: Router<AppState>, state: AppState) -> Router {
    let request_id = axum::http::HeaderName::from_static("x-request-id");
    routes::build(&state)
        .merge(console::router(&state))
        .merge(extra)
        .layer(axum::middleware::from_fn(crate::ops::metrics::track_http))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let id = request
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("http", method = %request.method(), path = %request.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}
