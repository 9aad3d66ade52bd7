//! The command line: `herald serve | demo | migrate | webhook`.

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "herald",
    version,
    about = "Delivers AI trading signals to Telegram users in real time"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// HTTP API, Telegram bot, delivery dispatcher and scheduler, until SIGTERM/SIGINT.
    Serve,
    /// Everything in one process against the bundled Bot API emulator: no token, no network.
    Demo {
        /// Seconds between simulated signals.
        #[arg(long, default_value_t = 8)]
        interval: u64,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Manage the Telegram webhook registration (webhook mode).
    #[command(subcommand)]
    Webhook(crate::webhook_cli::WebhookCommand),
    /// Administration tasks (`herald admin totp <telegram-id>`).
    Admin {
        #[command(subcommand)]
        command: crate::admin_cli::AdminCommand,
    },
}
