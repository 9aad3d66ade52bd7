//! The network edge: the IP allow-list (with and without a trusted proxy), rate limits per address
//! and per key, a health check that tells nothing, and HTTPS on the API listener.

use herald::store::Backend;
use reqwest::{Method, StatusCode};

use crate::both_backends;
use crate::harness::app::{API_KEY, Options, TestApp};
use crate::harness::security::{send, spawn_secure};

async fn status_from(app: &TestApp, forwarded_for: Option<&str>) -> StatusCode {
    let mut headers = vec![("x-api-key", API_KEY)];
    if let Some(chain) = forwarded_for {
        headers.push(("x-forwarded-for", chain));
    }
    send(app, Method::GET, "/api/signals", &headers, None)
        .await
        .0
}

async fn allow_list(backend: Backend) {
    // No trusted proxy: the peer (127.0.0.1) is the client, and a forged header changes nothing.
    let app = spawn_secure(
        backend,
        &[("HERALD_ALLOWED_IPS", "203.0.113.0/24, 2001:db8::/32")],
    )
    .await;
    assert_eq!(status_from(&app, None).await, StatusCode::FORBIDDEN);
    assert_eq!(
        status_from(&app, Some("203.0.113.5")).await,
        StatusCode::FORBIDDEN
    );
    let (status, _, _) = send(&app, Method::GET, "/api/health", &[], None).await;
    assert_eq!(status, StatusCode::OK, "health is outside the allow-list");
    app.stop().await;

    // Behind a trusted proxy, the address it saw decides.
    let app = spawn_secure(
        backend,
        &[
            ("HERALD_ALLOWED_IPS", "203.0.113.0/24, 2001:db8::/32"),
            ("HERALD_TRUSTED_PROXIES", "127.0.0.0/8"),
        ],
    )
    .await;
    for (chain, expected) in [
        (Some("203.0.113.5"), StatusCode::OK),
        (Some("2001:db8:42::7"), StatusCode::OK),
        (Some("[2001:db8::1]:443"), StatusCode::OK),
        (None, StatusCode::FORBIDDEN),
        (Some("198.51.100.1"), StatusCode::FORBIDDEN),
        (Some("2001:db9::1"), StatusCode::FORBIDDEN),
        // The client wrote the allowed address; the proxy appended the real one.
        (Some("203.0.113.5, 198.51.100.1"), StatusCode::FORBIDDEN),
        // A proxy chain: client, then another trusted hop.
        (Some("203.0.113.9, 127.0.0.2"), StatusCode::OK),
        (Some("not-an-address"), StatusCode::FORBIDDEN),
    ] {
        assert_eq!(status_from(&app, chain).await, expected, "{chain:?}");
    }
    app.stop().await;
}
both_backends!(ip_allow_list_and_proxies, allow_list);

async fn per_key_limit(backend: Backend) {
    let app = spawn_secure(backend, &[("HERALD_RATE_LIMIT_KEY", "5")]).await;
    let other = herald::cli::security::create_api_key(&app.store, "other", "signals")
        .await
        .unwrap();
    let get = |key: String| {
        let app = &app;
        async move {
            send(
                app,
                Method::GET,
                "/api/signals",
                &[("x-api-key", &key)],
                None,
            )
            .await
        }
    };
    for _ in 0..5 {
        assert_eq!(get(API_KEY.to_owned()).await.0, StatusCode::OK);
    }
    let (status, headers, body) = get(API_KEY.to_owned()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "rate_limited");
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=12).contains(&retry), "Retry-After {retry}");
    // Another key from the same address has its own budget.
    assert_eq!(get(other.key).await.0, StatusCode::OK);
    app.stop().await;
}
both_backends!(rate_limit_per_key, per_key_limit);

