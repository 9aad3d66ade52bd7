//! The inbox of Telegram updates, and the per-chat leases replicas share it by: every statement
//! on `telegram_updates` and `inbox_leases` is here.
//!
//! An update is written here before Telegram is told it arrived (the next getUpdates offset, or
//! the webhook's 200), so a crash never loses a command; the `update_id` key drops Telegram's
//! redeliveries. Payloads carry names and messages, so they are sealed like the users' names;
//! retention deletes handled ones after a day.
//!
//! Leases: a replica leases the chats that have unhandled updates (one row per chat in
//! `inbox_leases`; `INSERT … ON CONFLICT DO UPDATE … WHERE expired` lets exactly one replica win a
//! chat), then handles only its leased chats' updates, oldest first. So two replicas never work on
//! one chat at the same time and each chat's updates keep their order. Leasing skips chats with a
//! live lease, its own included, so a pass that finds only chats it already holds writes nothing;
//! `renew_inbox_leases` extends them. The same statements run on SQLite, where there is one
//! process anyway.

mod receipt;

pub use receipt::Receipt;

use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::callers::{CALLER_COLUMNS, CALLER_JOINS, CallerRecord, caller_from_row};
use super::kv_state::SET_STATE;
use super::{Backend, Store, StoreError, StoreResult, id_set, to_millis};

/// Stores a batch (`$1` a JSON array of sealed `NewUpdate`s, redeliveries dropped) received by
/// `$3` at `$2`, and leases the new updates' chats to `$3` until `$4` where no live lease is in the
/// way. Rows: `new` updates with their chat's caller record, chats `won` now, chats `held` live by
/// `$3` before, and `earlier` unhandled updates of the batch's chats (the statement's snapshot
/// predates the insert). The caller read is a lateral subquery kept apart (`OFFSET 0`), so it is
/// a few index probes per row: joined to the batch, the planner, not knowing the batch is small,
/// hashed the whole users table.
macro_rules! pg_store_and_claim {
    () => {
        "stored AS (INSERT INTO telegram_updates \
             (update_id, chat_id, payload, received_at, received_by) \
             SELECT x.update_id, x.chat_id, x.payload, $2, $3 \
             FROM json_to_recordset($1::json) AS x(update_id bigint, chat_id bigint, payload text) \
             ON CONFLICT (update_id) DO NOTHING RETURNING update_id, chat_id), \
         won AS (INSERT INTO inbox_leases (chat_key, owner, expires_at) \
             SELECT DISTINCT chat_id, $3, $4 FROM stored WHERE chat_id IS NOT NULL ORDER BY chat_id \
             ON CONFLICT (chat_key) DO UPDATE \
             SET owner = excluded.owner, expires_at = excluded.expires_at \
             WHERE inbox_leases.expires_at < $2 RETURNING chat_key) \
         SELECT b.kind, b.update_id, b.chat_id, caller.* FROM ( \
             SELECT 'new' AS kind, update_id, chat_id, chat_id AS telegram_id FROM stored \
             UNION ALL SELECT 'won', NULL::bigint, chat_key, NULL::bigint FROM won \
             UNION ALL SELECT 'held', NULL::bigint, l.chat_key, NULL::bigint FROM inbox_leases l \
                 WHERE l.owner = $3 AND l.expires_at >= $2 \
                 AND l.chat_key IN (SELECT chat_id FROM stored) \
             UNION ALL SELECT 'earlier', t.update_id, t.chat_id, NULL::bigint FROM telegram_updates t \
                 WHERE t.handled_at IS NULL AND t.chat_id IN (SELECT chat_id FROM stored)) b \
         LEFT JOIN LATERAL (SELECT {caller_columns} FROM (SELECT b.telegram_id) q {caller_joins} \
             OFFSET 0) caller ON true"
    };
}
static PG_STORE: LazyLock<String> = LazyLock::new(|| {
    format!(
        concat!("WITH ", pg_store_and_claim!()),
        caller_columns = *CALLER_COLUMNS,
        caller_joins = CALLER_JOINS
    )
});
/// The same, saving `$6` under `$5` in `kv_state` within the statement.
static PG_STORE_WITH_STATE: LazyLock<String> = LazyLock::new(|| {
    format!(
        concat!(
            "WITH saved AS (INSERT INTO kv_state (name, value) VALUES ($5, $6) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value), ",
            pg_store_and_claim!()
        ),
        caller_columns = *CALLER_COLUMNS,
        caller_joins = CALLER_JOINS
    )
});
/// SQLite runs the same steps as separate statements in one write transaction (no round trips
/// there). `WHERE true` keeps SQLite from reading `ON CONFLICT` as a join constraint.
const SQLITE_EARLIER: &str = "SELECT update_id, chat_id FROM telegram_updates \
     WHERE handled_at IS NULL AND chat_id IN (SELECT value FROM json_each($1))";
