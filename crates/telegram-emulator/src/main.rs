//! `telegram-emulator`: runs the Bot API emulator as a standalone server.

use std::io::IsTerminal;
use std::net::SocketAddr;

use anyhow::Context;
use clap::Parser;
use telegram_emulator::{Emulator, EmulatorConfig, Limits};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

/// A local stand-in for api.telegram.org, for tests, demos and benchmarks.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(
        long,
        default_value = "127.0.0.1:8081",
        env = "TELEGRAM_EMULATOR_LISTEN"
    )]
    listen: SocketAddr,
    /// Bot token clients must use.
    #[arg(
        long,
        default_value = "123456:TEST-TOKEN",
        env = "TELEGRAM_EMULATOR_TOKEN"
    )]
    token: String,
    #[arg(long, default_value = "herald_test_bot")]
    bot_username: String,
    /// Turn every flood limit off (throughput benchmarks).
    #[arg(long)]
    no_limits: bool,
    /// Messages per second across the bot (Telegram: 30; paid broadcast: 1000).
    #[arg(long)]
    global_rate: Option<f64>,
    /// Burst of the global bucket (default: one second's worth at the global rate).
    #[arg(long)]
    global_burst: Option<u32>,
    /// Messages per second per chat (Telegram: 1).
    #[arg(long)]
    per_chat_rate: Option<f64>,
    #[arg(long)]
    per_chat_burst: Option<u32>,
    /// Messages per minute per group or channel (Telegram: 20).
    #[arg(long)]
    group_per_min: Option<u32>,
    /// Messages per second sent with allow_paid_broadcast (Telegram: 1000).
    #[arg(long)]
    paid_rate: Option<f64>,
    /// Burst of the paid-broadcast bucket (default: one second's worth at the paid rate).
    #[arg(long)]
    paid_burst: Option<u32>,
    /// Seed for fault injection and generated ids.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Act as Telegram's test environment: Mini App URLs may be plain http.
    #[arg(long)]
    test_environment: bool,
    /// Log only warnings (by default every Bot API call is logged at debug level).
    #[arg(long)]
    quiet: bool,
}

impl Args {
    fn limits(&self) -> Limits {
        let mut limits = if self.no_limits {
            Limits::unlimited()
        } else {
            Limits::telegram()
        };
        if let Some(rate) = self.global_rate {
            limits.global_per_sec = rate;
            limits.global_burst = rate.ceil().max(1.0) as u32;
        }
        if let Some(burst) = self.global_burst {
            limits.global_burst = burst;
        }
        if let Some(rate) = self.per_chat_rate {
            limits.per_chat_per_sec = rate;
        }
        if let Some(burst) = self.per_chat_burst {
            limits.per_chat_burst = burst;
        }
        if let Some(n) = self.group_per_min {
            limits.group_per_min = n;
        }
        if let Some(rate) = self.paid_rate {
            limits.paid_per_sec = rate;
            limits.paid_burst = rate.ceil().max(1.0) as u32;
        }
        if let Some(burst) = self.paid_burst {
            limits.paid_burst = burst;
        }
        limits
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let default_filter = if args.quiet {
        "warn"
    } else {
        "info,telegram_emulator=debug"
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter)),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();

    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let config = EmulatorConfig {
        token: args.token.clone(),
        bot_username: args.bot_username.clone(),
        limits: args.limits(),
        seed: args.seed,
        test_environment: args.test_environment,
    };
    let emulator = Emulator::start_on(config, listener).await?;
    // The base URL on stdout, alone, so scripts can read it; the token is never printed.
    println!("{}", emulator.base_url());
    tracing::info!(
        base_url = %emulator.base_url(),
        bot = %args.bot_username,
        limits = ?emulator.limits(),
        "Telegram Bot API emulator listening; API at {{base_url}}/bot<token>/<method>, control at {{base_url}}/control/"
    );

    shutdown_signal().await;
    tracing::info!("shutting down");
    emulator.stop().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
