//! `herald webhook set | delete | info`: webhook registration is an operator's deliberate step,
//! never a side effect of a pod starting or stopping (a library that deletes the webhook when one
//! replica stops cuts off all of them).

use clap::Subcommand;
use teloxide_core::RequestError;
use teloxide_core::payloads::{DeleteWebhookSetters, SetWebhookSetters};
use teloxide_core::prelude::Requester;

use crate::config::{Config, ConfigError, reveal};
use crate::telegram::{build_bot, error_text};

pub use crate::bot::ALLOWED_UPDATES;

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Register HERALD_WEBHOOK_URL with Telegram, with HERALD_WEBHOOK_SECRET as its secret token.
    Set {
        /// Simultaneous connections Telegram may open (1-100). Lower keeps a chat's updates
        /// closer to their order.
        #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u8).range(1..=100))]
        max_connections: u8,
        /// Throw away updates Telegram is still holding.
        #[arg(long)]
        drop_pending_updates: bool,
    },
    /// Remove the webhook, so that `serve` without HERALD_WEBHOOK_URL can poll.
    Delete {
        /// Throw away updates Telegram is still holding.
        #[arg(long)]
        drop_pending_updates: bool,
    },
    /// Show what Telegram has registered and whether deliveries to it fail.
    Info,
}

pub async fn run(config: &Config, command: WebhookCommand) -> anyhow::Result<()> {
    let bot = build_bot(config.require_token()?, &config.telegram_api_url)?;
    match command {
        WebhookCommand::Set {
            max_connections,
            drop_pending_updates,
        } => {
            let (Some(url), Some(secret)) = (&config.webhook_url, &config.webhook_secret) else {
                return Err(ConfigError {
                    name: "HERALD_WEBHOOK_URL".into(),
                    problem: "required by `herald webhook set` (with HERALD_WEBHOOK_SECRET)".into(),
                }
                .into());
            };
            let url = reqwest::Url::parse(url).map_err(|err| ConfigError {
                name: "HERALD_WEBHOOK_URL".into(),
                problem: format!("not a URL ({err})"),
            })?;
            bot.set_webhook(url.clone())
                .secret_token(reveal(secret).to_owned())
                .max_connections(max_connections)
                .allowed_updates(ALLOWED_UPDATES)
                .drop_pending_updates(drop_pending_updates)
                .await
                .map_err(telegram_failed)?;
            println!("webhook set: {url} (max {max_connections} connections)");
        }
        WebhookCommand::Delete {
            drop_pending_updates,
        } => {
            bot.delete_webhook()
                .drop_pending_updates(drop_pending_updates)
                .await
                .map_err(telegram_failed)?;
            println!("webhook deleted; `herald serve` without HERALD_WEBHOOK_URL will poll");
        }
        WebhookCommand::Info => {
            let info = bot.get_webhook_info().await.map_err(telegram_failed)?;
            match &info.url {
                Some(url) => println!("url: {url}"),
                None => println!("url: (none: the bot is in polling mode)"),
            }
            println!("pending updates: {}", info.pending_update_count);
            if let Some(max) = info.max_connections {
                println!("max connections: {max}");
            }
            if let Some(message) = &info.last_error_message {
                let at = info
                    .last_error_date
                    .map(|at| at.to_rfc3339())
                    .unwrap_or_default();
                println!("last error: {message} {at}");
            }
        }
    }
    Ok(())
}

/// The error to print: reqwest's own text would show the URL, and with it the bot token.
fn telegram_failed(error: RequestError) -> anyhow::Error {
    anyhow::anyhow!("Telegram: {}", error_text(&error))
}
