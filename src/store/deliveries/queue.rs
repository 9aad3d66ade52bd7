//! The dispatcher's side of the queue: writing a signal's rows, reading the due ones, marking
//! them `sending` and recording how each attempt ended.
//!
//! Queries over unfinished rows repeat the predicate of the partial queue indexes word for word
//! (`status IN ('pending', 'uncertain', 'sending')`) even where they narrow it: SQLite uses a
//! partial index only then, and otherwise walks every row ever delivered.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::{ChartChoice, DeliveryOutcome, DeliveryStatus, NewDelivery, QueuedDelivery, Recipient};
use crate::domain::i18n::Lang;
use crate::domain::preferences::{MessageFormat, Tier};
use crate::store::leader::Leadership;
use crate::store::users::block_chat;
use crate::store::{
    Backend, Store, StoreError, StoreResult, flag, from_millis, id_set, parse_uuid, to_millis,
};

/// One attempt's result as the batch UPDATE reads it.
#[derive(Serialize)]
struct OutcomeRow<'a> {
    id: i64,
    status: &'static str,
    message_id: Option<i64>,
    delivered_at: Option<i64>,
    latency_ms: Option<i64>,
    next_attempt_at: Option<i64>,
    last_error: Option<&'a str>,
    /// Ever sent or tried while in doubt (counted in statistics).
    uncertain: bool,
}

impl<'a> From<&'a (QueuedDelivery, DeliveryOutcome)> for OutcomeRow<'a> {
    fn from((delivery, outcome): &'a (QueuedDelivery, DeliveryOutcome)) -> Self {
        let base = OutcomeRow {
            id: delivery.id,
            status: DeliveryStatus::Failed.as_str(),
            message_id: None,
            delivered_at: None,
            latency_ms: None,
            next_attempt_at: None,
            last_error: None,
            uncertain: delivery.maybe_repeat,
        };
        match outcome {
            DeliveryOutcome::Sent { message_id, at } => OutcomeRow {
                status: DeliveryStatus::Sent.as_str(),
                message_id: Some(*message_id),
                delivered_at: Some(to_millis(*at)),
                latency_ms: Some((*at - delivery.accepted_at).num_milliseconds()),
                ..base
            },
            DeliveryOutcome::Retry {
                at,
                error,
                uncertain,
            } => OutcomeRow {
                status: if *uncertain || delivery.maybe_repeat {
                    DeliveryStatus::Uncertain.as_str()
                } else {
                    DeliveryStatus::Pending.as_str()
                },
                next_attempt_at: Some(to_millis(*at)),
                last_error: Some(error),
                uncertain: *uncertain || delivery.maybe_repeat,
                ..base
            },
            DeliveryOutcome::Failed { error } => OutcomeRow {
                last_error: Some(error),
                ..base
            },
            DeliveryOutcome::Blocked { error } => OutcomeRow {
                status: DeliveryStatus::Blocked.as_str(),
                last_error: Some(error),
                ..base
            },
        }
    }
}

/// The dispatcher's queue read (`Store::due_deliveries`); public so a test can check its plan.
/// A scalar subquery rather than NOT EXISTS: PostgreSQL turns the latter into a join whose inner
/// side it may scan whole for every row when its statistics predate the queue.
#[doc(hidden)]
pub fn due_deliveries_sql() -> String {
    format!(
        "SELECT {QUEUE_COLUMNS} FROM signal_deliveries d LEFT JOIN users u ON u.id = d.user_id \
         WHERE d.status IN ('pending', 'uncertain') AND d.id > $1 AND d.next_attempt_at <= $2 \
         AND d.id = (SELECT e.id FROM signal_deliveries e \
             WHERE e.chat_id = d.chat_id AND e.status IN ('pending', 'uncertain', 'sending') \
             ORDER BY e.id LIMIT 1) \
         ORDER BY d.id LIMIT $3"
    )
}