const SQLITE_STORE: &str = "INSERT INTO telegram_updates \
     (update_id, chat_id, payload, received_at, received_by) \
     SELECT value ->> 'update_id', value ->> 'chat_id', value ->> 'payload', $2, $3 \
     FROM json_each($1) WHERE true ORDER BY key \
     ON CONFLICT (update_id) DO NOTHING RETURNING update_id, chat_id";
const SQLITE_HELD: &str = "SELECT chat_key FROM inbox_leases \
     WHERE owner = $1 AND expires_at >= $2 AND chat_key IN (SELECT value FROM json_each($3))";
const SQLITE_LEASE: &str = "INSERT INTO inbox_leases (chat_key, owner, expires_at) \
     SELECT value, $2, $3 FROM json_each($1) WHERE true ORDER BY value \
     ON CONFLICT (chat_key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at \
     WHERE inbox_leases.expires_at < $4 RETURNING chat_key";
/// The caller records of the chats in `$1` (a JSON array).
static SQLITE_CALLERS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT q.telegram_id AS caller_id, {} \
         FROM (SELECT value AS telegram_id FROM json_each($1)) q {CALLER_JOINS}",
        *CALLER_COLUMNS
    )
});

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
    /// The chat's caller record, read with the update when nothing could have changed it since
    /// (see `Receipt::callers`); `None` has the handler read it.
    pub caller: Option<CallerRecord>,
}

/// The distinct chats among these, as a JSON array for `json_each`.
fn chat_set(chats: impl Iterator<Item = Option<i64>>) -> StoreResult<String> {
    let chats: HashSet<i64> = chats.flatten().collect();
    serde_json::to_string(&chats).map_err(|err| StoreError::Corrupt(err.to_string()))
}

impl Store {
    /// An update row (`update_id, chat_id, payload, attempts`) with its payload opened.
    fn inbox_update(&self, row: &AnyRow) -> StoreResult<InboxUpdate> {
        Ok(InboxUpdate {
            update_id: row.try_get("update_id")?,
            chat_id: row.try_get("chat_id")?,
            payload: self.cipher.open(&row.try_get::<String, _>("payload")?)?,
            attempts: row.try_get("attempts")?,
            caller: None,
        })
    }

