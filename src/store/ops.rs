//! Queries for operations: inbox leases shared by replicas, readiness, gauges and alert recipients.
//!
//! Inbox leases: a replica first leases the chats that have unhandled updates (one row per chat in
//! `inbox_leases`; `INSERT … ON CONFLICT DO UPDATE … WHERE expired` lets exactly one replica win a
//! chat), then handles only its leased chats' updates, oldest first. So two replicas never work on
//! one chat at the same time and each chat's updates keep their order. Leasing skips chats with a
//! live lease, its own included, so a pass that finds only chats it already holds writes nothing;
//! `renew_inbox_leases` extends them. The same statements run on SQLite, where there is one
//! process anyway.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::deliveries::id_set;
use super::{Backend, InboxUpdate, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, Store, StoreResult};
use super::{flag, to_millis};

/// Users who talked to the bot within the last day, week and month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActiveUsers {
    pub day: i64,
    pub week: i64,
    pub month: i64,
}

impl Store {
    /// Leases up to `limit` chats with unhandled updates for `owner` until `expires_at`, oldest
    /// work first. Chats with a live lease are left alone: another replica's, and `owner`'s own
    /// (extending those is `renew_inbox_leases`' job). So, for a moment (`others_after`), are
    /// updates another replica received: each replica handles what the load balancer gave it,
    /// and takes over another's only when those wait. Returns the chat keys won.
    pub async fn lease_inbox_chats(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        others_after: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<i64>> {
        // Keys are inserted in key order so two replicas leasing overlapping sets cannot deadlock.
        // The conflict clause still checks expiry: another replica may have leased the chat since
        // the `NOT EXISTS` looked. `WHERE true` keeps SQLite from reading `ON CONFLICT` as a join
        // constraint.
        let rows = sqlx::query(
            "INSERT INTO inbox_leases (chat_key, owner, expires_at) \
             SELECT chat_key, $1, $2 FROM ( \
                 SELECT chat_key, first FROM ( \
                     SELECT COALESCE(chat_id, 0) AS chat_key, MIN(update_id) AS first \
                     FROM telegram_updates WHERE handled_at IS NULL \
                     AND (received_by IS NULL OR received_by = $1 OR received_at < $5) \
                     GROUP BY COALESCE(chat_id, 0) \
                 ) AS waiting \
                 WHERE NOT EXISTS (SELECT 1 FROM inbox_leases l \
                     WHERE l.chat_key = waiting.chat_key AND l.expires_at >= $3) \
                 ORDER BY first LIMIT $4 \
             ) AS chosen WHERE true ORDER BY chat_key \
             ON CONFLICT (chat_key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at \
             WHERE inbox_leases.expires_at < $3 \
             RETURNING chat_key",
        )
        .bind(owner)
        .bind(to_millis(expires_at))
        .bind(to_millis(now))
        .bind(limit)
        .bind(to_millis(others_after))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok(row.try_get::<i64, _>("chat_key")?))
            .collect()
    }