/// The last three columns are what the send step's chart decision reads (the user's switch and
/// tier as they are now, so a change made while the row waited counts); probes by primary key,
/// made only for the rows returned.
///
/// A close accepted while the signal it closes was still queued for a chat could not know the
/// message to reply to; by the time the close is due (a chat's rows go out in order) the
/// original has been sent, so the reply target is looked up at claim time: one probe of the
/// per-user index for the (user, original signal) row, nothing for a signal that closes nothing.
const QUEUE_COLUMNS: &str = "d.id, d.signal_id, d.chat_id, d.lang, d.format, d.silent, \
     d.protect_content, COALESCE(d.reply_to_message_id, \
         (SELECT o.telegram_message_id FROM signal_deliveries o \
          WHERE o.user_id = d.user_id \
          AND o.signal_id = (SELECT s.closes FROM signals s WHERE s.id = d.signal_id) \
          AND o.status = 'sent' LIMIT 1)) \
     AS reply_to_message_id, d.attempts, d.accepted_at, d.status, d.broadcast_id, \
     CASE WHEN d.user_id IS NULL AND d.chat_id < 0 THEN \
         (CASE WHEN EXISTS (SELECT 1 FROM channels c WHERE c.chat_id = d.chat_id) THEN 1 ELSE 2 END) \
     WHEN u.id IS NULL THEN NULL WHEN u.is_active THEN 1 ELSE 0 END AS recipient_active, \
     (SELECT p.charts FROM user_preferences p WHERE p.user_id = d.user_id) AS charts_on, \
     (SELECT s.subscription_type FROM user_subscriptions s WHERE s.user_id = d.user_id) AS tier, \
     (SELECT s.expires_at FROM user_subscriptions s WHERE s.user_id = d.user_id) AS tier_expires_at";

fn queued_from_row(row: &AnyRow) -> StoreResult<QueuedDelivery> {
    let status: String = row.try_get("status")?;
    let chat_id: Option<i64> = row.try_get("chat_id")?;
    // `recipient_active` is NULL when the user row is gone, 2 when a channel is.
    let recipient = match (chat_id, row.try_get::<Option<i64>, _>("recipient_active")?) {
        (None, _) | (_, None) => Recipient::Erased,
        (Some(_), Some(0)) => Recipient::Deactivated,
        (Some(_), Some(2)) => Recipient::ChannelRemoved,
        (Some(_), Some(_)) => Recipient::Active,
    };
    let broadcast_id = row
        .try_get::<Option<String>, _>("broadcast_id")?
        .map(|id| parse_uuid(&id))
        .transpose()?;
    Ok(QueuedDelivery {
        id: row.try_get("id")?,
        signal_id: match broadcast_id {
            Some(_) => Uuid::nil(),
            None => Store::signal_id(row)?,
        },
        broadcast_id,
        chat_id: chat_id.unwrap_or_default(),
        lang: Lang::from_code(&row.try_get::<String, _>("lang")?).unwrap_or_default(),
        format: match row.try_get::<String, _>("format")?.as_str() {
            "compact" => MessageFormat::Compact,
            _ => MessageFormat::Detailed,
        },
        silent: flag(row, "silent")?,
        protect_content: flag(row, "protect_content")?,
        reply_to_message_id: row.try_get("reply_to_message_id")?,
        attempts: row.try_get("attempts")?,
        accepted_at: from_millis(row.try_get("accepted_at")?),
        maybe_repeat: status == DeliveryStatus::Uncertain.as_str(),
        recipient,
        chart_choice: chart_choice(row)?,
    })
}

/// The user's chart switch and tier; `None` for a broadcast or an erased user.
fn chart_choice(row: &AnyRow) -> StoreResult<Option<ChartChoice>> {
    // A NULL reads as neither bool nor integer: no preferences row.
    let on = match row.try_get::<Option<bool>, _>("charts_on") {
        Ok(on) => on,
        Err(_) => row.try_get::<Option<i64>, _>("charts_on")?.map(|v| v != 0),
    };
    let (Some(on), Some(tier)) = (on, row.try_get::<Option<String>, _>("tier")?) else {
        return Ok(None);
    };
    let tier = Tier::parse(&tier).ok_or_else(|| StoreError::Corrupt(format!("tier {tier:?}")))?;
    Ok(Some(ChartChoice {
        on,
        tier,
        tier_expires_at: row
            .try_get::<Option<i64>, _>("tier_expires_at")?
            .map(from_millis),
    }))
}

