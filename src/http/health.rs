//! `GET /api/health`: is the database answering, can Telegram be reached. Reveals nothing else.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;

use super::AppState;

pub(super) async fn health(State(state): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    let database = tokio::time::timeout(std::time::Duration::from_secs(2), state.store.ping())
        .await
        .map(|result| result.is_ok())
        .unwrap_or(false);
    let telegram = state.telegram.reachable().await;
    let status = if database {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    (
        status,
        Json(json!({
            "status": if database && telegram { "ok" } else if database { "degraded" } else { "unavailable" },
            "database": word(database),
            "telegram": word(telegram),
        })),
    )
}
