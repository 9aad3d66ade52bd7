//! Command handling throughput and latency: Herald and the Bot API emulator in one process, many
//! users each sending commands one after another (the next as soon as the reply arrives).
//! Telegram's flood limits are lifted on both sides, so the numbers are Herald's own cost:
//! getUpdates → inbox → handler → sendMessage, over loopback. Latency is reported end to end
//! (the emulator queues the update → it receives the reply) and Herald-side (the getUpdates answer
//! carrying the update → the reply), which leaves out the wait for Herald's next poll.
//!
//! `cargo bench --bench commands` (SQLite in a temp dir), or with
//! `HERALD_BENCH_DATABASE_URL=postgres://…` for PostgreSQL (an empty database). Optional:
//! `BENCH_USERS` (default 500), `BENCH_COMMANDS` (per user, default 20), `BENCH_RATE` (commands
//! per second in an open loop, round-robin over the users, whatever the replies do: latency at a
//! given load; unset, each user sends its next command when its reply arrives: the most Herald
//! can do), `HERALD_BENCH_RUST_LOG` (a tracing filter; logs go to stderr). Prints a Markdown
//! table row for `docs/benchmarks.md`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use herald::app::App;
use herald::config::{Config, Sources};
use herald::domain::i18n::Lang;
use herald::store::{NewUser, Store};
use telegram_emulator::{Emulator, EmulatorConfig, EmulatorEvent, Limits};
use tokio_util::sync::CancellationToken;

const COMMANDS: [&str; 5] = [
    "/help",
    "/filter",
    "/signals 3",
    "/filter confidence:70 types:buy,sell",
    "/status",
];

/// Milliseconds at the 50th and 99th percentile and the maximum.
struct Percentiles {
    p50: f64,
    p99: f64,
    max: f64,
}

impl Percentiles {
    fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort();
        let at = |p: f64| {
            let index = ((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len()) - 1;
            samples[index].as_secs_f64() * 1000.0
        };
        Self {
            p50: at(0.50),
            p99: at(0.99),
            max: at(1.0),
        }
    }
}

/// A command sent and not yet answered.
struct Command {
    text: &'static str,
    sent: Instant,
    update_id: Option<i64>,
    /// When a getUpdates answer first carried it.
    fetched: Option<Instant>,
}

/// Commands in flight, per chat in the order sent (a chat's replies come in that order).
#[derive(Default)]
struct InFlight {
    chats: HashMap<i64, VecDeque<Command>>,
    /// Chats in the order of the sends; only one task sends, so `UpdateQueued` events come in
    /// the same order.
    queued_chats: VecDeque<i64>,
    chat_of_update: HashMap<i64, i64>,
}

impl InFlight {
    fn send(
        &mut self,
        emulator: &telegram_emulator::EmulatorHandle,
        chat: i64,
        text: &'static str,
    ) {
        self.chats.entry(chat).or_default().push_back(Command {
            text,
            sent: Instant::now(),
            update_id: None,
            fetched: None,
        });
        self.queued_chats.push_back(chat);
        emulator.send_text(chat, chat, text);
    }

    fn queued(&mut self, update_id: i64) {
        let Some(chat) = self.queued_chats.pop_front() else {
            return;
        };
        self.chat_of_update.insert(update_id, chat);
        if let Some(command) = self
            .chats
            .get_mut(&chat)
            .and_then(|queue| queue.iter_mut().find(|c| c.update_id.is_none()))
        {
            command.update_id = Some(update_id);
        }
    }

    /// A redelivered update keeps its first fetch time.
    fn fetched(&mut self, update_ids: &[i64], now: Instant) {
        for id in update_ids {
            let Some(chat) = self.chat_of_update.remove(id) else {
                continue;
            };
            if let Some(command) = self
                .chats
                .get_mut(&chat)
                .and_then(|queue| queue.iter_mut().find(|c| c.update_id == Some(*id)))
            {
                command.fetched.get_or_insert(now);
            }
        }
    }

    fn replied(&mut self, chat: i64) -> Option<Command> {
        self.chats.get_mut(&chat)?.pop_front()
    }
}

/// The name of Herald's runtime threads.
const HERALD_THREADS: &str = "herald";

/// User + system CPU time in `/proc/.../stat` (fields 14 and 15, in clock ticks of 10 ms).
fn stat_cpu(stat: &str) -> Duration {
    // The command name may contain spaces; the fields after it may not.
    let Some((_, fields)) = stat.rsplit_once(") ") else {
        return Duration::ZERO;
    };
    let ticks: u64 = fields
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|field| field.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}

/// CPU time of this process's Herald threads: its runtime, and SQLite's worker threads (SQLite
/// runs inside Herald).
fn herald_cpu() -> Duration {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    tasks
        .flatten()
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm")).is_ok_and(|name| {
                name.starts_with(HERALD_THREADS) || name.starts_with("sqlx-sqlite")
            })
        })
        .filter_map(|task| std::fs::read_to_string(task.path().join("stat")).ok())
        .map(|stat| stat_cpu(&stat))
        .sum()
}

