//! Delivery benchmarks (issue 3): fan-out throughput and CPU, paced sending, ingest-to-send latency
//! and peak memory, the CSV export of a million deliveries (issue 18) and price alerts (issue 16) — against the Bot API emulator, with `herald serve` as its own process so its CPU
//! time and memory are measured alone. Run with `cargo bench --bench delivery`; the results are
//! printed as Markdown and written to `target/bench-results/delivery.md`.
//! `HERALD_BENCH_QUICK=1` runs smaller sizes (a smoke test).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::process::Stdio;
use std::time::{Duration, Instant};

use sqlx::{Connection, Executor};
use telegram_emulator::{Emulator, EmulatorConfig, EmulatorEvent, EmulatorHandle, Limits};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const API_KEY: &str = "bench-key-0123456789abcdef";

fn quick() -> bool {
    std::env::var("HERALD_BENCH_QUICK").is_ok()
}

struct Database {
    url: String,
    pg_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

fn postgres_admin_url() -> String {
    std::env::var("HERALD_TEST_POSTGRES_URL")
        // Over loopback TLS would only measure encryption, so the default turns it off.
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test?sslmode=disable".into())
}

impl Database {
    async fn new(backend: &str) -> Database {
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

    async fn drop_database(&self) {
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
async fn seed(db: &Database, emulator: &EmulatorHandle, n: usize) {
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

struct Herald {
    child: Child,
    api: String,
    /// One client, as a signal engine keeps: building one per request costs more than the
    /// request.
    client: reqwest::Client,
}

impl Herald {
    async fn start(emulator: &EmulatorHandle, db: &Database, global_rate: u32) -> Herald {
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

    fn pid(&self) -> u32 {
        self.child.id().unwrap()
    }

    /// User + system CPU time of the herald process.
    fn cpu(&self) -> Duration {
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

    fn peak_rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        let kb: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap();
        kb / 1024.0
    }

    async fn post_signal(&self) -> (Duration, Instant) {
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

    async fn stop(mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let _ = tokio::time::timeout(Duration::from_secs(20), self.child.wait()).await;
    }
}

/// Writes one signal and `n` sent deliveries of it straight into the database.
async fn seed_deliveries(db: &Database, n: usize) {
    let store = herald::store::Store::open(&db.url).await.unwrap();
    store.close().await;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&db.url).await.unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    conn.execute(sqlx::AssertSqlSafe(format!(
        "INSERT INTO signals (id, kind, asset, confidence, generated_at, accepted_at, body, request, recipients) \
         VALUES ('00000000-0000-7000-8000-000000000001', 'buy', 'BTC/USD', 85, {now}, {now}, '{{}}', '{{}}', {n})"
    )))
    .await
    .unwrap();
    let numbers = if db.pg_name.is_some() {
        format!("SELECT generate_series(1, {n}) AS n")
    } else {
        format!(
            "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {n}) SELECT n FROM seq"
        )
    };
    conn.execute(sqlx::AssertSqlSafe(format!(
        "INSERT INTO signal_deliveries (signal_id, chat_id, status, lang, format, attempts, \
         next_attempt_at, accepted_at, telegram_message_id, delivered_at, latency_ms) \
         SELECT '00000000-0000-7000-8000-000000000001', 700000000 + n, 'sent', 'en', 'detailed', 1, \
         {now}, {now}, n, {now} + 40, 40 FROM ({numbers}) AS numbers"
    )))
    .await
    .unwrap();
    // Fresh statistics, as autovacuum gathers them after a bulk load: without them PostgreSQL
    // guesses that few rows match and picks the wrong index.
    conn.execute("ANALYZE").await.unwrap();
}

/// `GET /api/export/deliveries.csv` of a million rows: rows per second, and how far herald's
/// resident memory rises above what it was before the request (sampled every 5 ms).
async fn export(backend: &str, report: &mut String) {
    let n: usize = if quick() { 50_000 } else { 1_000_000 };
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let db = Database::new(backend).await;
    seed_deliveries(&db, n).await;
    let herald = Herald::start(&emulator, &db, 30).await;
    let pid = herald.pid();
    let baseline = rss_mb(pid);
    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let sampling = sampling.clone();
        std::thread::spawn(move || {
            let mut peak: f64 = 0.0;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(rss_mb(pid));
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        })
    };
    let cpu_before = herald.cpu();
    let started = Instant::now();
    let mut response = herald
        .client
        .get(format!("{}/api/export/deliveries.csv", herald.api))
        .header("X-API-Key", API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (mut bytes, mut lines) = (0usize, 0usize);
    while let Some(chunk) = response.chunk().await.unwrap() {
        bytes += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count();
    }
    let elapsed = started.elapsed();
    let cpu = herald.cpu() - cpu_before;
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.join().unwrap();
    assert_eq!(lines, n + 1, "every row and the header");
    let rate = n as f64 / elapsed.as_secs_f64();
    writeln!(
        report,
        "| export deliveries.csv | {backend} | {n} rows | **{rate:.0} rows/s** ({:.0} MB in {:.2} s, herald CPU {:.2} s), RSS growth **{:.1} MB** ({baseline:.1} → {peak:.1} MB) |",
        bytes as f64 / 1e6,
        elapsed.as_secs_f64(),
        cpu.as_secs_f64(),
        peak - baseline
    )
    .unwrap();
    herald.stop().await;
    db.drop_database().await;
    emulator.stop().await;
}

/// Price alerts (issue 16): `total` armed alerts on 50 assets, of which 3,000 lie where the
/// prices will go (the rest far above, never reached), then 1,000 price updates, each firing about
/// three. Answers of `POST /api/prices`, the time from a POST to the first alert message it sent
/// (on updates spaced so the queue is empty), and herald's CPU per update.
async fn price_alerts(backend: &str, total: usize, report: &mut String) {
    const ASSETS: usize = 50;
    const FIRING: usize = 3_000;
    const UPDATES: usize = 1_000;
    // Alerts are read from the database at each price: written after Herald starts, they count.
    let (emulator, db, herald) = seeded_without_limits(backend, FIRING).await;
    let mut conn = sqlx::AnyConnection::connect(&db.url).await.unwrap();
    let users: Vec<(String, i64)> = sqlx::query_as("SELECT id, telegram_id FROM users ORDER BY id")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let now = chrono::Utc::now().timestamp_millis() - 60_000;
    let true_ = if backend == "sqlite" { "1" } else { "TRUE" };
    let rows: Vec<String> = (0..total)
        .map(|i| {
            let (user, chat) = &users[i % users.len()];
            let asset = i % ASSETS;
            // The firing ones: 60 per asset between 1000 and 1030, two per unit of price.
            let level = if i < FIRING {
                1000.0 + (i / ASSETS) as f64 * 0.5 + 0.25
            } else {
                1_000_000.0 + i as f64
            };
            format!(
                "('{}', '{user}', {chat}, 'A{asset}/USD', 'above', 'A{asset}/USD > {level}', '{level}', {level}, 'up', {true_}, {now})",
                uuid::Uuid::now_v7()
            )
        })
        .collect();
    for chunk in rows.chunks(1000) {
        let sql = format!(
            "INSERT INTO price_alerts (id, user_id, chat_id, asset, kind, spec, level, level_num, direction, strict, created_at) VALUES {}",
            chunk.join(",")
        );
        conn.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
    }
    if backend == "postgres" {
        conn.execute("ANALYZE price_alerts").await.unwrap();
    }
    drop(conn);
    let mut events = emulator.subscribe();
    let post = |asset: usize, price: f64| {
        let at = chrono::Utc::now().to_rfc3339();
        let body = format!(r#"{{"asset": "A{asset}/USD", "price": {price}, "at": "{at}"}}"#);
        let request = herald
            .client
            .post(format!("{}/api/prices", herald.api))
            .header("X-API-Key", API_KEY)
            .header("Content-Type", "application/json")
            .body(body)
            .send();
        async move {
            let started = Instant::now();
            let response = request.await.unwrap();
            assert_eq!(response.status(), 200);
            (started, started.elapsed())
        }
    };
    let cpu_before = herald.cpu();
    let mut answers = Vec::with_capacity(UPDATES);
    let mut first_sends = Vec::new();
    for k in 0..UPDATES {
        let asset = k % ASSETS;
        let step = k / ASSETS; // 0..20: each step raises the asset's price 1.5
        let price = 1000.0 + (step + 1) as f64 * 1.5;
        // Every 50th update waits for the queue to empty, then times its first message.
        let timed = k % 50 == 0;
        if timed {
            while events.try_recv().is_ok() {}
            tokio::time::sleep(Duration::from_millis(300)).await;
            while events.try_recv().is_ok() {}
        }
        let (started, answered) = post(asset, price).await;
        answers.push(answered);
        if timed {
            loop {
                match tokio::time::timeout(Duration::from_secs(5), events.recv()).await {
                    Ok(Ok(EmulatorEvent::MessageSent { .. })) => {
                        first_sends.push(started.elapsed());
                        break;
                    }
                    Ok(_) => {}
                    Err(_) => panic!("no alert message after a firing price"),
                }
            }
        }
    }
    let cpu = herald.cpu() - cpu_before;
    // Every firing alert's message arrives, once.
    let deadline = Instant::now() + Duration::from_secs(60);
    while emulator.counters().sends_ok < FIRING as u64 {
        assert!(
            Instant::now() < deadline,
            "only {} alerts sent",
            emulator.counters().sends_ok
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    answers.sort();
    first_sends.sort();
    writeln!(
        report,
        "| price alerts | {backend} | {total} alerts, 1,000 updates, {FIRING} fire | POST /api/prices p50 {:.1} ms, **p99 {:.1} ms**; POST → first alert sent p50 {:.1} ms, **max {:.1} ms** ({} samples); herald CPU **{:.2} ms per update** (sends included) |",
        ms(percentile(&answers, 0.5)),
        ms(percentile(&answers, 0.99)),
        ms(percentile(&first_sends, 0.5)),
        ms(*first_sends.last().unwrap()),
        first_sends.len(),
        cpu.as_secs_f64() * 1000.0 / UPDATES as f64,
    )
    .unwrap();
    assert_eq!(
        emulator.counters().sends_ok,
        FIRING as u64,
        "each alert fired once"
    );
    herald.stop().await;
    db.drop_database().await;
    emulator.stop().await;
}

/// The resident set of process `pid` now, in MB.
fn rss_mb(pid: u32) -> f64 {
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

fn clock_ticks() -> f64 {
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
async fn until_sent(emulator: &EmulatorHandle, base: u64, target: u64) -> (Instant, Instant) {
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

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// An emulator that enforces no limits, `n` subscribers and Herald running against both.
async fn seeded_without_limits(backend: &str, n: usize) -> (EmulatorHandle, Database, Herald) {
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

async fn fan_out(backend: &str, report: &mut String) {
    let n: usize = if quick() { 2_000 } else { 10_000 };
    let (emulator, db, herald) = seeded_without_limits(backend, n).await;
    let cpu_before = herald.cpu();
    let (accept, _) = herald.post_signal().await;
    let (first, last) = until_sent(&emulator, 0, n as u64).await;
    let cpu = herald.cpu() - cpu_before;
    let rate = n as f64 / (last - first).as_secs_f64();
    let cpu_per_1000 = cpu.as_secs_f64() * 1000.0 / n as f64 * 1000.0;
    writeln!(report, "| fan-out, limits lifted | {backend} | {n} | **{rate:.0} msgs/s**, herald CPU **{cpu_per_1000:.1} ms per 1,000 messages**, 202 in {:.1} ms |", accept.as_secs_f64() * 1000.0).unwrap();

    // Latency from the 202 to the first sendMessage, signal after signal.
    let runs = if quick() { 5 } else { 20 };
    let mut latencies = Vec::new();
    let mut accepts = Vec::new();
    for _ in 0..runs {
        // Herald keeps Telegram's one message per second per chat, and every chat here received
        // the previous signal; spacing the signals keeps that wait out of the measurement.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let base = emulator.counters().sends_ok;
        let mut events = emulator.subscribe();
        let (accept, answered) = herald.post_signal().await;
        let first_send = loop {
            match events.recv().await {
                Ok(EmulatorEvent::MessageSent { .. }) => break Instant::now(),
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(err) => panic!("{err}"),
            }
        };
        latencies.push(first_send.saturating_duration_since(answered));
        accepts.push(accept);
        until_sent(&emulator, base, n as u64).await;
    }
    latencies.sort();
    accepts.sort();
    writeln!(
        report,
        "| 202 → first sendMessage | {backend} | {n} | p50 **{:.1} ms**, p99 **{:.1} ms**; the 202 itself p50 {:.1} ms, p99 {:.1} ms ({runs} signals) |",
        ms(percentile(&latencies, 0.5)), ms(percentile(&latencies, 0.99)),
        ms(percentile(&accepts, 0.5)), ms(percentile(&accepts, 0.99))
    )
    .unwrap();
    herald.stop().await;
    emulator.stop().await;
    db.drop_database().await;
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn paced(backend: &str, rate: u32, limits: Limits, n: usize, report: &mut String) {
    let emulator = Emulator::start(EmulatorConfig {
        limits,
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let db = Database::new(backend).await;
    seed(&db, &emulator, n).await;
    let herald = Herald::start(&emulator, &db, rate).await;
    herald.post_signal().await;
    let (first, last) = until_sent(&emulator, 0, n as u64).await;
    // n sends span n-1 intervals.
    let achieved = (n - 1) as f64 / (last - first).as_secs_f64();
    let counters = emulator.counters();
    writeln!(
        report,
        "| paced at {rate}/s (emulator enforcing {rate}/s) | {backend} | {n} | **{achieved:.2} msgs/s = {:.1} %** of the limit, **{} 429s**, busiest second {} |",
        achieved / f64::from(rate) * 100.0,
        counters.rate_limited,
        counters.max_sends_in_one_second
    )
    .unwrap();
    herald.stop().await;
    emulator.stop().await;
    db.drop_database().await;
}

async fn memory(backend: &str, report: &mut String) {
    let n: usize = if quick() { 10_000 } else { 100_000 };
    let (emulator, db, herald) = seeded_without_limits(backend, n).await;
    let (accept, _) = herald.post_signal().await;
    let (first, last) = until_sent(&emulator, 0, n as u64).await;
    writeln!(
        report,
        "| broadcast to {n} subscribers | {backend} | {n} | peak RSS **{:.1} MB**; 202 in {:.0} ms; {:.0} msgs/s |",
        herald.peak_rss_mb(),
        ms(accept),
        n as f64 / (last - first).as_secs_f64()
    )
    .unwrap();
    herald.stop().await;
    emulator.stop().await;
    db.drop_database().await;
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for a list; this is not a libtest harness.
    }
    let mut report =
        String::from("| benchmark | database | recipients | result |\n|---|---|---|---|\n");
    // `HERALD_BENCH_ONLY=postgres,fan-out` runs a subset: backends and/or benchmark names; a
    // group nobody named runs whole.
    let only = std::env::var("HERALD_BENCH_ONLY").unwrap_or_default();
    let wanted: Vec<&str> = only.split(',').filter(|w| !w.is_empty()).collect();
    let picks = |choices: &[&str], choice: &str| {
        !choices.iter().any(|c| wanted.contains(c)) || wanted.contains(&choice)
    };
    let kinds = [
        "fan-out",
        "paced-30",
        "paced-1000",
        "memory",
        "export",
        "alerts",
    ];
    for backend in ["sqlite", "postgres"] {
        if !picks(&["sqlite", "postgres"], backend) {
            continue;
        }
        if picks(&kinds, "fan-out") {
            fan_out(backend, &mut report).await;
        }
        if picks(&kinds, "paced-30") {
            let n = if quick() { 120 } else { 900 };
            paced(backend, 30, Limits::telegram(), n, &mut report).await;
        }
        if picks(&kinds, "paced-1000") {
            let n = if quick() { 2_000 } else { 10_000 };
            paced(backend, 1000, Limits::paid_broadcast(), n, &mut report).await;
        }
        if picks(&kinds, "memory") {
            memory(backend, &mut report).await;
        }
        if picks(&kinds, "export") {
            export(backend, &mut report).await;
        }
        if picks(&kinds, "alerts") {
            let sizes: &[usize] = if quick() {
                &[10_000]
            } else {
                &[10_000, 100_000]
            };
            for total in sizes {
                price_alerts(backend, *total, &mut report).await;
            }
        }
        eprintln!("{backend} done");
    }
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let header = format!(
        "Measured {} with `cargo bench --bench delivery` on {cpus} CPUs; herald runs as its own release-built process, the emulator in the bench process.\n\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    let text = format!("{header}{report}");
    println!("{text}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-results");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("delivery.md"), text).unwrap();
}
