//! Every route of the API, who may call it and what the OpenAPI document says of it, in one
//! table. The router, the guard and the document are built from this table and the
//! authorization-matrix test reads it back (`http::routes()`), so a route cannot exist without a
//! declared access rule and a description, and a new row without a test expectation fails that
//! test.

use axum::Router;
use axum::http::Method;
use axum::middleware::from_fn_with_state;
use axum::routing::{MethodFilter, MethodRouter};

use super::answers::{
    Activity, AuditPage, Health, OutcomeAnswer, PaymentPage, PerformanceReport, PreferencesChanged,
    Ready, Schema, SignalAccepted, SignalDetail, SignalPage, StatsReport, SubscriptionChanged,
    Token, UserDetail, UserPage,
};
use super::guard::{GuardState, guard};
use super::mini_app::{InvoiceLink, MiniAppMe};
use super::openapi::{Answer, Body, Doc, answer, error, json};
use super::webhooks_api::{WebhookCreated, WebhookList};
use super::{
    AppState, admin_auth, audit, exports, health, mini_app, openapi, payments, performance,
    signals, users, webhooks_api,
};
use crate::auth::Scope;
use crate::signals::outcomes::PricesAnswer;
use crate::store::Payment;

/// Who may call a route. Beyond the credential, every route but `Probe` ones obeys the per-IP
/// rate limit, and every one under `/api/` but `Probe` ones obeys `HERALD_ALLOWED_IPS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Liveness checks for load balancers: nothing is checked, nothing sensitive is answered.
    Probe,
    /// No credential (the login form itself checks one).
    Public,
    /// An API key with this scope.
    ApiKey(Scope),
    /// An API key with this scope, or an admin token.
    KeyOrAdmin(Scope),
    /// An admin token.
    Admin,
    /// Mini App launch data (`Authorization: tma <initData>`) signed for this bot.
    MiniApp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub doc: Doc,
}

impl Route {
    /// `HERALD_ALLOWED_IPS` guards `/api/*` except health.
    pub fn ip_restricted(&self) -> bool {
        self.access != Access::Probe && self.path.starts_with("/api/")
    }
}

macro_rules! row {
    ($method:ident $path:literal, $access:expr, $handler:path, $doc:expr, [$($answer:expr),+]) => {{
        const ANSWERS: &[Answer] = &[$($answer),+];
        (
            Route {
                method: Method::$method,
                path: $path,
                access: $access,
                doc: $doc.answers(ANSWERS),
            },
            axum::routing::on(MethodFilter::$method, $handler),
        )
    }};
}