/// CPU time of these processes (PostgreSQL backends).
fn process_cpu(pids: &[i32]) -> Duration {
    pids.iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok())
        .map(|stat| stat_cpu(&stat))
        .sum()
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `HERALD_BENCH_RUST_LOG=sqlx::query=debug` shows every statement with its time (stderr).
    if let Ok(filter) = std::env::var("HERALD_BENCH_RUST_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .init();
    }
    let users = env_number("BENCH_USERS", 500);
    let per_user = env_number("BENCH_COMMANDS", 20).max(1);
    // Commands per second in an open loop; unset: each user's next command follows its reply.
    let rate: Option<f64> = std::env::var("BENCH_RATE")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|rate: &f64| *rate > 0.0);
    let emulator = Emulator::start(EmulatorConfig {
        limits: Limits::unlimited(),
        ..EmulatorConfig::default()
    })
    .await?;
    let dir = tempfile::tempdir()?;
    let database_url = std::env::var("HERALD_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let env: HashMap<&str, String> = HashMap::from([
        ("HERALD_TELEGRAM_TOKEN", emulator.token()),
        ("HERALD_TELEGRAM_API_URL", emulator.base_url()),
        ("HERALD_DATABASE_URL", database_url.clone()),
        ("HERALD_LISTEN", "127.0.0.1:0".to_owned()),
        // Required on PostgreSQL; names and stored updates are sealed, as in production.
        (
            "HERALD_ENCRYPTION_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".to_owned(),
        ),
    ]);
    let lookup = |name: &str| env.get(name).cloned();
    let mut config = Config::load(Sources {
        env: &lookup,
        file: None,
        stdout_is_terminal: false,
    })?;
    // Telegram's limits are lifted here (the emulator has none either): Herald's cost only.
    config.global_rate = 1_000_000;
    config.delivery.per_chat_interval = Duration::ZERO;
    // So is the per-user command limit: simulated users send back to back.
    config.command_rate = u32::MAX;

    let store = Store::open(&database_url).await?;
    let mut chats = Vec::with_capacity(users);
    for i in 0..users {
        let id = emulator
            .create_user(&format!("Bench{i}"), None, Some("en"))
            .id;
        let new = NewUser {
            telegram_id: id,
            username: None,
            first_name: Some(format!("Bench{i}")),
            last_name: None,
            language_code: Some("en".to_owned()),
        };
        let (user, _) = store
            .upsert_user(&new, Lang::En, chrono::Utc::now())
            .await?;
        store.accept_disclaimer(user.id, chrono::Utc::now()).await?;
        chats.push(id);
    }

    // Herald gets its own runtime (threads named `herald`), as it would have its own process, so
    // its CPU time can be told apart from the emulator's and this driver's.
    let herald_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(HERALD_THREADS)
        .enable_all()
        .build()?;
    let shutdown = CancellationToken::new();
    let server = {
        let shutdown = shutdown.clone();
        herald_runtime.spawn(async move {
            let app = App::build(config).await?;
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            app.run(listener, None, shutdown).await
        })
    };

    // Steady state only: the leader's takeover pause (1 s) and the first loads of the caches
    // happen once after start, not per command.
    let mut events = emulator.subscribe();
    let mut warm_up = async |text: &str| {
        for id in &chats {
            emulator.send_text(*id, *id, text);
        }
        let mut replies = 0;
        while replies < users {
            if let Ok(EmulatorEvent::MessageSent { .. }) = events.recv().await {
                replies += 1;
            }
        }
    };
    warm_up("/help").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // A running deployment's tables have statistics (autovacuum analyzes a table after its first
    // few dozen changes, within a minute); a benchmark of a few seconds would otherwise measure
    // the plans of a database that was never analyzed.
    if !database_url.starts_with("sqlite") {
        let pool = sqlx::PgPool::connect(&database_url).await?;
        sqlx::query("ANALYZE").execute(&pool).await?;
        pool.close().await;
    }
    // Then every command from every user at once: the connection pool grows to what a burst
    // needs and each connection prepares the statements it runs, as in a deployment that has
    // been up a while; measured, those one-time costs made most of a short run's tail.
    for text in COMMANDS {
        warm_up(text).await;
    }
    let mut events = events.resubscribe();

    let total = users * per_user;
    let mut flight = InFlight::default();
    let mut latencies: Vec<Duration> = Vec::with_capacity(total);
    let mut herald_side: Vec<Duration> = Vec::with_capacity(total);
    let mut herald_side_by_command: HashMap<&'static str, Vec<Duration>> = HashMap::new();
    let mut sent = 0;
    // PostgreSQL runs in processes of its own: its CPU is counted from its backends' (all open by
    // now, after the warm-up).
    let postgres_backends = if database_url.starts_with("sqlite") {
        None
    } else {
        let pool = sqlx::PgPool::connect(&database_url).await?;
        let pids: Vec<i32> = sqlx::query_scalar(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .fetch_all(&pool)
        .await?;
        pool.close().await;
        Some(pids)
    };
    let database_cpu_before = postgres_backends
        .as_deref()
        .map(process_cpu)
        .unwrap_or_default();
    let herald_cpu_before = herald_cpu();
    let started = Instant::now();
    // The k-th command overall: round-robin over the users, each cycling through `COMMANDS`.
    let command = |k: usize| {
        let (round, user) = (k / users, k % users);
        (chats[user], COMMANDS[(round + user) % COMMANDS.len()])
    };
    let user_of: HashMap<i64, usize> = chats.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut sent_to: Vec<usize> = vec![0; users];
    if rate.is_none() {
        // Closed loop: every user's first command now, each next one when its reply arrives.
        while sent < users {
            let (chat, text) = command(sent);
            flight.send(&emulator, chat, text);
            sent_to[sent] = 1;
            sent += 1;
        }
    }
    let mut next_send = tokio::time::Instant::now();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
    while latencies.len() < total {
        let open_loop_due = rate.is_some() && sent < total;
        let event = tokio::select! {
            event = events.recv() => event,
            _ = tokio::time::sleep_until(next_send), if open_loop_due => {
                // Open loop: commands at a fixed rate, whatever the replies do; round-robin over
                // the users, so each has one in flight at a time unless Herald falls behind.
                let (chat, text) = command(sent);
                flight.send(&emulator, chat, text);
                sent += 1;
                next_send += Duration::from_secs_f64(1.0 / rate.unwrap_or(1.0));
                continue;
            }
            _ = tokio::time::sleep_until(deadline) => break,
        };
        let chat_id = match event {
            Ok(EmulatorEvent::MessageSent { chat_id, .. }) => chat_id,
            Ok(EmulatorEvent::UpdateQueued { update_id }) => {
                flight.queued(update_id);
                continue;
            }
            Ok(EmulatorEvent::UpdatesFetched { update_ids }) => {
                flight.fetched(&update_ids, Instant::now());
                continue;
            }
            Ok(_) => continue,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                anyhow::bail!("the benchmark fell {n} events behind; lower BENCH_USERS")
            }
            Err(_) => break,
        };
        let Some(done) = flight.replied(chat_id) else {
            continue;
        };
        latencies.push(done.sent.elapsed());
        if let Some(fetched) = done.fetched {
            herald_side.push(fetched.elapsed());
            herald_side_by_command
                .entry(done.text)
                .or_default()
                .push(fetched.elapsed());
        }
        if rate.is_none()
            && let Some(&user) = user_of.get(&chat_id)
            && sent_to[user] < per_user
        {
            let (_, text) = command(sent_to[user] * users + user);
            flight.send(&emulator, chat_id, text);
            sent_to[user] += 1;
            sent += 1;
        }
    }
    let elapsed = started.elapsed();
    let herald_cpu = herald_cpu().saturating_sub(herald_cpu_before);
    let database_cpu = match &postgres_backends {
        Some(pids) => process_cpu(pids).saturating_sub(database_cpu_before),
        None => Duration::ZERO,
    };
    shutdown.cancel();
    let _ = server.await;
    herald_runtime.shutdown_background();
    emulator.stop().await;

    if latencies.len() < total {
        anyhow::bail!("only {} of {total} replies arrived", latencies.len());
    }
    if herald_side.len() < total {
        anyhow::bail!(
            "{} replies could not be matched to a fetched update",
            total - herald_side.len()
        );
    }
    let backend = if database_url.starts_with("sqlite") {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    let throughput = total as f64 / elapsed.as_secs_f64();
    let load = match rate {
        Some(rate) => format!("{rate:.0}/s"),
        None => "closed".to_owned(),
    };
    let (end_to_end, herald) = (Percentiles::of(latencies), Percentiles::of(herald_side));
    let per_1000 = |cpu: Duration| cpu.as_secs_f64() * 1000.0 * 1000.0 / total as f64;
    let database_cpu = match backend {
        "SQLite" => "in herald".to_owned(),
        _ => format!("{:.0}", per_1000(database_cpu)),
    };
    println!(
        "| backend | load | users | commands | updates/s | p50 ms | p99 ms | max ms | herald p50 ms | herald p99 ms | herald max ms | herald CPU ms / 1000 | database CPU ms / 1000 |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {backend} | {load} | {users} | {total} | {throughput:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.0} | {database_cpu} |",
        end_to_end.p50,
        end_to_end.p99,
        end_to_end.max,
        herald.p50,
        herald.p99,
        herald.max,
        per_1000(herald_cpu),
    );
    // Which commands make the tail: to stderr, so the table row stays easy to copy.
    for text in COMMANDS {
        if let Some(samples) = herald_side_by_command.remove(text) {
            let (count, of) = (samples.len(), Percentiles::of(samples));
            eprintln!(
                "herald-side `{text}`: {count} commands, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
                of.p50, of.p99, of.max
            );
        }
    }
    Ok(())
}
