//! `GET /api/health` (liveness) and `GET /api/ready` (readiness). Neither needs credentials and
//! neither reveals more than up/down words.
//!
//! Liveness answers 200 while the process serves, even with the database down: restarting pods
//! cannot fix a database outage, and would only add a thundering herd when it ends. Readiness
//! answers 503 unless the database answers, Telegram answers getMe and every migration is applied,
//! and from the moment shutdown begins, so load balancers stop sending traffic before intake stops.
//! Every check has a short timeout: a dead database gives a quick 503, not a hung probe, and
//! readiness comes back by itself when the database does (the pool reconnects).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use metrics::gauge;

use super::AppState;
use super::answers::{Health, Ready};

/// A database that cannot answer `SELECT 1` this fast is not fit to serve.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(1);

/// Whether this replica is shutting down (readiness fails from then on).
#[derive(Clone, Default)]
pub struct Lifecycle {
    draining: Arc<AtomicBool>,
}

impl Lifecycle {
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }
}

async fn database_ok(state: &AppState) -> bool {
    let ok = matches!(
        tokio::time::timeout(DATABASE_TIMEOUT, state.store.ping()).await,
        Ok(Ok(()))
    );
    gauge!("herald_database_up").set(if ok { 1.0 } else { 0.0 });
    ok
}

async fn telegram_ok(state: &AppState) -> bool {
    let ok = state.telegram.reachable().await;
    gauge!("herald_telegram_up").set(if ok { 1.0 } else { 0.0 });
    ok
}

fn word(ok: bool) -> &'static str {
    if ok { "ok" } else { "unavailable" }
}

pub(super) async fn health(State(state): State<AppState>) -> Json<Health> {
    let (database, telegram) = tokio::join!(database_ok(&state), telegram_ok(&state));
    Json(Health {
        status: if database && telegram {
            "ok"
        } else {
            "degraded"
        },
        database: word(database),
        telegram: word(telegram),
    })
}

pub(super) async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Ready>) {
    let draining = state.lifecycle.is_draining();
    let (database, telegram) = tokio::join!(database_ok(&state), telegram_ok(&state));
    let migrations = database
        && matches!(
            tokio::time::timeout(DATABASE_TIMEOUT, state.store.migrations_current()).await,
            Ok(Ok(true))
        );
    let ready = !draining && database && telegram && migrations;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(Ready {
            status: if draining {
                "draining"
            } else if ready {
                "ready"
            } else {
                "unavailable"
            },
            database: word(database),
            telegram: word(telegram),
            migrations: if migrations {
                "current"
            } else if database {
                "pending"
            } else {
                "unknown"
            },
        }),
    )
}
