//! Per-request HTTP metrics and performance log lines, labelled by route template (`/api/signals/{id}`),
//! never by the concrete path, so ids cannot multiply the series.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics::{counter, gauge, histogram};

use crate::ops::telemetry::PERFORMANCE;

/// Probes and scrapes come every few seconds; logging each would drown everything else.
const QUIET_ROUTES: &[&str] = &["/api/health", "/api/ready", "/metrics"];

pub async fn track_http(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    let elapsed = started.elapsed();
    counter!("herald_http_requests_total", "route" => route.clone(), "method" => method.clone(), "status" => status.as_u16().to_string())
        .increment(1);
    histogram!("herald_http_request_duration_seconds", "route" => route.clone(), "method" => method.clone())
        .record(elapsed.as_secs_f64());
    if status.is_server_error() && status != axum::http::StatusCode::SERVICE_UNAVAILABLE {
        super::error(super::ErrorKind::Http);
    }
    if !QUIET_ROUTES.contains(&route.as_str()) {
        tracing::info!(target: PERFORMANCE, %method, %route, status = status.as_u16(), latency_ms = elapsed.as_millis() as u64, "request served");
    }
    response
}

pub fn connection_opened() {
    gauge!("herald_http_connections").increment(1.0);
}

pub fn connection_closed() {
    gauge!("herald_http_connections").decrement(1.0);
}

/// A connection closed as soon as it was accepted, over a cap (`listener_full`, `address_full`).
pub fn connection_refused(reason: &'static str) {
    counter!("herald_http_connections_refused_total", "reason" => reason).increment(1);
}
