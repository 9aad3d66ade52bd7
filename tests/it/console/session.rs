//! Logging in to the console and what keeps a session honest: the login check shared with the API
//! (lockout and audit), the cookie's attributes, CSRF tokens on every form, the idle timeout and
//! logout.

use herald::store::{AuditQuery, Backend};
use reqwest::StatusCode;

use crate::both_backends;
use crate::harness::console::{Console, admin, logged_in};
use crate::harness::security::{login, raw_pool, spawn_secure, unix_now};

fn set_cookie(page: &crate::harness::console::Page, name: &str) -> Option<String> {
    page.headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with(&format!("{name}=")))
}

async fn console_actions(
    app: &crate::harness::app::TestApp,
    action: &str,
) -> Vec<herald::store::AuditRow> {
    app.store
        .list_audit(&AuditQuery {
            action: Some(action.into()),
            limit: 50,
            ..AuditQuery::default()
        })
        .await
        .unwrap()
}

async fn login_and_refusals(backend: Backend) {
    let app = spawn_secure(backend, &[]).await;
    let (alice, code) = admin(&app, "alice").await;
    let console = Console::new(&app);

    // No session: every page leads to the login form.
    let page = console.get("/console/users").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/console/login"));

    // The form's own token: a login without it, or with another, is refused unchecked.
    let form = console.get("/console/login").await;
    assert_eq!(form.status, StatusCode::OK);
    let pre = set_cookie(&form, "herald_console_login").unwrap();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/console"] {
        assert!(pre.contains(attribute), "{pre}");
    }
    let csrf = form.csrf();
    let no_token = console
        .post(
            "/console/login",
            &[
                ("name", "alice"),
                ("password", &alice.password),
                ("totp", &code),
            ],
        )
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let other_token = console
        .post(
            "/console/login",
            &[
                ("csrf", "x".repeat(csrf.len()).as_str()),
                ("name", "alice"),
                ("password", &alice.password),
                ("totp", &code),
            ],
        )
        .await;
    assert_eq!(other_token.status, StatusCode::FORBIDDEN);
    assert!(set_cookie(&other_token, "herald_console").is_none());

    // Wrong password, wrong code: the same refusal, and no session.
    let wrong_code = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    for (password, totp) in [
        ("not the password", code.as_str()),
        (alice.password.as_str(), wrong_code.as_str()),
    ] {
        let page = console
            .post(
                "/console/login",
                &[
                    ("csrf", &csrf),
                    ("name", "alice"),
                    ("password", password),
                    ("totp", totp),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{}", page.body);
        assert!(
            page.body.contains("Wrong name, password or code"),
            "{}",
            page.body
        );
        assert!(!console.has_cookie("herald_console"));
    }

    let page = console.log_in("alice", &alice.password, &code).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), Some("/console"));
    let session = set_cookie(&page, "herald_console").unwrap();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/console"] {
        assert!(session.contains(attribute), "{session}");
    }
    let dashboard = console.get("/console").await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(dashboard.body.contains("Dashboard") && dashboard.body.contains("alice"));
    let csp = dashboard.headers["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert_eq!(dashboard.headers["x-frame-options"], "DENY");
    assert_eq!(dashboard.headers["cache-control"], "no-store");

    // The code that opened the session cannot open a second one, here or at the API.
    let (status, _) = login(&app, "alice", &alice.password, &code).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The login check is the API's: each attempt is a security event, with its reason.
    let rows = console_actions(&app, "console.login").await;
    let details: Vec<String> = rows
        .iter()
        .map(|row| format!("{} {}", row.outcome, row.detail.clone().unwrap_or_default()))
        .collect();
    assert_eq!(rows.len(), 3, "{details:?}");
    assert!(
        details
            .iter()
            .any(|d| d.starts_with("denied wrong password")),
        "{details:?}"
    );
    assert!(
        details
            .iter()
            .any(|d| d.starts_with("denied wrong two-factor code")),
        "{details:?}"
    );
    assert!(details.iter().any(|d| d.starts_with("ok")), "{details:?}");
    assert_eq!(console_actions(&app, "console.csrf").await.len(), 2);

    // A change without the session's token, or with another's, changes nothing.
    let user = app.subscribed_user("Nils", "en").await;
    let user_id = app
        .store
        .user_by_telegram_id(user)
        .await
        .unwrap()
        .unwrap()
        .id;
    let path = format!("/console/users/{user_id}/active");
    let page = console.post(&path, &[("active", "false")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = console
        .post(&path, &[("csrf", "not-the-token"), ("active", "false")])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        app.store
            .user_by_id(user_id)
            .await
            .unwrap()
            .unwrap()
            .is_active
    );
    assert_eq!(console_actions(&app, "console.csrf").await.len(), 4);
    // With it, the change is made and audited with the admin as actor.
    let csrf = console
        .get(&format!("/console/users/{user_id}"))
        .await
        .csrf();
    let page = console
        .post(&path, &[("csrf", &csrf), ("active", "false")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(
        !app.store
            .user_by_id(user_id)
            .await
            .unwrap()
            .unwrap()
            .is_active
    );
    let rows = console_actions(&app, "admin.user.deactivate").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].actor_name.as_deref(), Some("alice"));

    // Fifteen idle minutes end the session: pages lead to the login form, changes are refused.
    let pool = raw_pool(&app).await;
    let idle = (chrono::Utc::now() - chrono::Duration::minutes(16)).timestamp_millis();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE console_sessions SET last_seen_at = {idle}"
    )))
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let stale = console.copy();
    let page = stale
        .post(&path, &[("csrf", &csrf), ("active", "true")])
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(
        !app.store
            .user_by_id(user_id)
            .await
            .unwrap()
            .unwrap()
            .is_active
    );
    let page = console.get("/console").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/console/login?expired=1"));
    let form = console.get("/console/login?expired=1").await;
    assert!(form.body.contains("Your session ended"), "{}", form.body);
    app.stop().await;
}
both_backends!(console_login_and_refusals, login_and_refusals);

async fn logout_and_lockout(backend: Backend) {
    let app = spawn_secure(backend, &[]).await;
    let console = logged_in(&app, "bob").await;
    let csrf = console.get("/console").await.csrf();
    let page = console.post("/console/logout", &[("csrf", &csrf)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/console/login"));
    assert!(!console.has_cookie("herald_console"));
    assert_eq!(
        console.get("/console").await.location(),
        Some("/console/login")
    );
    // A logged-out cookie, replayed, opens nothing.
    let count =
        crate::harness::security::count(&app, "SELECT COUNT(*) FROM console_sessions").await;
    assert_eq!(count, 0);

    // Ending the admin's sessions at the API ends the console's too.
    let (carol, code) = admin(&app, "carol").await;
    let console = Console::new(&app);
    console.log_in("carol", &carol.password, &code).await;
    assert_eq!(console.get("/console").await.status, StatusCode::OK);
    let id = app.store.admin_by_name("carol").await.unwrap().unwrap().id;
    app.store.end_admin_sessions(id).await.unwrap();
    assert_eq!(console.get("/console").await.status, StatusCode::SEE_OTHER);

    // The lockout is the API's: four failures from this address lock it out, in both.
    let (dave, _) = admin(&app, "dave").await;
    let console = Console::new(&app);
    for _ in 0..4 {
        let page = console.log_in("dave", "wrong", "000000").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let code = herald::auth::totp::current_code(&dave.totp_secret, unix_now()).unwrap();
    let page = console.log_in("dave", &dave.password, &code).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    let (status, _) = login(&app, "dave", &dave.password, &code).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.stop().await;
}
both_backends!(console_logout_and_lockout, logout_and_lockout);
