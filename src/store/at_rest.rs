//! Personal data at rest: opening the store with the configured cipher and checking, before
//! anything is served, that the key opens what the database holds.

use super::{KeyCheck, KeyProblem, Store};
use crate::config::{Config, ConfigError};

/// Connects, migrates, and checks the encryption key; a missing or wrong key is a configuration
/// error naming `HERALD_ENCRYPTION_KEY`.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    config.require_encryption_on_postgres()?;
    let store = Store::open(&config.database_url)
        .await?
        .with_cipher(config.cipher());
    match store.check_encryption_key().await {
        Ok(KeyCheck::Previous) => tracing::warn!(
            "personal data is sealed with a previous key; run `herald rotate-key` to finish the rotation"
        ),
        Ok(KeyCheck::Created) => tracing::info!("encryption of personal data at rest enabled"),
        Ok(KeyCheck::Plaintext | KeyCheck::Current) => {}
        Err(KeyProblem::Store(err)) => {
            store.close().await;
            return Err(err.into());
        }
        Err(problem) => {
            store.close().await;
            return Err(ConfigError::new("HERALD_ENCRYPTION_KEY", problem.to_string()).into());
        }
    }
    Ok(store)
}
