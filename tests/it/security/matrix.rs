//! The authorization matrix: every route of the router (read from its route table) against every
//! kind of credential. Each cell must be refused with the right status, and the one meant to get
//! in must get in. The expectations below are written by hand: a route added to the table without
//! a row here fails `every_route_has_a_row`.

use chrono::Utc;
use herald::auth::Scope;
use herald::auth::jwt::Claims;
use herald::http::{Access, routes};
use herald::store::Backend;
use reqwest::{Method, StatusCode};
use uuid::Uuid;

use crate::both_backends;
use crate::harness::app::{API_KEY, TestApp};
use crate::harness::security::{JWT_SECRET, admin_token, bearer, send, spawn_secure, token_with};

/// What each route must require, decided here and not copied from the table.
fn expected() -> Vec<(Method, &'static str, Access)> {
    use Access::*;
    use Scope::*;
    vec![
        (Method::GET, "/api/health", Probe),
        // Readiness tells the state of the database: allow-listed, like the rest of /api.
        (Method::GET, "/api/ready", Public),
        (Method::GET, "/api/openapi.json", Public),
        (Method::POST, "/api/signals", ApiKey(Signals)),
        (Method::GET, "/api/signals", KeyOrAdmin(Signals)),
        (Method::GET, "/api/signals/{id}", KeyOrAdmin(Signals)),
        (Method::POST, "/api/signals/{id}/outcome", ApiKey(Signals)),
        (Method::POST, "/api/prices", ApiKey(Signals)),
        (Method::GET, "/api/performance", KeyOrAdmin(Stats)),
        (Method::GET, "/api/stats", ApiKey(Stats)),
        (Method::GET, "/api/export/signals.csv", KeyOrAdmin(Stats)),
        (Method::GET, "/api/export/deliveries.csv", KeyOrAdmin(Stats)),
        (Method::GET, "/api/export/outcomes.csv", KeyOrAdmin(Stats)),
        (Method::GET, "/api/export/payments.csv", KeyOrAdmin(Stats)),
        (Method::POST, "/api/auth/login", Public),
        (Method::POST, "/api/auth/logout", Admin),
        (Method::GET, "/api/users", Admin),
        (Method::GET, "/api/users/{id}", Admin),
        (Method::DELETE, "/api/users/{id}", Admin),
        (Method::PUT, "/api/users/{id}/preferences", Admin),
        (Method::PUT, "/api/users/{id}/tier", Admin),
        (Method::DELETE, "/api/users/{id}/tier", Admin),
        (Method::POST, "/api/users/{id}/deactivate", Admin),
        (Method::POST, "/api/users/{id}/activate", Admin),
        (Method::GET, "/api/audit", Admin),
        (Method::GET, "/api/payments", Admin),
        (Method::POST, "/api/payments/{charge_id}/refund", Admin),
        (Method::POST, "/api/webhooks", KeyOrAdmin(Webhooks)),
        (Method::GET, "/api/webhooks", KeyOrAdmin(Webhooks)),
        (Method::DELETE, "/api/webhooks/{id}", KeyOrAdmin(Webhooks)),
        // The Mini App's user, by launch data Telegram signed; not behind HERALD_ALLOWED_IPS,
        // since users' phones call it from anywhere.
        (Method::GET, "/app/api/me", MiniApp),
        (Method::PUT, "/app/api/preferences", MiniApp),
        (Method::POST, "/app/api/invoice", MiniApp),
    ]
}

#[test]
fn every_route_has_a_row() {
    let mut table: Vec<String> = routes()
        .iter()
        .map(|r| format!("{} {} {:?}", r.method, r.path, r.access))
        .collect();
    let mut rows: Vec<String> = expected()
        .iter()
        .map(|(m, p, a)| format!("{m} {p} {a:?}"))
        .collect();
    table.sort();
    rows.sort();
    assert_eq!(
        table, rows,
        "the route table and this test's expectations differ: add a row for each new route"
    );
}

