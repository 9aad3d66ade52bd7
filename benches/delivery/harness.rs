//! What every delivery benchmark shares: a database of its own on either backend, subscribers
//! seeded straight into it, `herald serve` as its own process (CPU and memory measured from
//! /proc), and the arithmetic of the report.

use std::fmt::Write as _;
use std::process::Stdio;
use std::time::{Duration, Instant};

use sqlx::{Connection, Executor};
use telegram_emulator::{Emulator, EmulatorConfig, EmulatorHandle, Limits};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub(crate) const API_KEY: &str = "bench-key-0123456789abcdef";

pub(crate) fn quick() -> bool {
    std::env::var("HERALD_BENCH_QUICK").is_ok()
}

pub(crate) struct Database {
    pub(crate) url: String,
    pub(crate) pg_name: Option<String>,
    pub(crate) _dir: Option<tempfile::TempDir>,
}

pub(crate) fn postgres_admin_url() -> String {
    std::env::var("HERALD_TEST_POSTGRES_URL")
        // Over loopback TLS would only measure encryption, so the default turns it off.
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test?sslmode=disable".into())
}

impl Database {
    pub(crate) async fn new(backend: &str) -> Database {
        if backend == "sqlite" {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("bench.db").display());
            Database {
                url,
                pg_name: None,
                _dir: Some(dir),
            }
        } else {
            let admin = postgres_admin_url();
            let name = format!("herald_bench_{}", uuid::Uuid::new_v4().simple());
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
            conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .await
                .unwrap();
            // Options such as `?sslmode=disable` carry over to the bench database.
            let (address, options) = admin.split_once('?').unwrap_or((&admin, ""));
            let (base, _) = address.rsplit_once('/').unwrap();
            let options = if options.is_empty() {
                String::new()
            } else {
                format!("?{options}")
            };
            Database {
                url: format!("{base}/{name}{options}"),
                pg_name: Some(name),
                _dir: None,
            }
        }
    }

    pub(crate) async fn drop_database(&self) {
        if let Some(name) = &self.pg_name {
            let mut conn = sqlx::PgConnection::connect(&postgres_admin_url())
                .await
                .unwrap();
            conn.execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .await
            .unwrap();
        }
    }
}

/// Writes `n` subscribed users straight into the database (multi-row inserts), as chats the
/// emulator knows.
pub(crate) async fn seed(db: &Database, emulator: &EmulatorHandle, n: usize) {
    let store = herald::store::Store::open(&db.url).await.unwrap();
    store.close().await;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&db.url).await.unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let ids: Vec<i64> = (0..n)
        .map(|i| emulator.create_user(&format!("U{i}"), None, Some("en")).id)
        .collect();
    for chunk in ids.chunks(1000) {
        let mut users = String::from(
            "INSERT INTO users (id, telegram_id, first_name, created_at, disclaimer_accepted_at) VALUES ",
        );
        let mut prefs = String::from(
            "INSERT INTO user_preferences (user_id, signal_types, updated_at) VALUES ",
        );
        let mut subs = String::from(
            "INSERT INTO user_subscriptions (user_id, subscription_type, started_at, is_active) VALUES ",
        );
        for (i, chat) in chunk.iter().enumerate() {
            let id = uuid::Uuid::now_v7();
            let sep = if i == 0 { "" } else { "," };
            write!(users, "{sep}('{id}', {chat}, 'U{chat}', {now}, {now})").unwrap();
            write!(
                prefs,
                r#"{sep}('{id}', '{{"buy":"on","sell":"on","close":"on","alert":"on"}}', {now})"#
            )
            .unwrap();
            write!(subs, "{sep}('{id}', 'free', {now}, TRUE)").unwrap();
        }
        for sql in [users, prefs, subs] {
            conn.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
        }
    }
}

pub(crate) struct Herald {
    pub(crate) child: Child,
    pub(crate) api: String,
    /// One client, as a signal engine keeps: building one per request costs more than the
    /// request.
    pub(crate) client: reqwest::Client,
}