    /// Stores a batch of updates with one statement, and leases their chats to `received_by`
    /// until `lease_until` where no other replica holds them; returns what it stored and claimed.
    /// `state`, a `kv_state` entry such as the poll offset that confirms the batch to Telegram, is
    /// written in the same transaction: a polled batch costs one commit, and the offset never
    /// moves past updates that were not stored.
    pub async fn store_updates(
        &self,
        updates: &[NewUpdate],
        received_by: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        state: Option<(&str, &str)>,
    ) -> StoreResult<Receipt> {
        if updates.is_empty() {
            if let Some((name, value)) = state {
                self.set_state(name, value).await?;
            }
            return Ok(Receipt::default());
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
        match self.backend {
            Backend::Postgres => {
                self.store_updates_pg(rows, received_by, now, lease_until, state)
                    .await
            }
            Backend::Sqlite => {
                let chats = chat_set(updates.iter().map(|update| update.chat_id))?;
                self.store_updates_sqlite(rows, chats, received_by, now, lease_until, state)
                    .await
            }
        }
    }

    async fn store_updates_pg(
        &self,
        rows: String,
        received_by: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        state: Option<(&str, &str)>,
    ) -> StoreResult<Receipt> {
        // One statement: one transaction, and one round trip.
        let mut query = sqlx::query(if state.is_some() {
            PG_STORE_WITH_STATE.as_str()
        } else {
            PG_STORE.as_str()
        })
        .bind(rows)
        .bind(to_millis(now))
        .bind(received_by)
        .bind(to_millis(lease_until));
        if let Some((name, value)) = state {
            query = query.bind(name).bind(value);
        }
        let (mut stored, mut won, mut held, mut earlier) = (vec![], vec![], vec![], vec![]);
        let mut callers: Vec<(i64, CallerRecord)> = vec![];
        for row in query.fetch_all(&self.pool).await? {
            let kind: String = row.try_get("kind")?;
            let update_id: Option<i64> = row.try_get("update_id")?;
            let chat_id: Option<i64> = row.try_get("chat_id")?;
            match (kind.as_str(), update_id, chat_id) {
                ("new", Some(update_id), chat) => {
                    stored.push((update_id, chat));
                    // Each of a chat's rows carries the same record: it is opened once. One that
                    // cannot be read is left to the handler, which fails on it alone: the batch
                    // is stored whatever one user's rows hold.
                    if let Some(chat) = chat
                        && !callers.iter().any(|(seen, _)| *seen == chat)
                        && let Ok(record) = caller_from_row(&self.cipher, &row)
                    {
                        callers.push((chat, record));
                    }
                }
                ("won", _, Some(chat)) => won.push(chat),
                ("held", _, Some(chat)) => held.push(chat),
                ("earlier", Some(update_id), Some(chat)) => earlier.push((chat, update_id)),
                _ => return Err(StoreError::Corrupt(format!("unexpected {kind} row"))),
            }
        }
        Ok(Receipt::assemble(stored, won, held, earlier, callers))
    }

    async fn store_updates_sqlite(
        &self,
        rows: String,
        chats: String,
        received_by: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        state: Option<(&str, &str)>,
    ) -> StoreResult<Receipt> {
        let now = to_millis(now);
        let mut tx = self.begin_write().await?;
        let earlier = sqlx::query(SQLITE_EARLIER)
            .bind(&chats)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| Ok((row.try_get("chat_id")?, row.try_get("update_id")?)))
            .collect::<StoreResult<Vec<(i64, i64)>>>()?;
        let stored = sqlx::query(SQLITE_STORE)
            .bind(rows)
            .bind(now)
            .bind(received_by)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| Ok((row.try_get("update_id")?, row.try_get("chat_id")?)))
            .collect::<StoreResult<Vec<(i64, Option<i64>)>>>()?;
        if let Some((name, value)) = state {
            sqlx::query(SET_STATE)
                .bind(name)
                .bind(value)
                .execute(&mut *tx)
                .await?;
        }
        let new_chats = chat_set(stored.iter().map(|(_, chat)| *chat))?;
        let held = sqlx::query(SQLITE_HELD)
            .bind(received_by)
            .bind(now)
            .bind(&new_chats)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| Ok(row.try_get("chat_key")?))
            .collect::<StoreResult<Vec<i64>>>()?;
        let won = sqlx::query(SQLITE_LEASE)
            .bind(&new_chats)
            .bind(received_by)
            .bind(to_millis(lease_until))
            .bind(now)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| Ok(row.try_get("chat_key")?))
            .collect::<StoreResult<Vec<i64>>>()?;
        tx.commit().await?;
        // Read after the commit: the poller stores a batch every millisecond or so when busy,
        // and every other writer waits for the write lock in SQLite's sleeping busy handler, so
        // the transaction holds it no longer than the batch needs. Later is no less current.
        let claimed = chat_set(won.iter().chain(&held).map(|chat| Some(*chat)))?;
        let callers = self.sqlite_callers(&claimed).await.unwrap_or_default();
        Ok(Receipt::assemble(stored, won, held, earlier, callers))
    }

    /// The caller records of the chats in `chats` (a JSON array). An unreadable record is left
    /// out, for the handler to read and fail on alone (see `store_updates_pg`).
    async fn sqlite_callers(&self, chats: &str) -> StoreResult<Vec<(i64, CallerRecord)>> {
        Ok(sqlx::query(SQLITE_CALLERS.as_str())
            .bind(chats)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .filter_map(|row| {
                Some((
                    row.try_get("caller_id").ok()?,
                    caller_from_row(&self.cipher, row).ok()?,
                ))
            })
            .collect())
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
        rows.iter().map(|row| self.inbox_update(row)).collect()
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
        rows.iter().map(|row| self.inbox_update(row)).collect()
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
}