/// The credentials of one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    Nothing,
    WrongKey,
    RevokedKey,
    WrongScopeKey,
    ExpiredJwt,
    ForeignJwt,
    AlgNoneJwt,
    NonAdminJwt,
    DisallowedIp,
    AdminJwt,
    Allowed,
}

const CELLS: [Cell; 11] = [
    Cell::Nothing,
    Cell::WrongKey,
    Cell::RevokedKey,
    Cell::WrongScopeKey,
    Cell::ExpiredJwt,
    Cell::ForeignJwt,
    Cell::AlgNoneJwt,
    Cell::NonAdminJwt,
    Cell::DisallowedIp,
    Cell::AdminJwt,
    Cell::Allowed,
];

#[derive(Clone)]
struct Keys {
    signals_only: String,
    stats_only: String,
    webhooks_only: String,
    revoked: String,
    admin: String,
    /// `tma <initData>` of a registered user.
    mini_app: String,
}

/// The status a cell must get, or `None` for "let in" (any answer but 401/403/429).
fn must_get(access: Access, cell: Cell) -> Option<StatusCode> {
    use Cell::*;
    let unauthorized = Some(StatusCode::UNAUTHORIZED);
    let forbidden = Some(StatusCode::FORBIDDEN);
    match (access, cell) {
        (Access::Probe, _) => None,
        (Access::MiniApp, Allowed | DisallowedIp) => None,
        // Keys and tokens are not launch data.
        (Access::MiniApp, _) => unauthorized,
        (_, Allowed) => None,
        (_, DisallowedIp) => forbidden,
        (Access::Public, _) => None,
        (_, Nothing | WrongKey | RevokedKey) => unauthorized,
        (Access::ApiKey(_) | Access::KeyOrAdmin(_), WrongScopeKey) => forbidden,
        // A good API key is a good credential without the admin role, whatever its scopes.
        (Access::Admin, WrongScopeKey) => forbidden,
        (_, ExpiredJwt | ForeignJwt | AlgNoneJwt) => unauthorized,
        // Routes that take no token answer a token as no credential at all.
        (Access::ApiKey(_), NonAdminJwt | AdminJwt) => unauthorized,
        (Access::KeyOrAdmin(_) | Access::Admin, AdminJwt) => None,
        (Access::KeyOrAdmin(_) | Access::Admin, NonAdminJwt) => forbidden,
    }
}

