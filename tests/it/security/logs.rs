//! Nothing personal in the logs: a whole session — registration, a delivered signal,
//! a blocked bot, dropped connections to Telegram, a bad login — is logged, and neither the log nor
//! the stored errors hold a name, a username, a Telegram id or the bot token.

use std::io::Write;
use std::sync::{Arc, Mutex};

use herald::store::Backend;
use reqwest::StatusCode;
use telegram_emulator::Faults;

use crate::harness::app::buy_signal;
use crate::harness::security::{login, raw_pool, spawn_secure};

/// Set for the child process that runs the session with a process-wide subscriber.
const CHILD: &str = "HERALD_TEST_LOG_CAPTURE";

#[derive(Clone)]
struct Captured(Arc<Mutex<std::fs::File>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().write(bytes)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.lock().unwrap().flush()
    }
}

/// Runs the session in a child process (this test binary, running this test again with `CHILD`
/// set, which makes it `capture_session`), so that one process-wide subscriber sees every thread
/// and no other test's events mix in.
#[test]
fn logs_hold_nothing_personal() {
    if let Some(path) = std::env::var_os(CHILD) {
        capture_session(std::path::PathBuf::from(path));
        return;
    }
    // This test's name as the harness knows it: its module path without the crate's name.
    let module = module_path!();
    let module = module.split_once("::").map_or(module, |(_, rest)| rest);
    let this_test = format!("{module}::logs_hold_nothing_personal");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.jsonl");
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", &this_test, "--nocapture"])
        .env(CHILD, &path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let child_stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        child_stdout.contains("1 passed"),
        "the child ran no session: {child_stdout}"
    );
    let meta = std::fs::read_to_string(path.with_extension("meta")).unwrap();
    let (token, chat) = meta.split_once(' ').unwrap();
    let log = std::fs::read_to_string(&path).unwrap();
    assert!(log.contains("signal accepted"), "the session was logged");
    assert!(log.contains("auth.login"), "security events are logged");
    assert!(
        log.contains("blocked the bot"),
        "Telegram's refusals are logged"
    );
    let secret = token.split_once(':').unwrap().1;
    for forbidden in [
        token,
        secret,
        "Quentinius",
        "quentinius",
        "Rosalindia",
        chat,
    ] {
        if let Some(line) = log.lines().find(|line| line.contains(forbidden)) {
            panic!("the log holds {forbidden:?}: {line}");
        }
    }
}

/// The child's side: runs the session with a JSON subscriber writing to `path`, and leaves the
/// token and chat it used beside it (`path` with the `meta` extension).
fn capture_session(path: std::path::PathBuf) {
    let file = Captured(Arc::new(Mutex::new(std::fs::File::create(&path).unwrap())));
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(true)
        .with_env_filter("debug,telegram_emulator=off,hyper=info,hyper_util=info,h2=info")
        .with_writer(move || file.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (token, chat) = runtime.block_on(session());
    std::fs::write(path.with_extension("meta"), format!("{token} {chat}")).unwrap();
}

async fn session() -> (String, i64) {
    let app = spawn_secure(Backend::Sqlite, &[]).await;
    let chat = app.subscribed_user("Quentinius", "en").await;
    let other = app.subscribed_user("Rosalindia", "en").await;
    let (status, _) = app.post_signal(&buy_signal()).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    app.wait_for(chat, 4).await;
    app.drain().await;
    let (status, _) = login(&app, "mallory", "guess", "000000").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The user blocks the bot: the next delivery gets Telegram's 403.
    app.emulator.block_bot(chat);
    let mut second = buy_signal();
    second["asset"] = serde_json::json!("ETH/USD");
    let (status, _) = app.post_signal(&second).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    app.drain().await;

    // Connections to Telegram drop: network errors carry request URLs, which hold the token.
    app.emulator.set_faults(Faults {
        drop_before_rate: 1.0,
        ..Faults::default()
    });
    let mut third = buy_signal();
    third["asset"] = serde_json::json!("SOL/USD");
    let (status, _) = app.post_signal(&third).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let pool = raw_pool(&app).await;
    app.eventually("a delivery failed on the network", || {
        let pool = pool.clone();
        async move {
            let errors: Vec<Option<String>> = sqlx::query_scalar(
                "SELECT last_error FROM signal_deliveries WHERE last_error IS NOT NULL",
            )
            .fetch_all(&pool)
            .await
            .unwrap();
            errors.iter().flatten().any(|e| e.contains("network"))
        }
    })
    .await;
    let token = app.emulator.token();
    let errors: Vec<String> =
        sqlx::query_scalar("SELECT last_error FROM signal_deliveries WHERE last_error IS NOT NULL")
            .fetch_all(&pool)
            .await
            .unwrap();
    for error in errors {
        assert!(
            !error.contains(&token),
            "stored error holds the token: {error}"
        );
    }
    pool.close().await;
    app.emulator.set_faults(Faults::default());
    let _ = other;
    app.stop().await;
    (token, chat)
}
