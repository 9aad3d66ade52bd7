//! Personal data at rest: no plaintext name in the database, a wrong or missing key stops
//! start-up with one clear line, and `rotate-key` moves everything to a new key.

use std::collections::HashMap;

use chrono::Utc;
use herald::app::App;
use herald::config::{Config, ConfigError, Sources};
use herald::domain::i18n::Lang;
use herald::store::{Backend, NewUser};
use reqwest::{Method, StatusCode};

use crate::both_backends;
use crate::harness::app::{ENCRYPTION_KEY, TestApp};
use crate::harness::db::TestDb;
use crate::harness::security::{admin_token, bearer, raw_pool, send, spawn_secure};

const OTHER_KEY: &str = "CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=";
const NAME: &str = "Zebulonius";

/// Every stored text that could hold a name, as one string per table.
async fn stored_text(app: &TestApp) -> Vec<(String, String)> {
    let pool = raw_pool(app).await;
    let mut dumps = Vec::new();
    for table in [
        "users",
        "telegram_updates",
        "audit_log",
        "signal_deliveries",
        "kv_state",
    ] {
        let sql = match app.db.backend {
            Backend::Postgres => {
                format!("SELECT COALESCE(string_agg(t::text, ' '), '') FROM {table} t")
            }
            Backend::Sqlite => {
                // SQLite has no row-to-text; concatenate every text column instead.
                let columns: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT name FROM pragma_table_info('{table}')"
                )))
                .fetch_all(&pool)
                .await
                .unwrap();
                let parts: Vec<String> = columns
                    .iter()
                    .map(|c| format!("COALESCE(CAST({c} AS TEXT), '')"))
                    .collect();
                format!(
                    "SELECT COALESCE(group_concat({}, ' '), '') FROM {table}",
                    parts.join(" || ' ' || ")
                )
            }
        };
        let text: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&pool)
            .await
            .unwrap();
        dumps.push((table.to_owned(), text));
    }
    pool.close().await;
    dumps
}

async fn names_are_sealed(backend: Backend) {
    let app = spawn_secure(backend, &[]).await;
    let chat = app.subscribed_user(NAME, "en").await;
    let (status, _, body) = send(
        &app,
        Method::GET,
        &format!("/api/users?q={chat}"),
        &[("authorization", &bearer(&admin_token(&app, "ops").await))],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["users"][0]["first_name"], NAME,
        "the app still reads them"
    );

    for (table, text) in stored_text(&app).await {
        assert!(!text.is_empty() || table != "users", "{table} is empty");
        let lower = text.to_lowercase();
        assert!(
            !lower.contains(&NAME.to_lowercase()),
            "{table} holds the name: {text}"
        );
    }
    let pool = raw_pool(&app).await;
    let sealed: Vec<String> = sqlx::query_scalar("SELECT first_name FROM users")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(
        sealed.iter().all(|v| v.starts_with("enc:v1:")),
        "{sealed:?}"
    );
    pool.close().await;

    if backend == Backend::Sqlite {
        // The file itself, write-ahead log included.
        let path = app.db.url.trim_start_matches("sqlite://").to_owned();
        for file in [path.clone(), format!("{path}-wal")] {
            if let Ok(bytes) = std::fs::read(&file) {
                let needle = NAME.to_lowercase().into_bytes();
                let lower = bytes.to_ascii_lowercase();
                assert!(
                    !lower.windows(needle.len()).any(|w| w == needle.as_slice()),
                    "{file} holds the name"
                );
            }
        }
    }
    app.stop().await;
}
both_backends!(no_plaintext_names_at_rest, names_are_sealed);

fn config(db: &TestDb, vars: &[(&str, &str)]) -> Config {
    let mut env: HashMap<String, String> = HashMap::from([
        ("HERALD_DATABASE_URL".to_owned(), db.url.clone()),
        ("HERALD_TELEGRAM_TOKEN".to_owned(), "123456:TEST".to_owned()),
        (
            "HERALD_TELEGRAM_API_URL".to_owned(),
            "http://127.0.0.1:9".to_owned(),
        ),
    ]);
    for (name, value) in vars {
        env.insert((*name).to_owned(), (*value).to_owned());
    }
    let lookup = move |name: &str| env.get(name).cloned();
    Config::load(Sources {
        env: &lookup,
        file: None,
        stdout_is_terminal: false,
    })
    .unwrap()
}

async fn build_error(config: Config) -> ConfigError {
    match App::build(config).await {
        Ok(_) => panic!("start-up should fail"),
        Err(err) => match err.downcast::<ConfigError>() {
            Ok(config_error) => config_error,
            Err(other) => panic!("not a configuration error: {other:#}"),
        },
    }
}

/// The bot admin `seed_user` sets up two-factor for.
const BOT_ADMIN: i64 = 777;

