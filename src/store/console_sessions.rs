//! Sessions of the operator console: the SHA-256 of the cookie's token, the admin, the token
//! generation it was opened in, its CSRF token, and when it was last used. Whether a session is
//! still good (idle time, absolute end, the admin's generation) is decided in `console::session`.

use chrono::{DateTime, Utc};
use sqlx::Row;
use uuid::Uuid;

use super::{Store, StoreResult, from_millis, parse_uuid, to_millis};

#[derive(Clone)]
pub struct ConsoleSession {
    pub admin_id: Uuid,
    pub generation: u32,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for ConsoleSession {
    // The CSRF token stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleSession")
            .field("admin_id", &self.admin_id)
            .field("last_seen_at", &self.last_seen_at)
            .finish_non_exhaustive()
    }
}

/// A session to open.
pub struct NewConsoleSession<'a> {
    pub token_hash: &'a str,
    pub admin_id: Uuid,
    pub generation: u32,
    pub csrf_token: &'a str,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Store {
    pub async fn open_console_session(&self, new: &NewConsoleSession<'_>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO console_sessions (token_hash, admin_id, generation, csrf_token, \
             created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $5, $6)",
        )
        .bind(new.token_hash)
        .bind(new.admin_id.to_string())
        .bind(i64::from(new.generation))
        .bind(new.csrf_token)
        .bind(to_millis(new.now))
        .bind(to_millis(new.expires_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn console_session(&self, token_hash: &str) -> StoreResult<Option<ConsoleSession>> {
        let row = sqlx::query(
            "SELECT admin_id, generation, csrf_token, created_at, last_seen_at, expires_at \
             FROM console_sessions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(ConsoleSession {
            admin_id: parse_uuid(&row.try_get::<String, _>("admin_id")?)?,
            generation: u32::try_from(row.try_get::<i64, _>("generation")?).unwrap_or(u32::MAX),
            csrf_token: row.try_get("csrf_token")?,
            created_at: from_millis(row.try_get("created_at")?),
            last_seen_at: from_millis(row.try_get("last_seen_at")?),
            expires_at: from_millis(row.try_get("expires_at")?),
        }))
    }

    /// Marks the session used now, unless it was used after `unless_seen_after` (so a burst of
    /// requests writes once).
    pub async fn touch_console_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        unless_seen_after: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE console_sessions SET last_seen_at = $2 \
             WHERE token_hash = $1 AND last_seen_at < $3",
        )
        .bind(token_hash)
        .bind(to_millis(now))
        .bind(to_millis(unless_seen_after))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn close_console_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM console_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forgets sessions idle since before `idle_before` or past their end; returns how many.
    pub async fn purge_console_sessions(
        &self,
        idle_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let result =
            sqlx::query("DELETE FROM console_sessions WHERE last_seen_at < $1 OR expires_at <= $2")
                .bind(to_millis(idle_before))
                .bind(to_millis(now))
                .execute(&self.pool)
                .await?;
        Ok(result.rows_affected())
    }
}
