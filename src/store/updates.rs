//! The inbox of Telegram updates. An update is written here before Telegram is told it arrived
//! (the next getUpdates offset, or the webhook's 200), so a crash never loses a command; the
//! `update_id` key drops Telegram's redeliveries. Payloads carry names and messages, so they are
//! sealed like the users' names; retention deletes handled ones after a day.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Store, StoreResult, to_millis};

#[derive(Debug, Clone)]
pub struct InboxUpdate {
    pub update_id: i64,
    pub chat_id: Option<i64>,
    pub payload: String,
    pub attempts: i32,
}

impl Store {
    /// Stores the update; false when it was already there (a redelivery).
    pub async fn store_update(
        &self,
        update_id: i64,
        chat_id: Option<i64>,
        payload: &str,
        received_by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let result = sqlx::query(
            "INSERT INTO telegram_updates (update_id, chat_id, payload, received_at, received_by) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (update_id) DO NOTHING",
        )
        .bind(update_id)
        .bind(chat_id)
        .bind(self.cipher.seal(payload))
        .bind(to_millis(now))
        .bind(received_by)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Unhandled updates in arrival order.
    pub async fn unhandled_updates(&self, limit: i64) -> StoreResult<Vec<InboxUpdate>> {
        let rows = sqlx::query(
            "SELECT update_id, chat_id, payload, attempts FROM telegram_updates \
             WHERE handled_at IS NULL ORDER BY update_id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(InboxUpdate {
                    update_id: row.try_get("update_id")?,
                    chat_id: row.try_get("chat_id")?,
                    payload: self.cipher.open(&row.try_get::<String, _>("payload")?)?,
                    attempts: row.try_get("attempts")?,
                })
            })
            .collect()
    }

    pub async fn mark_update_handled(&self, update_id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE telegram_updates SET handled_at = $2 WHERE update_id = $1")
            .bind(update_id)
            .bind(to_millis(now))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Counts a failed handling attempt, so a poison update is given up on after a few tries.
    pub async fn note_update_attempt(&self, update_id: i64) -> StoreResult<()> {
        sqlx::query("UPDATE telegram_updates SET attempts = attempts + 1 WHERE update_id = $1")
            .bind(update_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn state(&self, name: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT value FROM kv_state WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get("value")).transpose()?)
    }

    pub async fn set_state(&self, name: &str, value: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO kv_state (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(name)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
