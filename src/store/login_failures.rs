//! Failed admin logins per (name, client address): the count behind the growing delays one
//! address gets, kept apart from `admins.failed_attempts` so that one address guessing cannot
//! lock the admin out for everyone else.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Store, StoreResult, from_millis, to_millis};

/// A pair's failures older than this are forgotten: the count starts again.
const FORGET_AFTER: chrono::Duration = chrono::Duration::minutes(15);

impl Store {
    /// Until when `name` may not log in from `address`, if it is locked out now.
    pub async fn login_locked_until(
        &self,
        name: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let row = sqlx::query(
            "SELECT locked_until FROM admin_login_failures \
             WHERE name = $1 AND address = $2 AND locked_until > $3",
        )
        .bind(name)
        .bind(address)
        .bind(to_millis(now))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok(from_millis(row.try_get("locked_until")?)))
            .transpose()
    }

    /// Counts a failed login of `name` from `address` and returns the pair's failures in a row;
    /// `lock` (given that count) says for how long the pair is then locked out, if at all.
    pub async fn record_login_failure(
        &self,
        name: &str,
        address: &str,
        now: DateTime<Utc>,
        lock: impl FnOnce(u32) -> Option<chrono::Duration>,
    ) -> StoreResult<(u32, Option<DateTime<Utc>>)> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "INSERT INTO admin_login_failures (name, address, failures, last_failure_at) \
             VALUES ($1, $2, 1, $3) ON CONFLICT (name, address) DO UPDATE SET \
             failures = CASE WHEN admin_login_failures.last_failure_at < $4 THEN 1 \
                 ELSE admin_login_failures.failures + 1 END, \
             last_failure_at = $3 \
             RETURNING failures",
        )
        .bind(name)
        .bind(address)
        .bind(to_millis(now))
        .bind(to_millis(now - FORGET_AFTER))
        .fetch_one(&mut *tx)
        .await?;
        let failures = u32::try_from(row.try_get::<i32, _>("failures")?).unwrap_or(u32::MAX);
        let until = lock(failures).map(|lock_for| now + lock_for);
        if let Some(until) = until {
            sqlx::query(
                "UPDATE admin_login_failures SET locked_until = $3 WHERE name = $1 AND address = $2",
            )
            .bind(name)
            .bind(address)
            .bind(to_millis(until))
            .execute(&mut *tx)
            .await?;
        }
        // Pairs nobody has tried for a day are of no use; keep the table small.
        sqlx::query("DELETE FROM admin_login_failures WHERE last_failure_at < $1")
            .bind(to_millis(now - chrono::Duration::days(1)))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((failures, until))
    }

    /// A successful login from `address` wipes that pair's failures.
    pub async fn clear_login_failures(&self, name: &str, address: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM admin_login_failures WHERE name = $1 AND address = $2")
            .bind(name)
            .bind(address)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