    /// Unhandled updates of the chats `owner` holds a live lease on, in arrival order.
    pub async fn leased_updates(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<InboxUpdate>> {
        let rows = sqlx::query(
            "SELECT u.update_id, u.chat_id, u.payload, u.attempts FROM telegram_updates u \
             JOIN inbox_leases l ON l.chat_key = COALESCE(u.chat_id, 0) \
             WHERE u.handled_at IS NULL AND l.owner = $1 AND l.expires_at >= $2 \
             ORDER BY u.update_id LIMIT $3",
        )
        .bind(owner)
        .bind(to_millis(now))
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
                    caller: None,
                })
            })
            .collect()
    }

    /// Extends every lease `owner` holds; false when it holds none any more (taken over).
    pub async fn renew_inbox_leases(
        &self,
        owner: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let result = sqlx::query("UPDATE inbox_leases SET expires_at = $2 WHERE owner = $1")
            .bind(owner)
            .bind(to_millis(expires_at))
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected())
    }

    /// Gives up every lease `owner` holds (end of a round, or shutdown).
    pub async fn release_inbox_leases(&self, owner: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM inbox_leases WHERE owner = $1")
            .bind(owner)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Gives up `owner`'s leases on these chats (their workers have been idle a while).
    pub async fn release_inbox_chats(&self, owner: &str, chat_keys: &[i64]) -> StoreResult<()> {
        if chat_keys.is_empty() {
            return Ok(());
        }
        let (keys, in_keys) = id_set(self.backend, chat_keys)?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM inbox_leases WHERE owner = $2 AND chat_key {in_keys}"
        )))
        .bind(keys)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks updates handled by `owner`, with one statement; returns how many were still
    /// unhandled (an update marked already keeps its first mark).
    pub async fn finish_updates(
        &self,
        update_ids: &[i64],
        owner: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        if update_ids.is_empty() {
            return Ok(0);
        }
        let (ids, in_ids) = id_set(self.backend, update_ids)?;
        let result = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE telegram_updates SET handled_at = $2, handled_by = $3 \
             WHERE update_id {in_ids} AND handled_at IS NULL"
        )))
        .bind(ids)
        .bind(to_millis(now))
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected())
    }

    /// Who handled an update (`None` while unhandled or unknown).
    pub async fn update_handled_by(&self, update_id: i64) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT handled_by FROM telegram_updates WHERE update_id = $1")
            .bind(update_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => row.try_get("handled_by")?,
            None => None,
        })
    }

    /// Updates stored but not yet handled.
    pub async fn inbox_backlog(&self) -> StoreResult<i64> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM telegram_updates WHERE handled_at IS NULL")
                .fetch_one(&self.pool)
                .await?;
        Ok(row.try_get("n")?)
    }

    /// Records that these users talked to the bot, with one statement; each user's time is
    /// written at most once a minute.
    pub async fn touch_users(&self, telegram_ids: &[i64], now: DateTime<Utc>) -> StoreResult<()> {
        if telegram_ids.is_empty() {
            return Ok(());
        }
        let now = to_millis(now);
        let (ids, in_ids) = id_set(self.backend, telegram_ids)?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE users SET last_seen_at = $2 WHERE telegram_id {in_ids} \
             AND (last_seen_at IS NULL OR last_seen_at < $3)"
        )))
        .bind(ids)
        .bind(now)
        .bind(now - 60_000)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn active_users(&self, now: DateTime<Utc>) -> StoreResult<ActiveUsers> {
        let now = to_millis(now);
        let day = 86_400_000_i64;
        let row = sqlx::query(
            "SELECT \
               COALESCE(SUM(CASE WHEN last_seen_at >= $1 THEN 1 ELSE 0 END), 0) AS day, \
               COALESCE(SUM(CASE WHEN last_seen_at >= $2 THEN 1 ELSE 0 END), 0) AS week, \
               COUNT(*) AS month \
             FROM users WHERE last_seen_at >= $3",
        )
        .bind(now - day)
        .bind(now - 7 * day)
        .bind(now - 30 * day)
        .fetch_one(&self.pool)
        .await?;
        Ok(ActiveUsers {
            day: row.try_get("day")?,
            week: row.try_get("week")?,
            month: row.try_get("month")?,
        })
    }

    /// Whether every migration this binary carries has been applied (readiness).
    pub async fn migrations_current(&self) -> StoreResult<bool> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let Some(latest) = migrator.iter().map(|m| m.version).max() else {
            return Ok(true);
        };
        let row = sqlx::query("SELECT MAX(version) AS version FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.pool)
            .await?;
        let applied: Option<i64> = row.try_get("version")?;
        Ok(applied.is_some_and(|applied| applied >= latest))
    }

    /// Telegram ids of users marked admin in the database (alerts also go to `HERALD_ADMIN_IDS`).
    pub async fn admin_telegram_ids(&self) -> StoreResult<Vec<i64>> {
        let rows = sqlx::query("SELECT telegram_id, is_admin, is_active FROM users WHERE is_admin")
            .fetch_all(&self.pool)
            .await?;
        let mut ids = Vec::new();
        for row in &rows {
            if flag(row, "is_admin")? && flag(row, "is_active")? {
                ids.push(row.try_get("telegram_id")?);
            }
        }
        Ok(ids)
    }
}
