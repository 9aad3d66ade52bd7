//! Price alerts (issue 16): answer time, the first alert's departure, CPU per price update.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use sqlx::{Connection, Executor};
use telegram_emulator::EmulatorEvent;

use crate::harness::{API_KEY, ms, percentile, seeded_without_limits};

/// Price alerts (issue 16): `total` armed alerts on 50 assets, of which 3,000 lie where the
/// prices will go (the rest far above, never reached), then 1,000 price updates, each firing about
/// three. Answers of `POST /api/prices`, the time from a POST to the first alert message it sent
/// (on updates spaced so the queue is empty), and herald's CPU per update.
pub(crate) async fn price_alerts(backend: &str, total: usize, report: &mut String) {
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