/// Seeds a user, an API admin and a bot admin's authenticator; returns the bot admin's TOTP
/// secret (the base32 of its otpauth URI).
async fn seed_user(config: &Config) -> String {
    let store = herald::store::at_rest::open_store(config).await.unwrap();
    let user = NewUser {
        telegram_id: 4242,
        username: Some("zebulonius".into()),
        first_name: Some(NAME.into()),
        last_name: Some("Quill".into()),
        language_code: Some("en".into()),
    };
    store
        .upsert_user(&user, Lang::En, Utc::now())
        .await
        .unwrap();
    herald::cli::security::create_admin(&store, "root")
        .await
        .unwrap();
    store.close().await;
    let uri = herald::cli::admin::setup_totp(config, BOT_ADMIN)
        .await
        .unwrap();
    let secret = uri.split("secret=").nth(1).unwrap();
    secret.split('&').next().unwrap().to_owned()
}

async fn wrong_key_and_rotation(backend: Backend) {
    let db = TestDb::new(backend).await;
    let bot_admin_secret =
        seed_user(&config(&db, &[("HERALD_ENCRYPTION_KEY", ENCRYPTION_KEY)])).await;

    let wrong = build_error(config(&db, &[("HERALD_ENCRYPTION_KEY", OTHER_KEY)])).await;
    assert_eq!(wrong.name, "HERALD_ENCRYPTION_KEY");
    assert!(wrong.problem.contains("does not open"), "{wrong}");
    assert!(!wrong.to_string().contains('\n'));
    let missing = build_error(config(&db, &[])).await;
    assert_eq!(missing.name, "HERALD_ENCRYPTION_KEY", "{missing}");

    // Rotation: the new key with the old one as previous starts, and rotate-key re-seals.
    let rotating = config(
        &db,
        &[
            ("HERALD_ENCRYPTION_KEY", OTHER_KEY),
            ("HERALD_ENCRYPTION_KEY_PREVIOUS", ENCRYPTION_KEY),
        ],
    );
    let store = herald::store::at_rest::open_store(&rotating).await.unwrap();
    let report = herald::cli::security::rotate_key(&store, &rotating)
        .await
        .unwrap();
    assert_eq!(
        (report.users, report.admins, report.bot_admins),
        (1, 1, 1),
        "{report:?}"
    );
    let again = herald::cli::security::rotate_key(&store, &rotating)
        .await
        .unwrap();
    assert_eq!(
        (again.users, again.admins, again.bot_admins),
        (0, 0, 0),
        "nothing left to re-seal"
    );
    store.close().await;

    let only_new = config(&db, &[("HERALD_ENCRYPTION_KEY", OTHER_KEY)]);
    let store = herald::store::at_rest::open_store(&only_new).await.unwrap();
    let user = store.user_by_telegram_id(4242).await.unwrap().unwrap();
    assert_eq!(user.first_name.as_deref(), Some(NAME));
    assert!(store.admin_by_name("root").await.unwrap().is_some());
    // The bot admin's two-factor still works with the new key alone.
    let totp = store.admin_totp(BOT_ADMIN).await.unwrap().unwrap();
    let opened = store.cipher().open(&totp.sealed_secret);
    assert_eq!(opened.as_deref(), Ok(bot_admin_secret.as_str()));
    store.close().await;
    let old = build_error(config(&db, &[("HERALD_ENCRYPTION_KEY", ENCRYPTION_KEY)])).await;
    assert_eq!(old.name, "HERALD_ENCRYPTION_KEY");
}
both_backends!(
    wrong_key_fails_and_rotation_moves_to_the_new_key,
    wrong_key_and_rotation
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_without_a_key_refuses_to_start() {
    let db = TestDb::new(Backend::Postgres).await;
    let err = build_error(config(&db, &[])).await;
    assert_eq!(err.name, "HERALD_ENCRYPTION_KEY");
    assert!(err.problem.contains("required on PostgreSQL"), "{err}");
}

/// The process: `herald serve` with the wrong key exits 2 with one line naming the variable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_names_the_key_and_exits_2() {
    let db = TestDb::new(Backend::Sqlite).await;
    seed_user(&config(&db, &[("HERALD_ENCRYPTION_KEY", ENCRYPTION_KEY)])).await;
    let dir = tempfile::tempdir().unwrap();
    for command in [&["serve"][..], &["apikey", "list"][..]] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_herald"))
            .args(command)
            .current_dir(dir.path())
            .env_clear()
            .env("HERALD_DATABASE_URL", &db.url)
            .env("HERALD_TELEGRAM_TOKEN", "123456:TEST")
            .env("HERALD_TELEGRAM_API_URL", "http://127.0.0.1:9")
            .env("HERALD_LISTEN", "127.0.0.1:0")
            .env("HERALD_ENCRYPTION_KEY", OTHER_KEY)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{command:?}: {stderr}");
        let lines: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("herald:"))
            .collect();
        assert_eq!(lines.len(), 1, "{stderr}");
        assert!(lines[0].contains("HERALD_ENCRYPTION_KEY"), "{stderr}");
    }
}
