//! Herald as a real OS process (`herald serve`), for tests that kill it mid-work, signal it, or
//! run replicas.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use herald::domain::i18n::Lang;
use herald::store::{NewUser, Store};
use telegram_emulator::EmulatorHandle;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::Notify;

use super::app::{API_KEY, WAIT};

pub struct HeraldProcess {
    child: Child,
    pub api: String,
    log: Arc<Mutex<Vec<serde_json::Value>>>,
    logged: Arc<Notify>,
}

impl HeraldProcess {
    /// Herald on `emulator` and the database at `database_url`, with the test API key.
    pub async fn start(
        emulator: &EmulatorHandle,
        database_url: &str,
        extra_env: &[(&str, String)],
    ) -> HeraldProcess {
        let mut env = vec![
            ("HERALD_TELEGRAM_TOKEN", emulator.token()),
            ("HERALD_TELEGRAM_API_URL", emulator.base_url()),
            ("HERALD_DATABASE_URL", database_url.to_owned()),
            ("HERALD_API_KEYS", API_KEY.to_owned()),
        ];
        env.extend(extra_env.iter().cloned());
        Self::spawn(None, &env).await
    }

    /// A replica named `name` (its `HOSTNAME`, the prefix of its warnings and errors echoed to
    /// the test's output), configured by `env` alone.
    pub async fn start_named(name: &str, env: &[(&str, String)]) -> HeraldProcess {
        Self::spawn(Some(name), env).await
    }

    /// Starts `herald serve` and returns once it listens and reports ready.
    async fn spawn(name: Option<&str>, env: &[(&str, String)]) -> HeraldProcess {
        let mut command = Command::new(env!("CARGO_BIN_EXE_herald"));
        command
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HERALD_LISTEN", "127.0.0.1:0")
            .env("HERALD_METRICS_LISTEN", "off")
            .env("HERALD_LOG_FORMAT", "json")
            .env("HERALD_CONFIG", "/nonexistent/herald.toml")
            .env("HERALD_ENCRYPTION_KEY", super::app::ENCRYPTION_KEY)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(name) = name {
            command.env("HOSTNAME", name);
        }
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("herald binary starts");
        let stderr = child.stderr.take().expect("stderr piped");
        let log: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
        let logged = Arc::new(Notify::new());
        let (log_writer, notify) = (log.clone(), logged.clone());
        let prefix = name.map(str::to_owned);
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let value = serde_json::from_str(&line).unwrap_or(serde_json::Value::String(line));
                if let Some(prefix) = &prefix
                    && matches!(value["level"].as_str(), Some("WARN" | "ERROR"))
                {
                    eprintln!("[{prefix}] {value}");
                }
                log_writer.lock().unwrap().push(value);
                notify.notify_waiters();
            }
        });
        let mut process = HeraldProcess {
            child,
            api: String::new(),
            log,
            logged,
        };
        let listening = process.wait_for_log("listening").await;
        let address = listening["address"]
            .as_str()
            .expect("listening line has the address");
        process.api = format!("http://{address}");
        process.wait_ready().await;
        process
    }

    async fn wait_ready(&self) {
        let client = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Ok(response) = client.get(format!("{}/api/ready", self.api)).send().await
                && response.status().is_success()
            {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} never became ready",
                self.api
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn find(&self, message: &str) -> Option<serde_json::Value> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .find(|line| {
                line["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(message))
            })
            .cloned()
    }

    /// Waits until the process logs a line whose message contains `message`.
    pub async fn wait_for_log(&self, message: &str) -> serde_json::Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let notified = self.logged.notified();
            if let Some(line) = self.find(message) {
                return line;
            }
            let log = self.log.lock().unwrap().clone();
            assert!(
                tokio::time::Instant::now() < deadline,
                "herald never logged {message:?}; log: {log:#?}"
            );
            let _ = tokio::time::timeout(Duration::from_millis(200), notified).await;
        }
    }

    pub fn is_leader(&self) -> bool {
        self.find("elected leader").is_some()
    }

    /// SIGHUP: reload the configuration.
    pub fn hangup(&self) {
        self.signal("-HUP");
    }

    /// SIGKILL: no chance to finish anything.
    pub async fn kill(mut self) {
        self.child.start_kill().expect("kill");
        let _ = self.child.wait().await;
    }

    /// SIGTERM, then the exit status (it must come within the grace period Kubernetes gives).
    pub async fn terminate(mut self) -> std::process::ExitStatus {
        self.signal("-TERM");
        tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("exits within 30 s of SIGTERM")
            .expect("wait")
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.id().expect("running").to_string();
        let status = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }
}

/// `n` users who are subscribed and past the disclaimer, written straight to the store (the bot
/// conversation that gets them there has its own tests); returns their chat ids.
pub async fn seed_subscribers(store: &Store, emulator: &EmulatorHandle, n: usize) -> Vec<i64> {
    let now = Utc::now();
    let mut chats = Vec::with_capacity(n);
    for i in 0..n {
        let user = emulator.create_user(&format!("User{i}"), None, Some("en"));
        let new = NewUser {
            telegram_id: user.id,
            username: None,
            first_name: Some(format!("User{i}")),
            last_name: None,
            language_code: Some("en".into()),
        };
        let (stored, _) = store
            .upsert_user(&new, Lang::En, now)
            .await
            .expect("seed user");
        store
            .accept_disclaimer(stored.id, now)
            .await
            .expect("accept");
        store
            .set_subscribed(stored.id, true, now)
            .await
            .expect("subscribe");
        chats.push(user.id);
    }
    chats
}
