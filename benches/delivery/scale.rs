//! Scale (issue 15): 100,000 and 1,000,000 subscribers. The 202 and the first sendMessage of
//! signal after signal, how long the background fan-out takes to write a signal's rows, the
//! fan-out rate and its CPU (Herald and PostgreSQL together), and Herald's peak memory.
//!
//! Between the measured signals the previous broadcast is called off (its job closed, its unsent
//! rows skipped straight in the database), so each signal meets an idle dispatcher as a signal
//! after a quiet spell does; the full broadcast is measured once, on the first signal.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use sqlx::{Connection, Executor, Row};
use telegram_emulator::EmulatorEvent;

use crate::harness::{ms, percentile, postgres_cpu, quick, seeded_without_limits, until_sent};

pub(crate) async fn scale(backend: &str, n: usize, report: &mut String) {
    let (emulator, db, herald) = seeded_without_limits(backend, n).await;
    let mut conn = sqlx::AnyConnection::connect(&db.url).await.unwrap();

    // The first signal goes out whole: fan-out rate and CPU per message.
    let (cpu_before, pg_before) = (herald.cpu(), postgres_cpu(backend));
    let (accept, answered) = herald.post_signal().await;
    let written = wait_written(&mut conn).await;
    let expansion = written.saturating_duration_since(answered);
    let full = !quick() && n <= 100_000;
    if full {
        let (first, last) = until_sent(&emulator, 0, n as u64).await;
        let cpu = (herald.cpu() - cpu_before) + (postgres_cpu(backend) - pg_before);
        let rate = n as f64 / (last - first).as_secs_f64();
        let cpu_per_1000 = cpu.as_secs_f64() / n as f64 * 1000.0;
        writeln!(report, "| fan-out, limits lifted | {backend} | {n} | **{rate:.0} msgs/s**; CPU (herald + database) **{cpu_per_1000:.2} CPU-s per 1,000 messages**; rows written {:.1} s after the 202; 202 in {:.1} ms |", expansion.as_secs_f64(), ms(accept)).unwrap();
    } else {
        writeln!(
            report,
            "| fan-out written | {backend} | {n} | all {n} rows written **{:.1} s** after the 202 (sending meanwhile); 202 in {:.1} ms |",
            expansion.as_secs_f64(),
            ms(accept)
        )
        .unwrap();
    }
    call_off(&mut conn).await;
    wait_idle(&mut conn).await;

    let runs = if quick() { 5 } else { 20 };
    let (mut accepts, mut firsts) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        // One message per second per chat: the first chunk's chats got the previous signal.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let mut events = emulator.subscribe();
        let (accept, answered) = herald.post_signal().await;
        let posted = answered - accept;
        let first_send = loop {
            match events.recv().await {
                Ok(EmulatorEvent::MessageSent { .. }) => break Instant::now(),
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(err) => panic!("{err}"),
            }
        };
        accepts.push(accept);
        firsts.push(first_send.saturating_duration_since(posted));
        call_off(&mut conn).await;
        wait_idle(&mut conn).await;
    }
    accepts.sort();
    firsts.sort();
    writeln!(
        report,
        "| POST → 202, POST → first sendMessage | {backend} | {n} | 202 p50 {:.1} ms, **p99 {:.1} ms**; first send p50 {:.1} ms, **p99 {:.1} ms** ({runs} signals); herald peak RSS **{:.0} MB** |",
        ms(percentile(&accepts, 0.5)),
        ms(percentile(&accepts, 0.99)),
        ms(percentile(&firsts, 0.5)),
        ms(percentile(&firsts, 0.99)),
        herald.peak_rss_mb()
    )
    .unwrap();
    conn.close().await.unwrap();
    herald.stop().await;
    emulator.stop().await;
    db.drop_database().await;
}

/// When every open fan-out has all its rows.
async fn wait_written(conn: &mut sqlx::AnyConnection) -> Instant {
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        let open: i64 = conn
            .fetch_one("SELECT COUNT(*) AS n FROM fanout_jobs WHERE phase < 2")
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
        if open == 0 {
            return Instant::now();
        }
        assert!(Instant::now() < deadline, "fan-out never finished");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Ends the broadcast in progress: no more rows written, none of the written ones sent.
async fn call_off(conn: &mut sqlx::AnyConnection) {
    conn.execute("UPDATE fanout_jobs SET phase = 2 WHERE phase < 2")
        .await
        .unwrap();
    conn.execute(
        "UPDATE signal_deliveries SET status = 'skipped', skip_reason = 'bench' \
         WHERE status IN ('pending', 'uncertain')",
    )
    .await
    .unwrap();
    // Called off at once, a million rows leave as many dead entries in the queue's index; a
    // broadcast that ran its course leaves them over hours, which autovacuum keeps up with.
    if conn.backend_name() == "PostgreSQL" {
        conn.execute("VACUUM (ANALYZE) signal_deliveries")
            .await
            .unwrap();
    }
}

/// Until nothing is in flight.
async fn wait_idle(conn: &mut sqlx::AnyConnection) {
    loop {
        let busy: i64 = conn
            .fetch_one("SELECT COUNT(*) AS n FROM signal_deliveries WHERE status = 'sending'")
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
        if busy == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
