//! What the bot knows of its users' activity and roles outside their own records: when they last
//! talked to it (one batched write, and the active-user gauges) and who is marked admin.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Store, StoreResult, flag, id_set, to_millis};

/// Users who talked to the bot within the last day, week and month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActiveUsers {
    pub day: i64,
    pub week: i64,
    pub month: i64,
}

impl Store {
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
