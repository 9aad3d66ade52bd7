//! The operator console at `/console` (PRODUCT.md §13): server-rendered pages for admins, in
//! English and Spanish, over the same use cases as the API (one grant path, one erasure, one
//! login check). Pages are maud templates compiled into the binary; the stylesheet and the one
//! small script (live delivery progress, dashboard refresh) are served from the binary too, and
//! every essential works without the script.
//!
//! Two layers guard it: `session::front` on every route (the API's IP allow-list and per-IP
//! limit, security headers) and `session::require` on every route but the login form and the
//! assets (a live session; the CSRF token on anything that changes state).

mod assets;
mod audit;
mod dashboard;
mod exports;
mod keys;
mod login;
mod page;
mod payments;
mod performance;
mod session;
mod signals;
mod users;
mod webhooks;

pub use session::{IDLE_TIMEOUT, SESSION_COOKIE};

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

use super::AppState;

pub fn router(state: &AppState) -> Router<AppState> {
    let pages = Router::new()
        .route("/console", get(dashboard::show))
        .route("/console/dashboard/live", get(dashboard::live))
        .route("/console/logout", post(login::logout))
        .route("/console/signals", get(signals::list))
        .route("/console/signals/{id}", get(signals::show))
        .route("/console/signals/{id}/progress", get(signals::progress))
        .route("/console/users", get(users::list))
        .route("/console/users/{id}", get(users::show))
        .route("/console/users/{id}/tier", post(users::grant))
        .route("/console/users/{id}/tier/revoke", post(users::revoke))
        .route("/console/users/{id}/active", post(users::set_active))
        .route(
            "/console/users/{id}/erase",
            get(users::confirm_erase).post(users::erase),
        )
        .route("/console/performance", get(performance::show))
        .route(
            "/console/performance/equity.png",
            get(performance::equity_png),
        )
        .route("/console/payments", get(payments::list))
        .route(
            "/console/payments/{charge_id}/refund",
            post(payments::refund),
        )
        .route("/console/keys", get(keys::list).post(keys::create))
        .route("/console/keys/{id}/revoke", post(keys::revoke))
        .route(
            "/console/webhooks",
            get(webhooks::list).post(webhooks::create),
        )
        .route("/console/webhooks/{id}/delete", post(webhooks::delete))
        .route("/console/audit", get(audit::list))
        .route("/console/export/{file}", get(exports::download))
        .route_layer(from_fn_with_state(state.clone(), session::require));
    Router::new()
        .route("/console/login", get(login::form).post(login::submit))
        .route("/console/lang", get(login::switch_language))
        .route("/console/assets/{file}", get(assets::serve))
        .merge(pages)
        .route_layer(from_fn_with_state(state.clone(), session::front))
}
