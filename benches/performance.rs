//! Performance statistics benchmark: `cargo bench --bench performance`.
//!
//! Measures what the issue promises and writes the numbers to `docs/benchmarks.md` (section
//! "Performance statistics"):
//! - statistics (overall + every breakdown, and the overall figures alone) over 1,000,000
//!   closed signals: target ≤ 1 s;
//! - what the performance category adds to ingest: a warm lookup through `SimilarCache` (the
//!   exact call `Ingest::accept` makes), target ≤ 1 ms; plus the pure index lookup and the
//!   one-off load from the database, for context.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use herald::domain::performance::{
    ClosedTrade, Direction, OutcomeReason, SimilarIndex, Tally, figures, summarize,
};
use herald::domain::signal::{Price, Timeframe, parse_signal};
use herald::signals::SimilarCache;
use herald::store::{NewOutcome, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

const TRADES: usize = 1_000_000;
const RUNS: usize = 5;
const MODELS: usize = 10;
const ASSETS: usize = 200;

fn synthetic_trades(n: usize) -> Vec<ClosedTrade> {
    let mut rng = StdRng::seed_from_u64(7);
    let start = Utc
        .with_ymd_and_hms(2020, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let assets: Vec<String> = (0..ASSETS).map(|i| format!("ASSET{i}/USD")).collect();
    let models: Vec<String> = (0..MODELS).map(|i| format!("model-v{i}")).collect();
    (0..n)
        .map(|_| {
            let closed_at =
                start + chrono::Duration::seconds(rng.random_range(0..5 * 365 * 86_400));
            ClosedTrade {
                asset: assets[rng.random_range(0..ASSETS)].clone(),
                model: Some(models[rng.random_range(0..MODELS)].clone()),
                direction: if rng.random_bool(0.5) {
                    Direction::Buy
                } else {
                    Direction::Sell
                },
                timeframe: Some(Timeframe::ALL[rng.random_range(0..Timeframe::ALL.len())]),
                confidence: rng.random_range(40..=100),
                opened_at: closed_at - chrono::Duration::minutes(rng.random_range(1..10_000)),
                closed_at,
                return_pct: rng.random_bool(0.98).then(|| rng.random_range(-5.0..6.0)),
                risk_pct: Some(rng.random_range(0.2..3.0)),
            }
        })
        .collect()
}

/// Minimum and median of `runs` timings of `f`.
fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    (times[0], times[times.len() / 2])
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn us(d: Duration) -> String {
    format!("{:.2} µs", d.as_secs_f64() * 1e6)
}

/// A SQLite store holding `n` recorded outcomes over 20 models × 25 assets.
async fn store_with_outcomes(dir: &Path, n: usize) -> anyhow::Result<Store> {
    let store = Store::open(&format!("sqlite://{}", dir.join("bench.db").display())).await?;
    let now = Utc::now();
    for i in 0..n {
        let body = serde_json::json!({
            "type": "buy", "asset": format!("A{}/USD", i % 25), "entry_price": 100,
            "target_price": 110, "stop_loss": 95, "timeframe": "1H", "confidence": 80,
            "source_model": format!("m{}", i % 20),
        })
        .to_string();
        let signal = parse_signal(body.as_bytes(), Uuid::now_v7(), now)
            .map_err(|e| anyhow::anyhow!("{e:?}"))?
            .signal;
        store
            .insert_signal(&signal, &body, &serde_json::json!({}), 0, now)
            .await?;
        let exit = Price::new(if i % 3 == 0 { 97.into() } else { 104.into() });
        let outcome = NewOutcome {
            reason: OutcomeReason::Reported,
            note: None,
            exit_price: exit,
            return_pct: herald::signals::closing::outcome_return(&signal, exit),
            closed_at: now,
        };
        store.record_outcome(&signal, &outcome, None, now).await?;
    }
    Ok(store)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let trades = synthetic_trades(TRADES);
    let (summary_min, summary_median) = time(RUNS, || summarize(&trades));
    let (figures_min, figures_median) = time(RUNS, || figures(&trades));
    let summary = summarize(&trades);
    println!(
        "summarize 1M: min {} median {} ({} trades, {} assets)",
        ms(summary_min),
        ms(summary_median),
        summary.overall.count + summary.overall.unpriced,
        summary.by.asset.len()
    );
    println!(
        "figures 1M: min {} median {}",
        ms(figures_min),
        ms(figures_median)
    );

    // The pure index, with the groups of the million trades.
    let mut index = SimilarIndex::default();
    for trade in &trades {
        if let Some(ret) = trade.return_pct {
            let tally = Tally {
                closed: 1,
                wins: u32::from(ret > 0.0),
            };
            index.add(trade.model.as_deref(), &trade.asset, trade.direction, tally);
        }
    }
    let lookups = 1_000_000;
    let start = Instant::now();
    for i in 0..lookups {
        let trade = &trades[i % trades.len()];
        std::hint::black_box(index.lookup(trade.model.as_deref(), &trade.asset, trade.direction));
    }
    let per_lookup = start.elapsed() / lookups as u32;
    println!("index lookup ({} groups): {}", index.len(), us(per_lookup));

    // The cache as ingest uses it, loaded from a real (SQLite) outcomes table.
    let dir = tempfile::tempdir()?;
    let outcomes = 2_000;
    let store = store_with_outcomes(dir.path(), outcomes).await?;
    let cache = SimilarCache::new(store.clone());
    let body = r#"{"type": "buy", "asset": "A3/USD", "entry_price": 100, "target_price": 110,
        "stop_loss": 95, "timeframe": "1H", "confidence": 80, "source_model": "m3"}"#;
    let signal = parse_signal(body.as_bytes(), Uuid::now_v7(), Utc::now())
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
        .signal;
    let cold_start = Instant::now();
    let first = cache.for_signal(&signal).await;
    let cold = cold_start.elapsed();
    let rounds = 100_000;
    let start = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(cache.for_signal(&signal).await);
    }
    let warm = start.elapsed() / rounds;
    let (reload_min, _) = {
        let mut times = Vec::new();
        for _ in 0..RUNS {
            let start = Instant::now();
            cache.reload().await?;
            times.push(start.elapsed());
        }
        times.sort();
        (times[0], times[times.len() / 2])
    };
    println!(
        "category: warm {} per signal, first load {} , reload {} ({outcomes} outcomes); {:?}",
        us(warm),
        ms(cold),
        ms(reload_min),
        first.map(|s| (s.closed, s.win_rate_pct))
    );
    store.close().await;

    let mut section = String::new();
    writeln!(section, "## Performance statistics\n")?;
    writeln!(
        section,
        "`cargo bench --bench performance` (release build, one run on the development machine: \
         2 shared cores). Min and median of {RUNS} runs.\n"
    )?;
    writeln!(section, "| what | measured | target |")?;
    writeln!(section, "|---|---|---|")?;
    writeln!(
        section,
        "| statistics over 1,000,000 closed signals, overall + every breakdown (`summarize`) | min {}, median {} | ≤ 1 s |",
        ms(summary_min),
        ms(summary_median)
    )?;
    writeln!(
        section,
        "| overall figures only over 1,000,000 (`figures`) | min {}, median {} | — |",
        ms(figures_min),
        ms(figures_median)
    )?;
    writeln!(
        section,
        "| performance category added to ingest: warm `SimilarCache::for_signal` | {} per signal | ≤ 1 ms |",
        us(warm)
    )?;
    writeln!(
        section,
        "| pure index lookup, {} (model, asset, direction) groups | {} | — |",
        index.len(),
        us(per_lookup)
    )?;
    writeln!(
        section,
        "| first load of the category after start (once per process; {outcomes} outcomes, SQLite) | {} | — |",
        ms(cold)
    )?;
    writeln!(
        section,
        "| scheduled reload of the category (every 60 s, off the ingest path) | {} | — |",
        ms(reload_min)
    )?;
    write_section(&section)?;
    println!("wrote docs/benchmarks.md");
    Ok(())
}

/// Replaces (or appends) this benchmark's section of `docs/benchmarks.md`, leaving the others.
fn write_section(section: &str) -> anyhow::Result<()> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/benchmarks.md");
    let existing = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".to_owned());
    let heading = "## Performance statistics";
    let updated = match existing.find(heading) {
        Some(start) => {
            let rest = &existing[start + heading.len()..];
            let end = rest
                .find("\n## ")
                .map_or(existing.len(), |i| start + heading.len() + i + 1);
            format!("{}{}{}", &existing[..start], section, &existing[end..])
        }
        None => format!(
            "{}\n{}",
            existing.trim_end_matches('\n').to_owned() + "\n",
            section
        ),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, updated)?;
    Ok(())
}