impl Herald {
    pub(crate) async fn start(
        emulator: &EmulatorHandle,
        db: &Database,
        global_rate: u32,
    ) -> Herald {
        let mut child = Command::new(env!("CARGO_BIN_EXE_herald"))
            .arg("serve")
            .env_clear()
            .env("HERALD_TELEGRAM_TOKEN", emulator.token())
            .env("HERALD_TELEGRAM_API_URL", emulator.base_url())
            .env("HERALD_DATABASE_URL", &db.url)
            .env("HERALD_API_KEYS", API_KEY)
            .env("HERALD_LISTEN", "127.0.0.1:0")
            .env("HERALD_METRICS_LISTEN", "off")
            .env("HERALD_GLOBAL_RATE", global_rate.to_string())
            .env("HERALD_LOG_FORMAT", "json")
            .env("HERALD_CONFIG", "/nonexistent/herald.toml")
            .env(
                "HERALD_ENCRYPTION_KEY",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            )
            .env(
                "RUST_LOG",
                std::env::var("HERALD_BENCH_RUST_LOG").unwrap_or("warn,herald=info".into()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut api = None;
        let mut leader = false;
        while api.is_none() || !leader {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .expect("herald exited early");
            let value: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
            let message = value["message"].as_str().unwrap_or_default();
            if message == "listening" {
                api = value["address"].as_str().map(|a| format!("http://{a}"));
            }
            leader |= message.contains("elected leader");
        }
        let echo = std::env::var("HERALD_BENCH_ECHO").is_ok();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                if echo {
                    eprintln!("{line}");
                }
            }
        });
        // The new leader waits out Telegram's one-second rate window before its first send.
        tokio::time::sleep(Duration::from_millis(1200)).await;
        Herald {
            child,
            api: api.unwrap(),
            client: reqwest::Client::new(),
        }
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id().unwrap()
    }

    /// User + system CPU time of the herald process.
    pub(crate) fn cpu(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap();
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .unwrap()
            .1
            .split_whitespace()
            .collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        Duration::from_secs_f64(ticks as f64 / clock_ticks())
    }

    pub(crate) fn peak_rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        let kb: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap();
        kb / 1024.0
    }

    pub(crate) async fn post_signal(&self) -> (Duration, Instant) {
        let body = serde_json::json!({
            "type": "buy", "asset": "BTC/USD", "entry_price": 45250, "target_price": 46500,
            "stop_loss": 44500, "timeframe": "1H", "confidence": 85, "source_model": "lstm-v3",
            "market_context": "Trending, high volume",
            "notes": ["Strong bullish momentum detected", "Breaking above key resistance level"]
        });
        let started = Instant::now();
        let response = self
            .client
            .post(format!("{}/api/signals", self.api))
            .header("X-API-Key", API_KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            202,
            "{}",
            response.text().await.unwrap_or_default()
        );
        (started.elapsed(), Instant::now())
    }

    pub(crate) async fn stop(mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let _ = tokio::time::timeout(Duration::from_secs(20), self.child.wait()).await;
    }
}

/// The resident set of process `pid` now, in MB.
pub(crate) fn rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .unwrap_or(0.0)
        / 1024.0
}

/// User + system CPU time of every PostgreSQL process (the server's share of a benchmark run);
/// zero for SQLite, whose work is done inside herald.
pub(crate) fn postgres_cpu(backend: &str) -> Duration {
    if backend != "postgres" {
        return Duration::ZERO;
    }
    let mut ticks = 0u64;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some((name, rest)) = stat.split_once(" (").and_then(|(_, r)| r.rsplit_once(')')) else {
            continue;
        };
        if !name.starts_with("postgres") {
            continue;
        }
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if let (Some(user), Some(system)) = (fields.get(11), fields.get(12)) {
            ticks += user.parse::<u64>().unwrap_or(0) + system.parse::<u64>().unwrap_or(0);
        }
    }
    Duration::from_secs_f64(ticks as f64 / clock_ticks())
}

pub(crate) fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// Waits until the emulator counted `target` successful sends; returns when the first and the
/// last of them happened (sampled every 2 ms).
pub(crate) async fn until_sent(
    emulator: &EmulatorHandle,
    base: u64,
    target: u64,
) -> (Instant, Instant) {
    let mut first = None;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let counters = emulator.counters();
        let sent = counters.sends_ok - base;
        if sent > 0 && first.is_none() {
            first = Some(Instant::now());
        }
        if sent >= target {
            return (first.unwrap(), Instant::now());
        }
        assert!(Instant::now() < deadline, "stalled at {sent}/{target}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// An emulator that enforces no limits, `n` subscribers and Herald running against both.
pub(crate) async fn seeded_without_limits(
    backend: &str,
    n: usize,
) -> (EmulatorHandle, Database, Herald) {
    let emulator = Emulator::start(EmulatorConfig {
        limits: Limits::unlimited(),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let db = Database::new(backend).await;
    seed(&db, &emulator, n).await;
    let herald = Herald::start(&emulator, &db, 100_000).await;
    (emulator, db, herald)
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