/// Writes the rows `INSERT_CHUNK` per statement: they travel as one JSON array that the database
/// unpacks, which keeps a 10,000-recipient signal to two round trips.
pub(in crate::store) async fn insert_deliveries(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
    signal_id: Uuid,
    deliveries: &[NewDelivery],
    accepted_at: DateTime<Utc>,
) -> StoreResult<()> {
    let sql = match backend {
        Backend::Postgres => {
            "INSERT INTO signal_deliveries (signal_id, user_id, chat_id, status, skip_reason, lang, \
             format, silent, protect_content, reply_to_message_id, next_attempt_at, accepted_at) \
             SELECT $1, x.user_id, x.chat_id, x.status, x.skip_reason, x.lang, x.format, x.silent, \
             x.protect_content, x.reply_to_message_id, x.next_attempt_at, $2 \
             FROM json_to_recordset($3::json) AS x(user_id text, chat_id bigint, status text, \
             skip_reason text, lang text, format text, silent boolean, protect_content boolean, \
             reply_to_message_id bigint, next_attempt_at bigint)"
        }
        Backend::Sqlite => {
            "INSERT INTO signal_deliveries (signal_id, user_id, chat_id, status, skip_reason, lang, \
             format, silent, protect_content, reply_to_message_id, next_attempt_at, accepted_at) \
             SELECT $1, value ->> 'user_id', value ->> 'chat_id', value ->> 'status', \
             value ->> 'skip_reason', value ->> 'lang', value ->> 'format', value ->> 'silent', \
             value ->> 'protect_content', value ->> 'reply_to_message_id', \
             value ->> 'next_attempt_at', $2 FROM json_each($3) ORDER BY key"
        }
    };
    // Rows go in chunks so that a broadcast to 100,000 never holds one 25 MB JSON text.
    for chunk in deliveries.chunks(INSERT_CHUNK) {
        let rows =
            serde_json::to_string(chunk).map_err(|err| StoreError::Corrupt(err.to_string()))?;
        sqlx::query(sql)
            .bind(signal_id.to_string())
            .bind(to_millis(accepted_at))
            .bind(rows)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Delivery rows per INSERT statement.
const INSERT_CHUNK: usize = 5_000;

impl Store {
    /// Up to `limit` rows due now, oldest first, skipping any chat that still has an earlier
    /// unfinished row, so each chat receives its signals in the order they were accepted.
    pub async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        after_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<QueuedDelivery>> {
        let query = sqlx::query(sqlx::AssertSqlSafe(due_deliveries_sql()))
            .bind(after_id)
            .bind(to_millis(now))
            .bind(limit);
        let rows = match self.backend {
            Backend::Sqlite => query.fetch_all(&self.pool).await?,
            Backend::Postgres => {
                // The queue is empty most of the time, so that is what PostgreSQL's statistics
                // usually say when a broadcast starts; believing it, the planner would filter
                // and sort the whole queue rather than walk the queue index in order and stop at
                // `limit`. Sorting is ruled out for this read.
                let mut tx = self.pool.begin().await?;
                sqlx::query("SELECT set_config('enable_sort', 'off', true)")
                    .execute(&mut *tx)
                    .await?;
                let rows = query.fetch_all(&mut *tx).await?;
                tx.commit().await?;
                rows
            }
        };
        rows.iter().map(queued_from_row).collect()
    }

    /// Rows whose user was erased or deactivated after they were queued: skipped, never sent;
    /// an erased user's rows also lose the chat and user they pointed at.
    pub async fn skip_unreachable(&self, rows: &[QueuedDelivery]) -> StoreResult<()> {
        for (recipient, reason, forget) in [
            (Recipient::Erased, "user erased", true),
            (Recipient::Deactivated, "user deactivated", false),
            (Recipient::ChannelRemoved, "channel removed", false),
        ] {
            let ids: Vec<i64> = rows
                .iter()
                .filter(|row| row.recipient == recipient)
                .map(|row| row.id)
                .collect();
            if ids.is_empty() {
                continue;
            }
            let (ids, in_ids) = id_set(self.backend, &ids)?;
            let forget = if forget {
                ", user_id = NULL, chat_id = NULL"
            } else {
                ""
            };
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE signal_deliveries SET status = 'skipped', skip_reason = $2{forget} \
                 WHERE id {in_ids} AND status IN ('pending', 'uncertain')"
            )))
            .bind(ids)
            .bind(reason)
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    /// When the next row becomes due, so an idle dispatcher knows how long it may sleep.
    pub async fn next_due_at(&self) -> StoreResult<Option<DateTime<Utc>>> {
        let row = sqlx::query(
            "SELECT MIN(next_attempt_at) AS at FROM signal_deliveries WHERE status IN ('pending', 'uncertain')",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<Option<i64>, _>("at")?.map(from_millis))
    }

    /// Commits `sending` for rows about to be requested and returns the ids it marked: a row
    /// finished meanwhile (skipped for an erased user, blocked) is not among them and must not
    /// be sent. Runs on the leader's own connection when there is one, so a dispatcher that lost
    /// its lock cannot mark (or send) anything.
    pub async fn mark_sending(
        &self,
        leadership: &mut Leadership,
        ids: &[i64],
    ) -> StoreResult<HashSet<i64>> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        let (ids, in_ids) = id_set(self.backend, ids)?;
        let sql = format!(
            "UPDATE signal_deliveries SET status = 'sending', attempts = attempts + 1 \
             WHERE id {in_ids} AND status IN ('pending', 'uncertain') RETURNING id"
        );
        let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(ids);
        let rows = match leadership.connection() {
            Some(conn) => query.fetch_all(conn).await?,
            None => query.fetch_all(&self.pool).await?,
        };
        rows.iter().map(|row| Ok(row.try_get("id")?)).collect()
    }

    /// Records a batch of attempt results: one UPDATE for the whole batch (the rows travel as
    /// JSON), plus, in the same transaction, deactivation of any user who blocked the bot — so no
    /// reader ever sees a `blocked` delivery for a user still active.
    pub async fn record_outcomes(
        &self,
        outcomes: &[(QueuedDelivery, DeliveryOutcome)],
    ) -> StoreResult<()> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let rows: Vec<OutcomeRow> = outcomes.iter().map(OutcomeRow::from).collect();
        let rows =
            serde_json::to_string(&rows).map_err(|err| StoreError::Corrupt(err.to_string()))?;
        let mut tx = self.begin_write().await?;
        if self.backend == Backend::Postgres {
            // One primary-key probe per result: with statistics from an empty queue the planner
            // would rather hash the whole table.
            sqlx::query(
                "SELECT set_config('enable_hashjoin', 'off', true), \
                 set_config('enable_mergejoin', 'off', true)",
            )
            .execute(&mut *tx)
            .await?;
        }
        let sql = match self.backend {
            Backend::Postgres => {
                "UPDATE signal_deliveries AS d SET status = x.status, \
                 telegram_message_id = COALESCE(x.message_id, d.telegram_message_id), \
                 delivered_at = COALESCE(x.delivered_at, d.delivered_at), \
                 latency_ms = COALESCE(x.latency_ms, d.latency_ms), \
                 next_attempt_at = COALESCE(x.next_attempt_at, d.next_attempt_at), \
                 last_error = x.last_error, was_uncertain = d.was_uncertain OR x.uncertain \
                 FROM json_to_recordset($1::json) AS x(id bigint, status text, message_id bigint, \
                 delivered_at bigint, latency_ms bigint, next_attempt_at bigint, last_error text, \
                 uncertain boolean) WHERE d.id = x.id"
            }
            Backend::Sqlite => {
                "UPDATE signal_deliveries SET status = x.status, \
                 telegram_message_id = COALESCE(x.message_id, signal_deliveries.telegram_message_id), \
                 delivered_at = COALESCE(x.delivered_at, signal_deliveries.delivered_at), \
                 latency_ms = COALESCE(x.latency_ms, signal_deliveries.latency_ms), \
                 next_attempt_at = COALESCE(x.next_attempt_at, signal_deliveries.next_attempt_at), \
                 last_error = x.last_error, was_uncertain = (signal_deliveries.was_uncertain OR x.uncertain) \
                 FROM (SELECT value ->> 'id' AS id, value ->> 'status' AS status, \
                 value ->> 'message_id' AS message_id, value ->> 'delivered_at' AS delivered_at, \
                 value ->> 'latency_ms' AS latency_ms, value ->> 'next_attempt_at' AS next_attempt_at, \
                 value ->> 'last_error' AS last_error, value ->> 'uncertain' AS uncertain \
                 FROM json_each($1)) AS x WHERE signal_deliveries.id = x.id"
            }
        };
        sqlx::query(sql).bind(rows).execute(&mut *tx).await?;
        for (delivery, outcome) in outcomes {
            if let DeliveryOutcome::Blocked { error } = outcome {
                block_chat(&mut tx, delivery.chat_id, error).await?;
            }
        }
        let failed: Vec<i64> = outcomes
            .iter()
            .filter(|(delivery, outcome)| {
                delivery.broadcast_id.is_none()
                    && matches!(
                        outcome,
                        DeliveryOutcome::Failed { .. } | DeliveryOutcome::Blocked { .. }
                    )
            })
            .map(|(delivery, _)| delivery.id)
            .collect();
        // A broadcast can fail thousands of times: written only when a receiver wants them.
        if !failed.is_empty() && super::super::webhooks::wanted(&mut tx, "delivery.failed").await? {
            let now = chrono::Utc::now();
            for id in failed {
                super::super::webhooks::record_event(
                    &mut tx,
                    "delivery.failed",
                    &id.to_string(),
                    now,
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Rows left in `sending` by a dispatcher that died mid-request become `uncertain`.
    pub async fn recover_interrupted(&self, leadership: &mut Leadership) -> StoreResult<u64> {
        let query = sqlx::query(
            "UPDATE signal_deliveries SET status = 'uncertain', was_uncertain = TRUE \
             WHERE status = 'sending' AND status IN ('pending', 'uncertain', 'sending')",
        );
        let result = match leadership.connection() {
            Some(conn) => query.execute(conn).await?,
            None => query.execute(&self.pool).await?,
        };
        Ok(result.rows_affected())
    }
}
