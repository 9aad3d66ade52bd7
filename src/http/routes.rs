//! Every route of the API and who may call it, in one table. The router is built from this table
//! and the authorization-matrix test reads it back (`http::routes()`), so a route cannot exist
//! without a declared access rule, and a new row without a test expectation fails that test.

use axum::Router;
use axum::http::Method;
use axum::middleware::from_fn_with_state;
use axum::routing::{MethodFilter, MethodRouter};

use super::guard::{GuardState, guard};
use super::{AppState, admin_auth, audit, health, openapi, performance, signals, users};
use crate::auth::Scope;

/// Who may call a route. Beyond the credential, every route but `Probe` ones obeys the per-IP
/// rate limit, and every one under `/api/` but `Probe` ones obeys `HERALD_ALLOWED_IPS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Health checks for load balancers: nothing is checked, nothing sensitive is answered.
    Probe,
    /// No credential (the login form itself checks one).
    Public,
    /// An API key with this scope.
    ApiKey(Scope),
    /// An API key with this scope, or an admin token.
    KeyOrAdmin(Scope),
    /// An admin token.
    Admin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

impl Route {
    /// `HERALD_ALLOWED_IPS` guards `/api/*` except health.
    pub fn ip_restricted(&self) -> bool {
        self.access != Access::Probe && self.path.starts_with("/api/")
    }
}

macro_rules! row {
    ($method:ident $path:literal, $access:expr, $handler:path) => {
        (
            Route {
                method: Method::$method,
                path: $path,
                access: $access,
            },
            axum::routing::on(MethodFilter::$method, $handler),
        )
    };
}

fn table() -> Vec<(Route, MethodRouter<AppState>)> {
    use Access::*;
    use Scope::*;
    vec![
        row!(GET "/api/health", Probe, health::health),
        row!(GET "/api/ready", Probe, health::ready),
        row!(GET "/api/openapi.json", Public, openapi::serve),
        row!(GET "/metrics", Probe, crate::ops::metrics::render),
        row!(POST "/api/signals", ApiKey(Signals), signals::create),
        row!(GET "/api/signals", KeyOrAdmin(Signals), signals::list),
        row!(GET "/api/signals/{id}", KeyOrAdmin(Signals), signals::show),
        row!(POST "/api/signals/{id}/outcome", ApiKey(Signals), performance::report_outcome),
        row!(POST "/api/prices", ApiKey(Signals), performance::prices),
        row!(GET "/api/performance", KeyOrAdmin(Stats), performance::performance),
        row!(GET "/api/stats", ApiKey(Stats), performance::stats),
        row!(POST "/api/auth/login", Public, admin_auth::login),
        row!(GET "/api/users", Admin, users::list),
        row!(GET "/api/users/{id}", Admin, users::show),
        row!(DELETE "/api/users/{id}", Admin, users::erase),
        row!(PUT "/api/users/{id}/preferences", Admin, users::update_preferences),
        row!(PUT "/api/users/{id}/tier", Admin, users::grant_tier),
        row!(DELETE "/api/users/{id}/tier", Admin, users::revoke_tier),
        row!(POST "/api/users/{id}/deactivate", Admin, users::deactivate),
        row!(POST "/api/users/{id}/activate", Admin, users::activate),
        row!(GET "/api/audit", Admin, audit::list),
    ]
}

/// The route table, without handlers.
pub fn routes() -> Vec<Route> {
    table().into_iter().map(|(route, _)| route).collect()
}

/// The routes, each behind the guard that enforces its row.
pub(super) fn build(state: &AppState) -> Router<AppState> {
    table()
        .into_iter()
        .fold(Router::new(), |router, (route, handler)| {
            let path = route.path;
            let guarded = handler.route_layer(from_fn_with_state(
                GuardState {
                    app: state.clone(),
                    route,
                },
                guard,
            ));
            router.route(path, guarded)
        })
}
