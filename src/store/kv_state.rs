//! `kv_state`: small named values that outlive a process (the poll offset, the encryption
//! canary).

use sqlx::Row;

use super::{Store, StoreResult};

/// Writes `$2` under `$1`, replacing what was there.
pub(super) const SET_STATE: &str = "INSERT INTO kv_state (name, value) VALUES ($1, $2) \
     ON CONFLICT (name) DO UPDATE SET value = excluded.value";

impl Store {
    pub async fn state(&self, name: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT value FROM kv_state WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get("value")).transpose()?)
    }

    pub async fn set_state(&self, name: &str, value: &str) -> StoreResult<()> {
        sqlx::query(SET_STATE)
            .bind(name)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
