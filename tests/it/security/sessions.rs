//! Admin sessions end with the admin: a token must name an existing, enabled admin, live no
//! longer than a login's token, and stop working on logout, a new password or disabling.

use chrono::Utc;
use herald::auth::jwt::Claims;
use herald::store::Backend;
use reqwest::{Method, StatusCode};
use uuid::Uuid;

use crate::both_backends;
use crate::harness::app::TestApp;
use crate::harness::security::{
    JWT_SECRET, bearer, login, raw_pool, send, spawn_secure, token_with, unix_now,
};

async fn users_status(app: &TestApp, token: &str) -> StatusCode {
    let auth = bearer(token);
    send(
        app,
        Method::GET,
        "/api/users",
        &[("authorization", &auth)],
        None,
    )
    .await
    .0
}

/// A login with the current TOTP code. Codes are single-use per 30 s step, so the step last used
/// is forgotten first: the test logs in several times within one step.
async fn login_now(
    app: &TestApp,
    name: &str,
    password: &str,
    secret: &str,
) -> (StatusCode, serde_json::Value) {
    sqlx::query("UPDATE admins SET totp_last_step = NULL WHERE name = $1")
        .bind(name)
        .execute(&raw_pool(app).await)
        .await
        .unwrap();
    let code = herald::auth::totp::current_code(secret, unix_now()).unwrap();
    login(app, name, password, &code).await
}

async fn log_in(app: &TestApp, name: &str, password: &str, secret: &str) -> String {
    let (status, body) = login_now(app, name, password, secret).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

async fn sessions(backend: Backend) {
    let app = spawn_secure(backend, &[]).await;
    let store = &app.store;

    // Signed with the secret, but naming no admin, or living ten years: refused.
    let nobody = Claims::admin(Uuid::now_v7(), "ghost", Utc::now());
    assert_eq!(
        users_status(&app, &token_with(&nobody, JWT_SECRET)).await,
        StatusCode::UNAUTHORIZED
    );
    let admin = herald::cli::security::create_admin(store, "ada")
        .await
        .unwrap();
    let id = store.admin_by_name("ada").await.unwrap().unwrap().id;
    let decade = Claims {
        exp: Utc::now().timestamp() + 10 * 365 * 86_400,
        ..Claims::admin(id, "ada", Utc::now())
    };
    assert_eq!(
        users_status(&app, &token_with(&decade, JWT_SECRET)).await,
        StatusCode::UNAUTHORIZED
    );

    // Logout ends the session: the same token is refused afterwards.
    let token = log_in(&app, "ada", &admin.password, &admin.totp_secret).await;
    assert_eq!(users_status(&app, &token).await, StatusCode::OK);
    let auth = bearer(&token);
    let (status, _, _) = send(
        &app,
        Method::POST,
        "/api/auth/logout",
        &[("authorization", &auth)],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(users_status(&app, &token).await, StatusCode::UNAUTHORIZED);

    // A new password ends every session, and the old password no longer logs in.
    let token = log_in(&app, "ada", &admin.password, &admin.totp_secret).await;
    assert_eq!(users_status(&app, &token).await, StatusCode::OK);
    let password = herald::cli::security::reset_admin_password(store, "ada")
        .await
        .unwrap();
    assert_eq!(users_status(&app, &token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        login_now(&app, "ada", &admin.password, &admin.totp_secret)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );

    // Disabling ends the session and refuses logins, even with the right password and code.
    let token = log_in(&app, "ada", &password, &admin.totp_secret).await;
    herald::cli::security::set_admin_disabled(store, "ada", true)
        .await
        .unwrap();
    assert_eq!(users_status(&app, &token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        login_now(&app, "ada", &password, &admin.totp_secret)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    herald::cli::security::set_admin_disabled(store, "ada", false)
        .await
        .unwrap();
    assert_eq!(
        users_status(&app, &token).await,
        StatusCode::UNAUTHORIZED,
        "enabling again does not bring old tokens back"
    );
    assert!(
        herald::cli::security::set_admin_disabled(store, "nobody", true)
            .await
            .is_err()
    );
    app.stop().await;
}
both_backends!(sessions_end_with_logout_password_and_disabling, sessions);
