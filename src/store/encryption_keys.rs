//! The encryption key at start-up and `herald rotate-key`.
//!
//! A canary value in `kv_state`, sealed at the first start with a key, is opened at every start:
//! a missing or wrong `HERALD_ENCRYPTION_KEY` stops start-up with a clear line instead of failing
//! later, user by user. Rotation re-seals every sealed column with the current key, in small
//! committed batches, so it can be interrupted and run again.

use sqlx::Row;

use super::{Store, StoreError, StoreResult};
use crate::crypto::CryptoError;

const CANARY_NAME: &str = "encryption_canary";
const CANARY_TEXT: &str = "herald personal data";
const BATCH: i64 = 500;

/// What the start-up check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCheck {
    /// No key configured and nothing sealed: values are stored as given.
    Plaintext,
    /// First start with a key: the canary was sealed now.
    Created,
    /// The current key opens the canary.
    Current,
    /// A previous key opens it: a rotation is under way (`herald rotate-key` finishes it).
    Previous,
}

/// Why the configured key cannot be used with this database.
#[derive(Debug, thiserror::Error)]
pub enum KeyProblem {
    #[error(
        "not set, but this database's personal data is encrypted (key id {0}); set the key it was encrypted with"
    )]
    Missing(String),
    #[error(
        "does not open this database's personal data (sealed with key id {stored}, this key's id is {configured}); \
         use that key, or keep it in HERALD_ENCRYPTION_KEY_PREVIOUS and run `herald rotate-key`"
    )]
    Wrong { stored: String, configured: String },
    #[error("does not open this database's personal data (the check value does not decrypt)")]
    Corrupt,
    #[error("cannot check the key: {0}")]
    Store(#[from] StoreError),
}

/// How many values `rotate_encryption` re-sealed, per table.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RotationReport {
    pub users: u64,
    /// Admins of the HTTP API (their TOTP secrets).
    pub admins: u64,
    /// Bot admins' TOTP secrets (`admin_totp`).
    pub bot_admins: u64,
    pub updates: u64,
}

impl Store {
    pub async fn check_encryption_key(&self) -> Result<KeyCheck, KeyProblem> {
        let Some(stored) = self.state(CANARY_NAME).await? else {
            if self.cipher.key_id().is_none() {
                return Ok(KeyCheck::Plaintext);
            }
            let sealed = self.cipher.seal(CANARY_TEXT);
            // Two replicas starting together both try; the first one's canary stays.
            sqlx::query(
                "INSERT INTO kv_state (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind(CANARY_NAME)
            .bind(&sealed)
            .execute(&self.pool)
            .await
            .map_err(StoreError::from)?;
            return Box::pin(self.check_encryption_key())
                .await
                .map(|check| match check {
                    KeyCheck::Current => KeyCheck::Created,
                    other => other,
                });
        };
        let stored_id = || {
            stored
                .strip_prefix("enc:v1:")
                .and_then(|rest| rest.split_once(':'))
                .map(|(id, _)| id.to_owned())
                .unwrap_or_default()
        };
        match self.cipher.open(&stored) {
            Ok(text) if text == CANARY_TEXT && !self.cipher.is_stale(&stored) => {
                Ok(KeyCheck::Current)
            }
            Ok(text) if text == CANARY_TEXT => Ok(KeyCheck::Previous),
            Ok(_) | Err(CryptoError::Corrupt) => Err(KeyProblem::Corrupt),
            Err(CryptoError::NoKey) => Err(KeyProblem::Missing(stored_id())),
            Err(CryptoError::UnknownKey(stored)) => Err(KeyProblem::Wrong {
                stored,
                configured: self.cipher.key_id().unwrap_or_default().to_owned(),
            }),
        }
    }

    /// Re-seals every sealed value that the current key did not seal (including values stored in
    /// the clear before a key was configured). Needs a current key.
    pub async fn rotate_encryption(&self) -> StoreResult<RotationReport> {
        let report = RotationReport {
            users: self
                .reseal_table(
                    "users",
                    "id",
                    &["username", "first_name", "last_name"],
                    false,
                )
                .await?,
            admins: self
                .reseal_table("admins", "id", &["totp_secret"], false)
                .await?,
            bot_admins: self
                .reseal_table("admin_totp", "telegram_id", &["secret"], true)
                .await?,
            updates: self
                .reseal_table("telegram_updates", "update_id", &["payload"], true)
                .await?,
        };
        if let Some(canary) = self.state(CANARY_NAME).await? {
            let text = self.cipher.open(&canary)?;
            self.set_state(CANARY_NAME, &self.cipher.seal(&text))
                .await?;
        } else if self.cipher.key_id().is_some() {
            self.set_state(CANARY_NAME, &self.cipher.seal(CANARY_TEXT))
                .await?;
        }
        Ok(report)
    }

    /// Walks `table` by its key in batches; a row is rewritten only if one of `columns` is stale,
    /// and only if it still holds what was read (a concurrent write wins over the rotation).
    async fn reseal_table(
        &self,
        table: &str,
        key: &str,
        columns: &[&str],
        integer_key: bool,
    ) -> StoreResult<u64> {
        let select = format!(
            "SELECT {key} AS k, {cols} FROM {table} WHERE {key} > $1 ORDER BY {key} LIMIT {BATCH}",
            cols = columns.join(", ")
        );
        let assignments: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, col)| format!("{col} = ${}", i + 2))
            .collect();
        let guards: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, col)| format!("{col} IS NOT DISTINCT FROM ${}", i + 2 + columns.len()))
            .collect();
        let update = format!(
            "UPDATE {table} SET {} WHERE {key} = $1 AND {}",
            assignments.join(", "),
            guards.join(" AND ")
        );
        let mut after_text = String::new();
        let mut after_int = i64::MIN;
        let mut resealed = 0;
        loop {
            let query = sqlx::query(sqlx::AssertSqlSafe(select.clone()));
            let query = if integer_key {
                query.bind(after_int)
            } else {
                query.bind(after_text.clone())
            };
            let rows = query.fetch_all(&self.pool).await?;
            let Some(last) = rows.last() else { break };
            if integer_key {
                after_int = last.try_get("k")?;
            } else {
                after_text = last.try_get("k")?;
            }
            for row in &rows {
                let old: Vec<Option<String>> = columns
                    .iter()
                    .map(|col| row.try_get::<Option<String>, _>(*col))
                    .collect::<Result<_, _>>()?;
                let stale = old
                    .iter()
                    .flatten()
                    .any(|value| self.cipher.is_stale(value));
                if !stale {
                    continue;
                }
                let new: Vec<Option<String>> = old
                    .iter()
                    .map(|value| -> StoreResult<Option<String>> {
                        Ok(match value {
                            Some(value) => Some(self.cipher.seal(&self.cipher.open(value)?)),
                            None => None,
                        })
                    })
                    .collect::<Result<_, _>>()?;
                let mut query = sqlx::query(sqlx::AssertSqlSafe(update.clone()));
                query = if integer_key {
                    query.bind(row.try_get::<i64, _>("k")?)
                } else {
                    query.bind(row.try_get::<String, _>("k")?)
                };
                for value in new.iter().chain(&old) {
                    query = query.bind(value.clone());
                }
                resealed += query.execute(&self.pool).await?.rows_affected();
            }
        }
        Ok(resealed)
    }
}
