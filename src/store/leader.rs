//! Leader election: exactly one process at a time sends deliveries and polls Telegram.
//!
//! On PostgreSQL the leader holds a session-level advisory lock on a connection of its own. If the
//! process dies, its connection closes and the lock is released at once, so a standby takes over
//! within one election interval. Writes that must only happen under leadership go through that same
//! connection: a leader whose connection broke cannot write them, which fences off a stale leader.
//! SQLite is single-process by nature; its one process always leads.

use sqlx::{AnyConnection, Row};

use super::{Backend, Store, StoreResult};

/// `hashtext('herald-leader')`-like constant; any fixed key shared by all replicas works.
const LEADER_LOCK_KEY: i64 = 0x4845_5241_4c44; // "HERALD"

pub struct Leadership {
    connection: Option<AnyConnection>,
}

impl Leadership {
    pub(crate) fn connection(&mut self) -> Option<&mut AnyConnection> {
        self.connection.as_mut()
    }

    /// Whether the lock is still ours: the connection that holds it still answers.
    pub async fn still_held(&mut self) -> bool {
        match self.connection.as_mut() {
            None => true,
            Some(conn) => sqlx::query("SELECT 1").execute(conn).await.is_ok(),
        }
    }

    /// Gives the lock up explicitly (graceful shutdown) so a standby need not wait.
    pub async fn release(mut self) {
        if let Some(conn) = self.connection.as_mut() {
            let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(LEADER_LOCK_KEY)
                .execute(conn)
                .await;
        }
    }
}

impl Store {
    /// Tries once to become leader.
    pub async fn try_lead(&self) -> StoreResult<Option<Leadership>> {
        match self.backend {
            Backend::Sqlite => Ok(Some(Leadership { connection: None })),
            Backend::Postgres => {
                let mut conn = self.pool.acquire().await?;
                let row = sqlx::query("SELECT pg_try_advisory_lock($1) AS locked")
                    .bind(LEADER_LOCK_KEY)
                    .fetch_one(&mut *conn)
                    .await?;
                let locked: bool = row.try_get("locked")?;
                if locked {
                    // Detached: the connection (and the lock) must never go back to the pool, where
                    // it would outlive this leadership; dropping it closes it and frees the lock.
                    Ok(Some(Leadership {
                        connection: Some(conn.detach()),
                    }))
                } else {
                    Ok(None)
                }
            }
        }
    }
}