fn headers_for(access: Access, cell: Cell, keys: &Keys) -> Vec<(&'static str, String)> {
    let now = Utc::now();
    let claims = Claims::admin(Uuid::now_v7(), "matrix", now);
    let key_for = |scope: Scope| match scope {
        Scope::Signals => keys.signals_only.clone(),
        Scope::Stats => keys.stats_only.clone(),
        Scope::Webhooks => keys.webhooks_only.clone(),
    };
    let other_scope = |scope: Scope| match scope {
        Scope::Signals => keys.stats_only.clone(),
        Scope::Stats | Scope::Webhooks => keys.signals_only.clone(),
    };
    // The credential that the route accepts, for the allowed and disallowed-IP cells.
    let good = match access {
        Access::ApiKey(scope) => vec![("x-api-key", key_for(scope))],
        Access::KeyOrAdmin(scope) => vec![("x-api-key", key_for(scope))],
        Access::Admin => vec![("authorization", bearer(&keys.admin))],
        Access::MiniApp => vec![("authorization", keys.mini_app.clone())],
        Access::Probe | Access::Public => vec![],
    };
    match cell {
        Cell::Nothing => vec![],
        Cell::WrongKey => vec![(
            "x-api-key",
            "hk_0123456789abcdef_0000000000000000000000000000000000000000000000000000000000000000"
                .to_owned(),
        )],
        Cell::RevokedKey => vec![("x-api-key", keys.revoked.clone())],
        Cell::WrongScopeKey => match access {
            Access::ApiKey(scope) | Access::KeyOrAdmin(scope) => {
                vec![("x-api-key", other_scope(scope))]
            }
            _ => vec![("x-api-key", keys.stats_only.clone())],
        },
        Cell::ExpiredJwt => {
            let old = Claims::admin(
                Uuid::now_v7(),
                "matrix",
                now - chrono::Duration::minutes(20),
            );
            vec![("authorization", bearer(&token_with(&old, JWT_SECRET)))]
        }
        Cell::ForeignJwt => vec![(
            "authorization",
            bearer(&token_with(&claims, "a-different-secret-0123456789abcdef")),
        )],
        Cell::AlgNoneJwt => {
            use base64::Engine;
            let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            let header = b64.encode(br#"{"alg":"none","typ":"JWT"}"#);
            let body = b64.encode(serde_json::to_vec(&claims).unwrap());
            vec![("authorization", bearer(&format!("{header}.{body}.")))]
        }
        Cell::NonAdminJwt => {
            let viewer = Claims {
                role: "viewer".into(),
                ..claims
            };
            vec![("authorization", bearer(&token_with(&viewer, JWT_SECRET)))]
        }
        Cell::DisallowedIp => {
            let mut headers = good;
            headers.push(("x-forwarded-for", "198.51.100.23".to_owned()));
            headers
        }
        Cell::AdminJwt => vec![("authorization", bearer(&keys.admin))],
        Cell::Allowed => good,
    }
}

async fn authorization_matrix(backend: Backend) {
    // Requests come from 127.0.0.1, which the allow-list admits; as a trusted proxy it may also
    // forward for an address outside the list (the disallowed-IP cell).
    let app = spawn_secure(
        backend,
        &[
            ("HERALD_ALLOWED_IPS", "127.0.0.0/8, 2001:db8::/32"),
            ("HERALD_TRUSTED_PROXIES", "127.0.0.1"),
            ("HERALD_PUBLIC_URL", "http://127.0.0.1:9"),
        ],
    )
    .await;
    let member = app.emulator.create_user("Mia", Some("mia"), Some("en"));
    let new_user = herald::store::NewUser {
        telegram_id: member.id,
        username: None,
        first_name: Some("Mia".into()),
        last_name: None,
        language_code: None,
    };
    app.store
        .upsert_user(&new_user, herald::domain::i18n::Lang::En, Utc::now())
        .await
        .unwrap();
    let launch = telegram_emulator::sign_init_data(
        &app.emulator.token(),
        &member,
        Utc::now().timestamp(),
        "AAEmatrix",
        &[],
    );
    let keys = Keys {
        signals_only: herald::cli::security::create_api_key(&app.store, "engine", "signals")
            .await
            .unwrap()
            .key,
        stats_only: herald::cli::security::create_api_key(&app.store, "dashboard", "stats")
            .await
            .unwrap()
            .key,
        webhooks_only: herald::cli::security::create_api_key(&app.store, "hooks", "webhooks")
            .await
            .unwrap()
            .key,
        revoked: {
            let key = herald::cli::security::create_api_key(&app.store, "old", "signals,stats")
                .await
                .unwrap();
            herald::cli::security::revoke_api_key(&app.store, &key.id)
                .await
                .unwrap();
            key.key
        },
        admin: admin_token(&app, "matrix").await,
        mini_app: format!("tma {launch}"),
    };
    let counted_before = app.metrics_text().await;
    let mut failures = Vec::new();
    let mut throwaways = 0;
    for route in routes() {
        let path = route.path.replace("{id}", &Uuid::now_v7().to_string());
        for cell in CELLS {
            // Logging out ends the token's sessions: that route gets a new admin for each cell.
            let keys = if route.path == "/api/auth/logout" {
                throwaways += 1;
                let admin = admin_token(&app, &format!("leaving-{throwaways}")).await;
                Keys {
                    admin,
                    ..keys.clone()
                }
            } else {
                keys.clone()
            };
            let headers = headers_for(route.access, cell, &keys);
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let body = matches!(route.method, Method::POST | Method::PUT).then(|| b"{}".to_vec());
            let (status, _, answer) = send(&app, route.method.clone(), &path, &headers, body).await;
            let ok = match must_get(route.access, cell) {
                Some(expected) => status == expected,
                None => !matches!(
                    status,
                    StatusCode::UNAUTHORIZED
                        | StatusCode::FORBIDDEN
                        | StatusCode::TOO_MANY_REQUESTS
                        | StatusCode::METHOD_NOT_ALLOWED
                ),
            };
            if !ok {
                failures.push(format!(
                    "{} {} {cell:?}: got {status} {answer}, expected {:?}",
                    route.method,
                    route.path,
                    must_get(route.access, cell)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The env key works everywhere a key is accepted, and every denial was logged.
    let (status, _, _) = send(
        &app,
        Method::GET,
        "/api/signals",
        &[("x-api-key", API_KEY)],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, log) = send(
        &app,
        Method::GET,
        "/api/audit?category=security&limit=500",
        &[("authorization", &bearer(&keys.admin))],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let events = log["events"].as_array().unwrap();
    // Every denial is counted; audit rows are capped per address and minute (10 each here:
    // the test's own address and the forwarded one), so the table cannot be flooded.
    let rows_from = |ip: &str| {
        events
            .iter()
            .filter(|e| e["ip"] == ip && e["outcome"] == "denied")
            .count()
    };
    let cap = herald::http::ROWS_PER_MINUTE as usize;
    assert_eq!(rows_from("127.0.0.1"), cap, "{log}");
    assert_eq!(rows_from("198.51.100.23"), cap, "{log}");
    let counted_after = app.metrics_text().await;
    let counted = |kind: &str| {
        let labels = [("kind", kind)];
        crate::harness::ops::metric(&counted_after, "herald_auth_failures_total", &labels)
            - crate::harness::ops::metric(&counted_before, "herald_auth_failures_total", &labels)
    };
    assert!(counted("api_key") >= 20.0, "{}", counted("api_key"));
    assert!(counted("token") >= 20.0, "{}", counted("token"));
    assert!(counted("missing") >= 10.0, "{}", counted("missing"));
    assert!(counted("forbidden") >= 3.0, "{}", counted("forbidden"));
    assert!(
        events
            .iter()
            .any(|e| e["ip"] == "198.51.100.23" && e["action"] == "auth.ip"),
        "the denied address is the forwarded one: {log}"
    );
    app.stop().await;
}
both_backends!(authorization_matrix_holds, authorization_matrix);

async fn no_routes_are_served_outside_the_table(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (method, path) in [
        (Method::GET, "/api/admin"),
        (Method::GET, "/api/users/"),
        (Method::GET, "/api/../api/users"),
        (Method::PATCH, "/api/users/x"),
    ] {
        let (status, _, body) = send(&app, method.clone(), path, &[], None).await;
        assert!(
            matches!(
                status,
                StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED | StatusCode::UNAUTHORIZED
            ),
            "{method} {path}: {status} {body}"
        );
    }
    app.stop().await;
}
both_backends!(
    unknown_routes_are_not_served,
    no_routes_are_served_outside_the_table
);

/// `/metrics` is served by the metrics listener only, and that listener serves nothing else:
/// counts of active users and failing routes stay off the public API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_have_a_listener_of_their_own() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (status, _, _) = send(&app, Method::GET, "/metrics", &[], None).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "/metrics on the API listener"
    );
    assert!(app.metrics_text().await.contains("herald_build_info"));
    for path in ["/api/health", "/api/signals", "/api/users"] {
        let status = app
            .client
            .get(format!("{}{path}", app.metrics))
            .header("x-api-key", API_KEY)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{path} on the metrics listener"
        );
    }
    app.stop().await;
}