fn table() -> Vec<(Route, MethodRouter<AppState>)> {
    use Access::*;
    use Scope::*;
    vec![
        row!(GET "/api/health", Probe, health::health,
            Doc::new("operations", "Liveness: 200 while the process serves"),
            [json(200, Health::NAME)]),
        // Readiness tells the state of the database and Telegram: allow-listed, unlike liveness.
        row!(GET "/api/ready", Public, health::ready,
            Doc::new("operations", "Readiness: database, Telegram and migrations"),
            [json(200, Ready::NAME), json(503, Ready::NAME)]),
        row!(GET "/api/openapi.json", Public, openapi::serve,
            Doc::new("operations", "This document"),
            [answer(200, Body::AnyJson)]),
        row!(POST "/api/signals", ApiKey(Signals), signals::create,
            Doc::new("signals", "Submit a signal (idempotent on `id`; 200 for a repeat)")
                .request("SignalRequest"),
            [json(202, SignalAccepted::NAME), json(200, SignalAccepted::NAME), error(409)]),
        row!(GET "/api/signals", KeyOrAdmin(Signals), signals::list,
            Doc::new("signals", "List signals, newest first")
                .query(signals::LIST_QUERY),
            [json(200, SignalPage::NAME)]),
        row!(GET "/api/signals/{id}", KeyOrAdmin(Signals), signals::show,
            Doc::new("signals", "One signal with its delivery counts"),
            [json(200, SignalDetail::NAME)]),
        row!(POST "/api/signals/{id}/outcome", ApiKey(Signals), performance::report_outcome,
            Doc::new("performance", "Close a buy or sell at an exit price (200 for an identical retry)")
                .request("OutcomeRequest"),
            [json(201, OutcomeAnswer::NAME), json(200, OutcomeAnswer::NAME), error(409)]),
        row!(POST "/api/prices", ApiKey(Signals), performance::prices,
            Doc::new("performance", "Price updates (one or a batch); open signals whose target or stop is crossed close")
                .request("PriceUpdates"),
            [json(200, PricesAnswer::NAME)]),
        row!(GET "/api/performance", KeyOrAdmin(Stats), performance::performance,
            Doc::new("performance", "Statistics with every breakdown and the equity curve")
                .query(performance::PERFORMANCE_QUERY),
            [json(200, PerformanceReport::NAME)]),
        row!(GET "/api/export/signals.csv", KeyOrAdmin(Stats), exports::signals,
            Doc::new("export", "Signals as CSV, oldest first, streamed")
                .query(exports::EXPORT_QUERY),
            [answer(200, Body::Csv)]),
        row!(GET "/api/export/deliveries.csv", KeyOrAdmin(Stats), exports::deliveries,
            Doc::new("export", "Deliveries as CSV (no chat ids), oldest first, streamed")
                .query(exports::EXPORT_QUERY),
            [answer(200, Body::Csv)]),
        row!(GET "/api/export/outcomes.csv", KeyOrAdmin(Stats), exports::outcomes,
            Doc::new("export", "Signal outcomes as CSV, by closing time, streamed")
                .query(exports::EXPORT_QUERY),
            [answer(200, Body::Csv)]),
        row!(GET "/api/export/payments.csv", KeyOrAdmin(Stats), exports::payments,
            Doc::new("export", "Stars payments as CSV, oldest first, streamed")
                .query(exports::EXPORT_QUERY),
            [answer(200, Body::Csv)]),
        row!(GET "/api/stats", ApiKey(Stats), performance::stats,
            Doc::new("performance", "Delivery and performance figures"),
            [json(200, StatsReport::NAME)]),
        row!(POST "/api/auth/login", Public, admin_auth::login,
            Doc::new("admin", "Admin login: name + password + TOTP code → a 15-minute token")
                .request("LoginRequest"),
            [json(200, Token::NAME), error(401), error(503)]),
        row!(POST "/api/auth/logout", Admin, admin_auth::logout,
            Doc::new("admin", "End every session of the calling admin (all its tokens)"),
            [answer(204, Body::Empty)]),
        row!(GET "/api/users", Admin, users::list,
            Doc::new("admin", "List users, searchable")
                .query(users::LIST_QUERY),
            [json(200, UserPage::NAME)]),
        row!(GET "/api/users/{id}", Admin, users::show,
            Doc::new("admin", "One user with preferences and delivery counts"),
            [json(200, UserDetail::NAME)]),
        row!(DELETE "/api/users/{id}", Admin, users::erase,
            Doc::new("admin", "Erase a user (deliveries stay, anonymised, for statistics)"),
            [answer(204, Body::Empty)]),
        row!(PUT "/api/users/{id}/preferences", Admin, users::update_preferences,
            Doc::new("admin", "Change preferences (validated like the bot's /filter)")
                .request("PreferencesPatch"),
            [json(200, PreferencesChanged::NAME)]),
        row!(PUT "/api/users/{id}/tier", Admin, users::grant_tier,
            Doc::new("admin", "Grant a tier, optionally until a date")
                .request("TierRequest"),
            [json(200, SubscriptionChanged::NAME)]),
        row!(DELETE "/api/users/{id}/tier", Admin, users::revoke_tier,
            Doc::new("admin", "Revoke a tier (back to free)"),
            [json(200, SubscriptionChanged::NAME)]),
        row!(POST "/api/users/{id}/deactivate", Admin, users::deactivate,
            Doc::new("admin", "Stop all deliveries to a user"),
            [json(200, Activity::NAME)]),
        row!(POST "/api/users/{id}/activate", Admin, users::activate,
            Doc::new("admin", "Resume deliveries to a user"),
            [json(200, Activity::NAME)]),
        row!(GET "/api/payments", Admin, payments::list,
            Doc::new("admin", "Telegram Stars payments, newest first")
                .query(payments::LIST_QUERY),
            [json(200, PaymentPage::NAME)]),
        row!(POST "/api/payments/{charge_id}/refund", Admin, payments::refund,
            Doc::new("admin", "Refund a payment through Telegram; the tier it bought ends"),
            [json(200, Payment::NAME), error(404), error(409), error(502)]),
        row!(GET "/app/api/me", MiniApp, mini_app::me,
            Doc::new("mini app", "The Mini App's user: preferences, plan and plans on sale"),
            [json(200, MiniAppMe::NAME), error(404)]),
        row!(PUT "/app/api/preferences", MiniApp, mini_app::preferences,
            Doc::new("mini app", "Change the caller's preferences (validated like /filter)")
                .request("PreferencesPatch"),
            [json(200, PreferencesChanged::NAME), error(404)]),
        row!(POST "/app/api/invoice", MiniApp, mini_app::invoice,
            Doc::new("mini app", "A Stars invoice link for a plan, for openInvoice")
                .request("InvoiceRequest"),
            [json(200, InvoiceLink::NAME), error(404), error(502)]),
        row!(POST "/api/webhooks", KeyOrAdmin(Webhooks), webhooks_api::create,
            Doc::new("webhooks", "Register a receiver of outgoing webhooks; its secret is answered once")
                .request("NewWebhook"),
            [json(201, WebhookCreated::NAME), error(409)]),
        row!(GET "/api/webhooks", KeyOrAdmin(Webhooks), webhooks_api::list,
            Doc::new("webhooks", "The registered receivers (no secrets)"),
            [json(200, WebhookList::NAME)]),
        row!(DELETE "/api/webhooks/{id}", KeyOrAdmin(Webhooks), webhooks_api::delete,
            Doc::new("webhooks", "Remove a receiver and what was still to be sent to it"),
            [answer(204, Body::Empty)]),
        row!(GET "/api/audit", Admin, audit::list,
            Doc::new("admin", "The audit and security log, newest first")
                .query(audit::AUDIT_QUERY),
            [json(200, AuditPage::NAME)]),
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
