//! Retention: the leader purges finished deliveries, audit rows, handled updates and chart
//! prices past their age; unfinished deliveries, recent rows and signals stay.

use chrono::{Duration, Utc};
use herald::signals::ingest::{Accepted, Ingest};
use herald::store::{AuditEvent, Backend, Store};
use telegram_emulator::{Emulator, EmulatorConfig};

use crate::both_backends;
use crate::harness::app::{TestApp, WAIT, buy_signal};
use crate::harness::db::TestDb;

const OLD: i64 = 1_577_836_800_000; // 2020-01-01

async fn signal(store: &Store) -> String {
    let ingest = Ingest::new(store.clone());
    match ingest.accept(buy_signal().to_string().as_bytes()).await {
        Ok(Accepted::Created(stored)) => stored.signal.id.to_string(),
        _ => panic!("signal accepted"),
    }
}

async fn delivery(store: &Store, signal: &str, status: &str, accepted_at: i64) {
    sqlx_exec(
        store,
        "INSERT INTO signal_deliveries (signal_id, status, lang, format, next_attempt_at, accepted_at) \
         VALUES ($1, $2, 'en', 'detailed', $3, $3)",
        signal,
        status,
        accepted_at,
    )
    .await;
}

async fn sqlx_exec(store: &Store, sql: &'static str, a: &str, b: &str, c: i64) {
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(store.url())
        .await
        .unwrap();
    sqlx::query(sql)
        .bind(a)
        .bind(b)
        .bind(c)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

async fn count(store: &Store, sql: &'static str) -> i64 {
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(store.url())
        .await
        .unwrap();
    let n = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
    pool.close().await;
    n
}

async fn purge_keeps_what_must_stay(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let signal = signal(&store).await;
    let now = Utc::now().timestamp_millis();
    delivery(&store, &signal, "sent", OLD).await;
    delivery(&store, &signal, "failed", OLD).await;
    delivery(&store, &signal, "pending", OLD).await;
    delivery(&store, &signal, "uncertain", OLD).await;
    delivery(&store, &signal, "sent", now).await;
    // Chart prices: one a month old, one fresh.
    let tick = |age: Duration| {
        (
            "BTC/USD".to_owned(),
            rust_decimal::Decimal::from(45_000),
            Utc::now() - age,
        )
    };
    store
        .save_prices(&[], &[tick(Duration::days(30)), tick(Duration::minutes(1))])
        .await
        .unwrap();
    let cutoff = Utc::now() - Duration::days(1);
    let purged = store
        .purge_expired(cutoff, cutoff, cutoff, cutoff)
        .await
        .unwrap();
    assert_eq!(purged.deliveries, 2);
    assert_eq!(purged.prices, 1);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM price_history").await, 1);
    let left: i64 = count(&store, "SELECT COUNT(*) FROM signal_deliveries").await;
    assert_eq!(left, 3, "unfinished and recent deliveries stay");
    assert_eq!(count(&store, "SELECT COUNT(*) FROM signals").await, 1);
    store.close().await;
}
both_backends!(
    purge_spares_unfinished_and_recent_rows,
    purge_keeps_what_must_stay
);

async fn leader_purges_on_election(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let signal = signal(&store).await;
    let now = Utc::now().timestamp_millis();
    delivery(&store, &signal, "sent", OLD).await;
    delivery(&store, &signal, "sent", now).await;
    store.audit(AuditEvent::audit("recent.event")).await;
    sqlx_exec(
        &store,
        "INSERT INTO audit_log (at, category, action, outcome, actor_kind) VALUES ($3, $1, $2, 'ok', 'system')",
        "audit",
        "old.event",
        OLD,
    )
    .await;
    let two_days_ago = now - 2 * 86_400_000;
    for (update_id, handled_at) in [("9000000001", two_days_ago), ("9000000002", now)] {
        sqlx_exec(
            &store,
            "INSERT INTO telegram_updates (update_id, payload, received_at, handled_at) \
             VALUES (CAST($1 AS BIGINT), $2, $3, $3)",
            update_id,
            "{}",
            handled_at,
        )
        .await;
    }
    store.close().await;

    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let app = TestApp::spawn_on(emulator, db, vec![]).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    // One purge deletes deliveries, then audit rows, then updates: wait for the last.
    while count(&app.store, "SELECT COUNT(*) FROM telegram_updates").await != 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "old rows were not purged"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        count(&app.store, "SELECT COUNT(*) FROM signal_deliveries").await,
        1
    );
    let audit: i64 = count(
        &app.store,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'old.event'",
    )
    .await;
    assert_eq!(audit, 0);
    let recent: i64 = count(
        &app.store,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'recent.event'",
    )
    .await;
    assert_eq!(recent, 1);
    let updates: Vec<i64> = {
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect(app.store.url())
            .await
            .unwrap();
        let ids = sqlx::query_scalar("SELECT update_id FROM telegram_updates ORDER BY update_id")
            .fetch_all(&pool)
            .await
            .unwrap();
        pool.close().await;
        ids
    };
    assert_eq!(updates, [9_000_000_002]);
    app.stop().await;
}
both_backends!(the_leader_purges_old_rows, leader_purges_on_election);
