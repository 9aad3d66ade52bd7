//! Nothing personal in the logs (STACK P11): a whole session — registration, a delivered signal,
//! a blocked bot, dropped connections to Telegram, a bad login — is logged, and neither the log nor
//! the stored errors hold a name, a username, a Telegram id or the bot token.

use std::io::Write;
use std::sync::{Arc, Mutex};

use herald::store::Backend;
use reqwest::StatusCode;
use telegram_emulator::Faults;

use crate::harness::app::buy_signal;
use crate::security_support::{login, raw_pool, spawn_secure};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[test]
fn logs_hold_nothing_personal() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(true)
        .with_env_filter("debug,telegram_emulator=off,hyper=info,hyper_util=info,h2=info")
        .with_writer(move || writer.clone())
        .finish();
    // One thread, so every task of the app logs into this subscriber.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _guard = tracing::subscriber::set_default(subscriber);
    let (token, chat) = runtime.block_on(session(captured.clone()));

    let log = captured.text();
    assert!(log.contains("signal accepted"), "the session was logged");
    assert!(log.contains("auth.login"), "security events are logged");
    assert!(
        log.contains("blocked the bot"),
        "Telegram's refusals are logged"
    );
    let secret = token.split_once(':').unwrap().1.to_owned();
    for forbidden in [
        token.as_str(),
        secret.as_str(),
        "Quentinius",
        "quentinius",
        "Rosalindia",
        &chat.to_string(),
    ] {
        if let Some(line) = log.lines().find(|line| line.contains(forbidden)) {
            panic!("the log holds {forbidden:?}: {line}");
        }
    }
}

async fn session(_captured: Captured) -> (String, i64) {
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
