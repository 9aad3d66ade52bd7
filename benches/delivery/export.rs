//! The CSV export of a million deliveries (issue 18): rows per second and peak memory growth.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use sqlx::{Connection, Executor};
use telegram_emulator::{Emulator, EmulatorConfig};

use crate::harness::{API_KEY, Database, Herald, quick, rss_mb};

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
pub(crate) async fn export(backend: &str, report: &mut String) {
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
