//! Admin login: password + single-use TOTP code → a token that opens the admin API; failures are
//! security events and lock the guessing address out; nothing reveals which names exist.

use herald::store::Backend;
use reqwest::{Method, StatusCode};

use crate::both_backends;
use crate::harness::app::{Options, TestApp};
use crate::harness::security::{bearer, login, login_from, raw_pool, send, spawn_secure, unix_now};

async fn login_flow(backend: Backend) {
    let app = spawn_secure(backend, &[]).await;
    let admin = herald::cli::security::create_admin(&app.store, "alice")
        .await
        .unwrap();
    assert!(
        admin
            .otpauth_uri
            .starts_with("otpauth://totp/Herald:alice?")
    );
    let now = unix_now();
    let code = herald::auth::totp::current_code(&admin.totp_secret, now).unwrap();

    let (status, body) = login(&app, "alice", &admin.password, &code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    let token = body["token"].as_str().unwrap();
    let (status, _, users) = send(
        &app,
        Method::GET,
        "/api/users",
        &[("authorization", &bearer(token))],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{users}");

    // The same code again: refused, it was used.
    let (status, _) = login(&app, "alice", &admin.password, &code).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A wrong code, a wrong password, an unknown name: the same answer each time.
    let wrong_code = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    let next = herald::auth::totp::current_code(&admin.totp_secret, now + 30).unwrap();
    let mut answers = Vec::new();
    for (name, password, totp) in [
        ("alice", admin.password.as_str(), wrong_code.as_str()),
        ("alice", "not the password", next.as_str()),
        ("mallory", admin.password.as_str(), next.as_str()),
    ] {
        let (status, body) = login(&app, name, password, totp).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        answers.push(body);
    }
    assert!(
        answers.windows(2).all(|pair| pair[0] == pair[1]),
        "{answers:?}"
    );

    // Stored: an Argon2id hash, and the TOTP secret sealed.
    let pool = raw_pool(&app).await;
    let (hash, secret): (String, String) =
        sqlx::query_as("SELECT password_hash, totp_secret FROM admins WHERE name = 'alice'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains(&admin.password));
    assert!(secret.starts_with("enc:v1:"), "{secret}");
    assert!(!secret.contains(&admin.totp_secret));
    pool.close().await;

    // Every attempt is in the security log, with its reason.
    let (_, _, log) = send(
        &app,
        Method::GET,
        "/api/audit?category=security&action=auth.login",
        &[("authorization", &bearer(token))],
        None,
    )
    .await;
    let details: Vec<String> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {}", e["outcome"], e["detail"]))
        .collect();
    for expected in [
        "\"ok\" null",
        "two-factor code already used",
        "wrong two-factor code",
        "wrong password",
        "unknown admin",
    ] {
        assert!(
            details.iter().any(|d| d.contains(expected)),
            "{expected} missing from {details:?}"
        );
    }
    app.stop().await;
}
both_backends!(admin_login, login_flow);

async fn lockout(backend: Backend) {
    let app = spawn_secure(backend, &[("HERALD_TRUSTED_PROXIES", "127.0.0.1")]).await;
    let admin = herald::cli::security::create_admin(&app.store, "bob")
        .await
        .unwrap();
    let code = || herald::auth::totp::current_code(&admin.totp_secret, unix_now()).unwrap();
    let guesser = "203.0.113.5";
    for _ in 0..4 {
        let status = login_from(&app, guesser, "bob", "guess", "000000").await.0;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // The guessing address is locked out: even the right password and code are refused from it.
    let status = login_from(&app, guesser, "bob", &admin.password, &code())
        .await
        .0;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let record = app.store.admin_by_name("bob").await.unwrap().unwrap();
    assert_eq!(
        record.totp_last_step, None,
        "the refused code was not consumed"
    );
    assert_eq!(
        record.locked_until, None,
        "the account itself is not locked"
    );
    // Bob, elsewhere, still gets in.
    let status = login_from(&app, "198.51.100.7", "bob", &admin.password, &code())
        .await
        .0;
    assert_eq!(status, StatusCode::OK);

    let events = app
        .store
        .list_audit(&herald::store::AuditQuery {
            action: Some("auth.login".into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 6);
    assert_eq!(events[0].outcome, "ok");
    assert!(events[1..].iter().all(|e| e.outcome == "denied"));
    let details: Vec<&str> = events.iter().filter_map(|e| e.detail.as_deref()).collect();
    assert!(
        details
            .iter()
            .any(|d| d.contains("4 failures from this address: locked for it until")),
        "{details:?}"
    );
    assert!(
        details
            .iter()
            .any(|d| d.starts_with("locked for this address until")),
        "{details:?}"
    );
    assert_eq!(events[1].ip.as_deref(), Some(guesser));
    app.stop().await;
}
both_backends!(repeated_failures_lock_the_account, lockout);

async fn login_is_rate_limited_per_address(backend: Backend) {
    let app = spawn_secure(backend, &[]).await;
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(login(&app, "nobody", "guess", "000000").await.0);
    }
    assert!(
        statuses[..10]
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert_eq!(statuses[10], StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
}
both_backends!(
    login_attempts_are_limited,
    login_is_rate_limited_per_address
);

async fn no_secret_no_admin_api(backend: Backend) {
    let app = TestApp::spawn_with(backend, Options::default()).await;
    let (status, body) = login(&app, "alice", "password", "123456").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    app.stop().await;
}
both_backends!(admin_api_needs_a_jwt_secret, no_secret_no_admin_api);
