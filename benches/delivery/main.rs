//! Delivery benchmarks (issue 3): fan-out throughput and CPU, paced sending, ingest-to-send latency
//! and peak memory, the CSV export of a million deliveries (issue 18) and price alerts (issue 16) — against the Bot API emulator, with `herald serve` as its own process so its CPU
//! time and memory are measured alone. Run with `cargo bench --bench delivery`; the results are
//! printed as Markdown and written to `target/bench-results/delivery.md`.
//! `HERALD_BENCH_QUICK=1` runs smaller sizes (a smoke test).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alerts;
mod export;
mod harness;
mod scale;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use telegram_emulator::{Emulator, EmulatorConfig, EmulatorEvent, Limits};

use harness::{
    Database, Herald, ms, percentile, postgres_cpu, quick, seed, seeded_without_limits, until_sent,
};
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
    let (cpu_before, pg_before) = (herald.cpu(), postgres_cpu(backend));
    herald.post_signal().await;
    let (first, last) = until_sent(&emulator, 0, n as u64).await;
    let cpu = (herald.cpu() - cpu_before) + (postgres_cpu(backend) - pg_before);
    // n sends span n-1 intervals.
    let achieved = (n - 1) as f64 / (last - first).as_secs_f64();
    let counters = emulator.counters();
    writeln!(
        report,
        "| paced at {rate}/s (emulator enforcing {rate}/s) | {backend} | {n} | **{achieved:.2} msgs/s = {:.1} %** of the limit, **{} 429s**, busiest second {}; CPU (herald + database) **{:.2} CPU-s per 1,000 messages** |",
        achieved / f64::from(rate) * 100.0,
        counters.rate_limited,
        counters.max_sends_in_one_second,
        cpu.as_secs_f64() / n as f64 * 1000.0
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
        "scale",
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
            export::export(backend, &mut report).await;
        }
        if picks(&kinds, "alerts") {
            let sizes: &[usize] = if quick() {
                &[10_000]
            } else {
                &[10_000, 100_000]
            };
            for total in sizes {
                alerts::price_alerts(backend, *total, &mut report).await;
            }
        }
        if picks(&kinds, "scale") {
            let sizes: &[usize] = if quick() {
                &[20_000]
            } else {
                &[100_000, 1_000_000]
            };
            for n in sizes {
                scale::scale(backend, *n, &mut report).await;
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
