//! `TestApp`: the whole of Herald on port 0, with its own Bot API emulator and its own database.

use std::collections::HashMap;
use std::time::Duration;

use herald::app::App;
use herald::config::{Config, Sources};
use herald::store::{Backend, Store};
use reqwest::StatusCode;
use serde_json::Value;
use telegram_emulator::{ChatMessage, Emulator, EmulatorConfig, EmulatorHandle, Limits};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::db::TestDb;

pub const API_KEY: &str = "test-key-0123456789abcdef";
/// The encryption key every PostgreSQL test app gets (Herald refuses to start on PostgreSQL without one).
pub const ENCRYPTION_KEY: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";
pub const WAIT: Duration = Duration::from_secs(15);

pub struct TestApp {
    pub api: String,
    /// The metrics listener (`HERALD_METRICS_LISTEN`), where `/metrics` is.
    pub metrics: String,
    pub emulator: EmulatorHandle,
    pub store: Store,
    pub client: reqwest::Client,
    shutdown: CancellationToken,
    task: Option<JoinHandle<anyhow::Result<()>>>,
    // Dropped last: the database outlives the app.
    pub db: TestDb,
}

pub struct Options {
    pub limits: Limits,
    pub env: Vec<(&'static str, String)>,
    /// The text of a `herald.toml` (plans, tiers: what only the file can hold).
    pub file: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            limits: Limits::telegram(),
            env: Vec::new(),
            file: None,
        }
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, Options::default()).await
    }

    pub async fn spawn_with(backend: Backend, options: Options) -> TestApp {
        let emulator = Emulator::start(EmulatorConfig {
            limits: options.limits,
            // Mini Apps at the app's own http://127.0.0.1 address, as Telegram's test servers allow.
            test_environment: true,
            ..EmulatorConfig::default()
        })
        .await
        .expect("emulator starts");
        let db = TestDb::new(backend).await;
        Self::spawn_configured(emulator, db, options.env, options.file).await
    }

    /// Another Herald process on the same emulator and database (replicas).
    pub async fn spawn_on(
        emulator: EmulatorHandle,
        db: TestDb,
        extra_env: Vec<(&'static str, String)>,
    ) -> TestApp {
        Self::spawn_configured(emulator, db, extra_env, None).await
    }

    /// As `spawn_on`, with a `herald.toml` as well. `{api}` in an env value stands for the
    /// app's own address (known once its listener is bound), e.g. for `HERALD_PUBLIC_URL`.
    pub async fn spawn_configured(
        emulator: EmulatorHandle,
        db: TestDb,
        extra_env: Vec<(&'static str, String)>,
        file: Option<String>,
    ) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let api = format!("http://{}", listener.local_addr().expect("addr"));
        let mut env: HashMap<String, String> = HashMap::from([
            ("HERALD_TELEGRAM_TOKEN".to_owned(), emulator.token()),
            ("HERALD_TELEGRAM_API_URL".to_owned(), emulator.base_url()),
            ("HERALD_DATABASE_URL".to_owned(), db.url.clone()),
            ("HERALD_API_KEYS".to_owned(), API_KEY.to_owned()),
            ("HERALD_LISTEN".to_owned(), "127.0.0.1:0".to_owned()),
        ]);
        if db.backend == Backend::Postgres {
            env.insert(
                "HERALD_ENCRYPTION_KEY".to_owned(),
                ENCRYPTION_KEY.to_owned(),
            );
        }
        for (name, value) in extra_env {
            env.insert(name.to_owned(), value.replace("{api}", &api));
        }
        let lookup = move |name: &str| env.get(name).cloned();
        let config = Config::load(Sources {
            env: &lookup,
            file,
            stdout_is_terminal: false,
        })
        .expect("test config is valid");
        let app = App::build(config).await.expect("app builds");
        let store = app.store.clone();
        let metrics_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let metrics = format!("http://{}", metrics_listener.local_addr().expect("addr"));
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(app.run(listener, Some(metrics_listener), shutdown.clone()));
        TestApp {
            api,
            metrics,
            emulator,
            store,
            client: reqwest::Client::new(),
            shutdown,
            task: Some(task),
            db,
        }
    }

    pub async fn post_signal(&self, body: &Value) -> (StatusCode, Value) {
        self.post_raw("/api/signals", Some(API_KEY), body.to_string())
            .await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        key: Option<&str>,
        body: String,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .post(format!("{}{path}", self.api))
            .header("content-type", "application/json")
            .body(body);
        if let Some(key) = key {
            request = request.header("X-API-Key", key);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// `/metrics` from the metrics listener, as Prometheus text.
    pub async fn metrics_text(&self) -> String {
        let response = self
            .client
            .get(format!("{}/metrics", self.metrics))
            .send()
            .await
            .expect("metrics listener answers");
        assert_eq!(response.status(), StatusCode::OK);
        response.text().await.expect("metrics text")
    }

    pub async fn get(&self, path: &str, key: Option<&str>) -> (StatusCode, Value) {
        let mut request = self.client.get(format!("{}{path}", self.api));
        if let Some(key) = key {
            request = request.header("X-API-Key", key);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// A user who has done /start, accepted the disclaimer and /subscribe'd; returns the chat id.
    pub async fn subscribed_user(&self, name: &str, language: &str) -> i64 {
        let user = self
            .emulator
            .create_user(name, Some(&name.to_lowercase()), Some(language));
        let chat = user.id;
        self.emulator.send_text(chat, chat, "/start");
        let messages = self.wait_for(chat, 2).await;
        let (message_id, data) = messages
            .iter()
            .find_map(|m| {
                callback_data(m)
                    .into_iter()
                    .find(|d| d.starts_with("disclaimer:"))
                    .map(|d| (m.message_id, d))
            })
            .expect("the disclaimer has an accept button");
        self.emulator
            .press_button(chat, chat, message_id, &data)
            .expect("press");
        self.emulator.send_text(chat, chat, "/subscribe");
        let messages = self.wait_for(chat, 3).await;
        assert!(
            messages[2]
                .plain_text
                .as_deref()
                .unwrap_or_default()
                .starts_with("🔔"),
            "{:?}",
            messages[2]
        );
        chat
    }

    /// Waits (on emulator notifications, not sleeps) until the chat holds `count` bot messages.
    pub async fn wait_for(&self, chat: i64, count: usize) -> Vec<ChatMessage> {
        self.emulator
            .wait_for_messages(chat, count, WAIT)
            .await
            .unwrap_or_else(|err| {
                panic!(
                    "chat {chat} did not get {count} messages: {err:?}; it has {:#?}",
                    self.emulator.messages(chat)
                )
            })
    }

    /// Polls `check` until it holds (for state with no event to wait on, e.g. a database row).
    pub async fn eventually<F, Fut>(&self, what: &str, check: F)
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !check().await {
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until no delivery is pending, sending or uncertain (failed sends back off for up
    /// to about a minute before giving up, so allow that long).
    pub async fn drain(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            if super::db::settled(&self.store).await {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "delivery queue did not drain"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            task.await.expect("app task").expect("app exits cleanly");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub fn callback_data(message: &ChatMessage) -> Vec<String> {
    message
        .reply_markup
        .as_ref()
        .and_then(|markup| markup.get("inline_keyboard"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .filter_map(|button| {
            button
                .get("callback_data")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect()
}

pub fn buy_signal() -> Value {
    serde_json::json!({
        "type": "buy", "asset": "BTC/USD", "entry_price": 45250, "target_price": 46500,
        "stop_loss": 44500, "timeframe": "1H", "confidence": 85, "source_model": "lstm-v3",
        "market_context": "Trending, high volume",
        "notes": ["Strong bullish momentum detected", "Breaking above key resistance level", "Increasing volume supporting the move"],
        "generated_at": "2023-06-15T14:30:45Z"
    })
}