async fn per_ip_limit(backend: Backend) {
    let app = spawn_secure(backend, &[("HERALD_RATE_LIMIT_IP", "5")]).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        // No credential: the address pays for failed attempts too.
        statuses.push(send(&app, Method::GET, "/api/signals", &[], None).await.0);
    }
    assert!(
        statuses[..5].iter().all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
    let (status, _, _) = send(
        &app,
        Method::GET,
        "/api/signals",
        &[("x-api-key", API_KEY)],
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "a good key does not lift the address limit"
    );
    let (status, _, _) = send(&app, Method::GET, "/api/health", &[], None).await;
    assert_eq!(status, StatusCode::OK, "health checks are not limited");
    app.stop().await;
}
both_backends!(rate_limit_per_address, per_ip_limit);

/// Refusals are audited, but one address cannot grow the audit table at will: past its budget of
/// rows a minute, its refusals are counted and logged only.
async fn refusal_rows_are_capped(backend: Backend) {
    let app = spawn_secure(backend, &[]).await;
    for n in 0..30 {
        let key = format!("hk_guess_{n:060}");
        let (status, _, _) = send(
            &app,
            Method::GET,
            "/api/signals",
            &[("x-api-key", &key)],
            None,
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let rows = app
        .store
        .list_audit(&herald::store::AuditQuery {
            action: Some("auth.api_key".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        rows.len(),
        herald::http::ROWS_PER_MINUTE as usize,
        "{rows:?}"
    );
    app.stop().await;
}
both_backends!(
    refusals_write_a_bounded_number_of_rows,
    refusal_rows_are_capped
);

async fn quiet_health(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, headers, body) = send(&app, Method::GET, "/api/health", &[], None).await;
    assert_eq!(status, StatusCode::OK);
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["database", "status", "telegram"], "{body}");
    let text = body.to_string();
    for secret in [
        app.emulator.token(),
        app.emulator.base_url(),
        app.db.url.clone(),
    ] {
        assert!(!text.contains(&secret), "{text}");
    }
    assert!(headers.get("server").is_none());
    app.stop().await;
}
both_backends!(health_reveals_nothing, quiet_health);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_speaks_https_when_configured() {
    let cert =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cert_path = dir.path().join("cert.pem");
    let key_path = dir.path().join("key.pem");
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        Options {
            env: vec![
                ("HERALD_TLS_CERT", cert_path.display().to_string()),
                ("HERALD_TLS_KEY", key_path.display().to_string()),
            ],
            ..Options::default()
        },
    )
    .await;
    let https = app.api.replace("http://", "https://");
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let response = client
        .get(format!("{https}/api/signals"))
        .header("x-api-key", API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // Plain HTTP to the TLS port gets no API answer.
    let plain = reqwest::Client::new()
        .get(format!("{}/api/health", app.api))
        .send()
        .await;
    assert!(plain.map(|r| !r.status().is_success()).unwrap_or(true));
    // An untrusted certificate is refused by a normal client.
    assert!(
        reqwest::Client::new()
            .get(format!("{https}/api/health"))
            .send()
            .await
            .is_err()
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_certificate_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    let cert_path = dir.path().join("cert.pem");
    std::fs::write(&cert_path, "not a certificate").unwrap();
    let vars = [
        (
            "HERALD_DATABASE_URL",
            format!("sqlite://{}", dir.path().join("h.db").display()),
        ),
        ("HERALD_TELEGRAM_TOKEN", "123456:TEST".to_owned()),
        ("HERALD_TELEGRAM_API_URL", "http://127.0.0.1:9".to_owned()),
        ("HERALD_TLS_CERT", cert_path.display().to_string()),
        ("HERALD_TLS_KEY", cert_path.display().to_string()),
    ];
    let env: std::collections::HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let lookup = move |name: &str| env.get(name).cloned();
    let config = herald::config::Config::load(herald::config::Sources {
        env: &lookup,
        file: None,
        stdout_is_terminal: false,
    })
    .unwrap();
    let err = match herald::app::App::build(config).await {
        Ok(_) => panic!("a bad certificate must stop start-up"),
        Err(err) => err.downcast::<herald::config::ConfigError>().unwrap(),
    };
    assert_eq!(err.name, "HERALD_TLS_CERT", "{err}");
}
