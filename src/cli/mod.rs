//! The command line: `herald serve | demo | migrate | webhook … | admin … | apikey … | rotate-key`.

pub mod admin;
pub mod channel;
pub mod demo;
pub mod security;
pub mod webhook;

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
    Webhook(crate::cli::webhook::WebhookCommand),
    /// Admins: of the HTTP API (`create`), and of the bot (`promote`, `demote`, and their
    /// two-factor check, `totp`).
    Admin {
        #[command(subcommand)]
        command: crate::cli::admin::AdminCommand,
    },
    /// API keys for the signal engine and other clients.
    Apikey {
        #[command(subcommand)]
        command: crate::cli::security::ApiKeyCommand,
    },
    /// Channels and groups signals are posted to: `add <@name|id>`, `list`, `remove`.
    Channel {
        #[command(subcommand)]
        command: crate::cli::channel::ChannelCommand,
    },
    /// Re-encrypt personal data with HERALD_ENCRYPTION_KEY (old keys in HERALD_ENCRYPTION_KEY_PREVIOUS).
    RotateKey,
}
