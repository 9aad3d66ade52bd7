//! `herald admin totp <telegram-id>`: sets up (or replaces) an admin's authenticator for the
//! bot's two-factor check. The secret is shown once, as an otpauth URI for an authenticator app,
//! and stored sealed with `HERALD_ENCRYPTION_KEY` (plain only on SQLite without a key).

use chrono::Utc;

use crate::auth::totp;
use crate::config::Config;

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
             it there (or users.is_admin set)"
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
    let store = crate::crypto::at_rest::open_store(config).await?;
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
