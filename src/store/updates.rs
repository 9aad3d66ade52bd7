//! The inbox of Telegram updates. An update is written here before Telegram is told it arrived
//! (the next getUpdates offset, or the webhook's 200), so a crash never loses a command; the
//! `update_id` key drops Telegram's redeliveries. Payloads carry names and messages, so they are
//! sealed like the users' names; retention deletes handled ones after a day.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use super::{Backend, Store, StoreError, StoreResult, to_millis};

const SET_STATE: &str = "INSERT INTO kv_state (name, value) VALUES ($1, $2) \
     ON CONFLICT (name) DO UPDATE SET value = excluded.value";

/// A batch of updates, `$1` a JSON array of sealed `NewUpdate`s; redeliveries are dropped.
macro_rules! pg_store {
    () => {
        "INSERT INTO telegram_updates (update_id, chat_id, payload, received_at, received_by) \
         SELECT x.update_id, x.chat_id, x.payload, $2, $3 \
         FROM json_to_recordset($1::json) AS x(update_id bigint, chat_id bigint, payload text) \
         ON CONFLICT (update_id) DO NOTHING"
    };
}
const PG_STORE: &str = pg_store!();
/// The same, saving `$5` under `$4` in `kv_state` within the statement.
const PG_STORE_WITH_STATE: &str = concat!(
    "WITH saved AS (INSERT INTO kv_state (name, value) VALUES ($4, $5) \
     ON CONFLICT (name) DO UPDATE SET value = excluded.value) ",
    pg_store!()
);
/// `WHERE true` keeps SQLite from reading `ON CONFLICT` as a join constraint.
const SQLITE_STORE: &str = "INSERT INTO telegram_updates \
     (update_id, chat_id, payload, received_at, received_by) \
     SELECT value ->> 'update_id', value ->> 'chat_id', value ->> 'payload', $2, $3 \
     FROM json_each($1) WHERE true ORDER BY key \
     ON CONFLICT (update_id) DO NOTHING";

/// An update as received, before it is stored.
#[derive(Debug, Clone, Serialize)]
pub struct NewUpdate {
    pub update_id: i64,
    pub chat_id: Option<i64>,
    /// The update's JSON; sealed on the way in.
    pub payload: String,
}

#[derive(Debug, Clone)]
pub struct InboxUpdate {
    pub update_id: i64,
    pub chat_id: Option<i64>,
    pub payload: String,
    pub attempts: i32,
}

impl Store {
    /// Stores one update (the webhook's case); false when it was already there (a redelivery).
    pub async fn store_update(
        &self,
        update_id: i64,
        chat_id: Option<i64>,
        payload: &str,
        received_by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let update = NewUpdate {
            update_id,
            chat_id,
            payload: payload.to_owned(),
        };
        Ok(self
            .store_updates(std::slice::from_ref(&update), received_by, now, None)
            .await?
            == 1)
    }

    /// Stores a batch of updates with one statement and returns how many were new (the others
    /// were redeliveries). `state`, a `kv_state` entry such as the poll offset that confirms the
    /// batch to Telegram, is written in the same transaction: a polled batch costs one commit, and
    /// the offset never moves past updates that were not stored.
    pub async fn store_updates(
        &self,
        updates: &[NewUpdate],
        received_by: &str,
        now: DateTime<Utc>,
        state: Option<(&str, &str)>,
    ) -> StoreResult<u64> {
        if updates.is_empty() {
            if let Some((name, value)) = state {
                self.set_state(name, value).await?;
            }
            return Ok(0);
        }
        let rows: Vec<NewUpdate> = updates
            .iter()
            .map(|update| NewUpdate {
                update_id: update.update_id,
                chat_id: update.chat_id,
                payload: self.cipher.seal(&update.payload),
            })
            .collect();
        let rows =
            serde_json::to_string(&rows).map_err(|err| StoreError::Corrupt(err.to_string()))?;
        let sql = match (self.backend, state) {
            (Backend::Postgres, None) => PG_STORE,
            // One statement: one transaction, and one round trip instead of four.
            (Backend::Postgres, Some(_)) => PG_STORE_WITH_STATE,
            (Backend::Sqlite, _) => SQLITE_STORE,
        };
        let mut insert = sqlx::query(sql)
            .bind(rows)
            .bind(to_millis(now))
            .bind(received_by);
        match (self.backend, state) {
            (Backend::Postgres, Some((name, value))) => {
                insert = insert.bind(name).bind(value);
            }
            (Backend::Sqlite, Some((name, value))) => {
                let mut tx = self.begin_write().await?;
                let stored = insert.execute(&mut *tx).await?.rows_affected();
                sqlx::query(SET_STATE)
                    .bind(name)
                    .bind(value)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                return Ok(stored);
            }
            (_, None) => {}
        }
        Ok(insert.execute(&self.pool).await?.rows_affected())
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
        sqlx::query(SET_STATE)
            .bind(name)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
