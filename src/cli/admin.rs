//! `herald admin …`: the bot's admins. `totp <telegram-id>` sets up (or replaces) an admin's
//! authenticator for the bot's two-factor check: the secret is shown once, as an otpauth URI for
//! an authenticator app, and stored sealed with `HERALD_ENCRYPTION_KEY` (plain only on SQLite
//! without a key). `promote`/`demote <telegram-id>` set `users.is_admin`, audited. The API's
//! admins (`create`) are in `cli::security`.

use chrono::Utc;
use clap::Subcommand;

use crate::accounts::{self, AccountError, Actor};
use crate::auth::totp;
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    #[command(flatten)]
    Credentials(crate::cli::security::AdminCommand),
    /// Make a bot user an admin (by Telegram user id; they must have started the bot). Each
    /// admin command still needs their TOTP code (`herald admin totp`).
    Promote {
        /// The user's Telegram user id.
        telegram_id: i64,
    },
    /// Take a bot user's admin role away (ids in HERALD_ADMIN_IDS stay admins).
    Demote {
        /// The user's Telegram user id.
        telegram_id: i64,
    },
}

pub async fn run(config: Config, command: AdminCommand) -> anyhow::Result<()> {
    let (telegram_id, admin) = match command {
        AdminCommand::Credentials(command) => {
            return crate::cli::security::run_admin(config, command).await;
        }
        AdminCommand::Promote { telegram_id } => (telegram_id, true),
        AdminCommand::Demote { telegram_id } => (telegram_id, false),
    };
    let was = set_bot_admin(&config, telegram_id, admin).await?;
    let now = if admin { "an admin" } else { "not an admin" };
    let unchanged = if was == admin { " (unchanged)" } else { "" };
    println!("{telegram_id} is now {now} of the bot{unchanged}");
    if admin && !config.admin_ids.contains(&telegram_id) {
        eprintln!("note: admin commands also need a TOTP secret: herald admin totp {telegram_id}");
    }
    if !admin && config.admin_ids.contains(&telegram_id) {
        eprintln!(
            "note: {telegram_id} is in HERALD_ADMIN_IDS, so still an admin while it is there"
        );
    }
    Ok(())
}

/// Flags or unflags the bot user with this Telegram id as an admin, audited as the operator's
/// change; returns whether they were flagged before.
pub async fn set_bot_admin(config: &Config, telegram_id: i64, admin: bool) -> anyhow::Result<bool> {
    let store = crate::store::at_rest::open_store(config).await?;
    let result = accounts::set_bot_admin(&store, telegram_id, admin, Actor::Operator).await;
    store.close().await;
    match result {
        Ok(was) => Ok(was),
        Err(AccountError::UnknownUser) => anyhow::bail!(
            "no bot user with Telegram id {telegram_id}: they must send /start to the bot first"
        ),
        Err(AccountError::Store(err)) => Err(err.into()),
    }
}

pub async fn run_totp(config: Config, telegram_id: i64) -> anyhow::Result<()> {
    let uri = setup_totp(&config, telegram_id).await?;
    println!("{uri}");
    eprintln!(
        "Add this to the admin's authenticator app now: it is not shown again. Any \
         previous secret for {telegram_id} no longer works."
    );
    if !config.admin_ids.contains(&telegram_id) {
        eprintln!(
            "note: {telegram_id} is not in HERALD_ADMIN_IDS; admin commands also need \
             it there (or herald admin promote {telegram_id})"
        );
    }
    Ok(())
}

/// Creates and stores the secret; returns the otpauth URI (the only time it is shown).
pub async fn setup_totp(config: &Config, telegram_id: i64) -> anyhow::Result<String> {
    if telegram_id <= 0 {
        anyhow::bail!("{telegram_id} is not a Telegram user id (a positive number)");
    }
    // Opens with the encryption key checked (and required on PostgreSQL) like `serve` does.
    let store = crate::store::at_rest::open_store(config).await?;
    if config.encryption_key.is_none() {
        eprintln!(
            "warning: no HERALD_ENCRYPTION_KEY; the secret is stored unencrypted (SQLite only)"
        );
    }
    let cipher = store.cipher().clone();
    let secret = totp::generate_secret();
    let uri = totp::otpauth_uri(&secret, &format!("telegram-{telegram_id}"))?;
    store
        .set_admin_totp(telegram_id, &cipher.seal(&secret), Utc::now())
        .await?;
    store.close().await;
    Ok(uri)
}
