//! The delivery queue: one row per (signal, recipient), walked by the dispatcher.
//!
//! Life of a row: `pending` → `sending` (committed before the request) → `sent` | `failed` |
//! `blocked`, or back to `pending` with a later `next_attempt_at`. A row found in `sending` when a
//! dispatcher takes over was interrupted mid-request; nobody can know whether Telegram got it, so
//! it becomes `uncertain` and is sent again, flagged as a possible repeat.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::leader::Leadership;
use super::{Backend, Store, StoreError, StoreResult, flag, from_millis, parse_uuid, to_millis};
use crate::domain::i18n::Lang;
use crate::domain::preferences::MessageFormat;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    Pending,
    Sending,
    Sent,
    Failed,
    Blocked,
    Skipped,
    Uncertain,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 7] = [
        Self::Pending,
        Self::Sending,
        Self::Sent,
        Self::Failed,
        Self::Blocked,
        Self::Skipped,
        Self::Uncertain,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Blocked => "blocked",
            Self::Skipped => "skipped",
            Self::Uncertain => "uncertain",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// A row to write when a signal is accepted.
#[derive(Debug, Clone, Serialize)]
pub struct NewDelivery {
    pub user_id: String,
    pub chat_id: i64,
    pub status: DeliveryStatus,
    pub skip_reason: Option<String>,
    pub lang: Lang,
    pub format: MessageFormat,
    pub silent: bool,
    pub protect_content: bool,
    pub reply_to_message_id: Option<i64>,
    pub next_attempt_at: i64,
}

impl NewDelivery {
    pub fn is_queued(&self) -> bool {
        self.status == DeliveryStatus::Pending
    }
}

/// A row the dispatcher is about to send.
#[derive(Debug, Clone)]
pub struct QueuedDelivery {
    pub id: i64,
    pub signal_id: Uuid,
    pub chat_id: i64,
    pub lang: Lang,
    pub format: MessageFormat,
    pub silent: bool,
    pub protect_content: bool,
    pub reply_to_message_id: Option<i64>,
    pub attempts: i32,
    pub accepted_at: DateTime<Utc>,
    /// It was interrupted mid-request before: the message must say it may be a repeat.
    pub maybe_repeat: bool,
}

/// How one attempt ended, as the dispatcher records it.
#[derive(Debug, Clone)]
pub enum DeliveryOutcome {
    Sent {
        message_id: i64,
        at: DateTime<Utc>,
    },
    /// Try again at `at`; `uncertain` when the failed request may have reached Telegram, so the
    /// next copy must say it may be a repeat.
    Retry {
        at: DateTime<Utc>,
        error: String,
        uncertain: bool,
    },
    Failed {
        error: String,
    },
    Blocked {
        error: String,
    },
}

/// One delivery as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryRow {
    pub id: i64,
    pub signal_id: Uuid,
    pub chat_id: Option<i64>,
    pub status: DeliveryStatus,
    pub skip_reason: Option<String>,
    pub attempts: i32,
    pub telegram_message_id: Option<i64>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub latency_ms: Option<i64>,
    pub last_error: Option<String>,
    pub read_at: Option<DateTime<Utc>>,
}

pub type DeliveryCounts = HashMap<DeliveryStatus, i64>;

/// A close accepted while the signal it closes was still queued for a chat could not know the
/// message to reply to; by the time the close is due (a chat's rows go out in order) the
/// original has been sent, so the reply target is looked up at claim time.
const QUEUE_COLUMNS: &str = "d.id, d.signal_id, d.chat_id, d.lang, d.format, d.silent, \
     d.protect_content, COALESCE(d.reply_to_message_id, \
         (SELECT o.telegram_message_id FROM signals s \
          JOIN signal_deliveries o ON o.signal_id = s.closes \
          WHERE s.id = d.signal_id AND o.chat_id = d.chat_id AND o.status = 'sent' LIMIT 1)) \
     AS reply_to_message_id, d.attempts, d.accepted_at, d.status";

fn queued_from_row(row: &AnyRow) -> StoreResult<QueuedDelivery> {
    let status: String = row.try_get("status")?;
    Ok(QueuedDelivery {
        id: row.try_get("id")?,
        signal_id: Store::signal_id(row)?,
        chat_id: row
            .try_get::<Option<i64>, _>("chat_id")?
            .ok_or_else(|| StoreError::Corrupt("queued delivery without chat".into()))?,
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
    })
}

/// Writes all rows with one statement: the rows travel as one JSON array that the database
/// unpacks, which keeps a 10,000-recipient signal to a single round trip.
pub(super) async fn insert_deliveries(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
    signal_id: Uuid,
    deliveries: &[NewDelivery],
    accepted_at: DateTime<Utc>,
) -> StoreResult<()> {
    if deliveries.is_empty() {
        return Ok(());
    }
    let rows =
        serde_json::to_string(deliveries).map_err(|err| StoreError::Corrupt(err.to_string()))?;
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
    sqlx::query(sql)
        .bind(signal_id.to_string())
        .bind(to_millis(accepted_at))
        .bind(rows)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    /// Up to `limit` rows due now, oldest first, skipping any chat that still has an earlier
    /// unfinished row, so each chat receives its signals in the order they were accepted.
    pub async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        after_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<QueuedDelivery>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {QUEUE_COLUMNS} FROM signal_deliveries d \
             WHERE d.status IN ('pending', 'uncertain') AND d.id > $1 AND d.next_attempt_at <= $2 \
             AND NOT EXISTS (SELECT 1 FROM signal_deliveries e \
                 WHERE e.chat_id = d.chat_id AND e.id < d.id \
                 AND e.status IN ('pending', 'uncertain', 'sending')) \
             ORDER BY d.id LIMIT $3"
        )))
        .bind(after_id)
        .bind(to_millis(now))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(queued_from_row).collect()
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

    /// Commits `sending` for rows about to be requested. Runs on the leader's own connection
    /// when there is one, so a dispatcher that lost its lock cannot mark (or send) anything.
    pub async fn mark_sending(&self, leadership: &mut Leadership, ids: &[i64]) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let id_list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        // The ids are integers we formatted ourselves, never outside text.
        let sql = format!(
            "UPDATE signal_deliveries SET status = 'sending', attempts = attempts + 1 \
             WHERE id IN ({id_list}) AND status IN ('pending', 'uncertain')"
        );
        let query = sqlx::query(sqlx::AssertSqlSafe(sql));
        match leadership.connection() {
            Some(conn) => query.execute(conn).await?,
            None => query.execute(&self.pool).await?,
        };
        Ok(())
    }

    /// Records a batch of attempt results in one transaction.
    pub async fn record_outcomes(
        &self,
        outcomes: &[(QueuedDelivery, DeliveryOutcome)],
    ) -> StoreResult<()> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        for (delivery, outcome) in outcomes {
            let query = match outcome {
                DeliveryOutcome::Sent { message_id, at } => sqlx::query(
                    "UPDATE signal_deliveries SET status = 'sent', telegram_message_id = $2, \
                     delivered_at = $3, latency_ms = $4, last_error = NULL, \
                     was_uncertain = was_uncertain OR $5 WHERE id = $1",
                )
                .bind(delivery.id)
                .bind(*message_id)
                .bind(to_millis(*at))
                .bind((*at - delivery.accepted_at).num_milliseconds())
                .bind(delivery.maybe_repeat),
                DeliveryOutcome::Retry { at, error, uncertain } => sqlx::query(
                    "UPDATE signal_deliveries SET status = CASE WHEN $4 THEN 'uncertain' ELSE 'pending' END, \
                     was_uncertain = was_uncertain OR $5, next_attempt_at = $2, last_error = $3 WHERE id = $1",
                )
                .bind(delivery.id)
                .bind(to_millis(*at))
                .bind(error.as_str())
                .bind(delivery.maybe_repeat || *uncertain)
                .bind(*uncertain),
                DeliveryOutcome::Failed { error } => sqlx::query(
                    "UPDATE signal_deliveries SET status = 'failed', last_error = $2 WHERE id = $1",
                )
                .bind(delivery.id)
                .bind(error.as_str()),
                DeliveryOutcome::Blocked { error } => sqlx::query(
                    "UPDATE signal_deliveries SET status = 'blocked', last_error = $2 WHERE id = $1",
                )
                .bind(delivery.id)
                .bind(error.as_str()),
            };
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Rows left in `sending` by a dispatcher that died mid-request become `uncertain`.
    pub async fn recover_interrupted(&self, leadership: &mut Leadership) -> StoreResult<u64> {
        let query = sqlx::query(
            "UPDATE signal_deliveries SET status = 'uncertain', was_uncertain = TRUE WHERE status = 'sending'",
        );
        let result = match leadership.connection() {
            Some(conn) => query.execute(conn).await?,
            None => query.execute(&self.pool).await?,
        };
        Ok(result.rows_affected())
    }

    /// The rest of a blocked chat's queue will never go out either.
    pub async fn block_pending_for_chat(&self, chat_id: i64, error: &str) -> StoreResult<u64> {
        let result = sqlx::query(
            "UPDATE signal_deliveries SET status = 'blocked', last_error = $2 \
             WHERE chat_id = $1 AND status IN ('pending', 'uncertain')",
        )
        .bind(chat_id)
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected())
    }

    pub async fn delivery_counts(&self, signal_id: Uuid) -> StoreResult<DeliveryCounts> {
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM signal_deliveries WHERE signal_id = $1 GROUP BY status",
        )
        .bind(signal_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut counts = DeliveryCounts::new();
        for row in rows {
            let status: String = row.try_get("status")?;
            let status = DeliveryStatus::parse(&status)
                .ok_or_else(|| StoreError::Corrupt(format!("delivery status {status:?}")))?;
            counts.insert(status, row.try_get("n")?);
        }
        Ok(counts)
    }

    pub async fn deliveries_of_signal(&self, signal_id: Uuid) -> StoreResult<Vec<DeliveryRow>> {
        let rows = sqlx::query(
            "SELECT id, signal_id, chat_id, status, skip_reason, attempts, telegram_message_id, \
             delivered_at, latency_ms, last_error, read_at FROM signal_deliveries \
             WHERE signal_id = $1 ORDER BY id",
        )
        .bind(signal_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let status: String = row.try_get("status")?;
                Ok(DeliveryRow {
                    id: row.try_get("id")?,
                    signal_id: parse_uuid(&row.try_get::<String, _>("signal_id")?)?,
                    chat_id: row.try_get("chat_id")?,
                    status: DeliveryStatus::parse(&status).ok_or_else(|| {
                        StoreError::Corrupt(format!("delivery status {status:?}"))
                    })?,
                    skip_reason: row.try_get("skip_reason")?,
                    attempts: row.try_get("attempts")?,
                    telegram_message_id: row.try_get("telegram_message_id")?,
                    delivered_at: row
                        .try_get::<Option<i64>, _>("delivered_at")?
                        .map(from_millis),
                    latency_ms: row.try_get("latency_ms")?,
                    last_error: row.try_get("last_error")?,
                    read_at: row.try_get::<Option<i64>, _>("read_at")?.map(from_millis),
                })
            })
            .collect()
    }

    /// Rows still to send (pending, uncertain or in flight).
    pub async fn queue_depth(&self) -> StoreResult<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM signal_deliveries WHERE status IN ('pending', 'uncertain', 'sending')",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// The message each chat got for a signal, so a close can reply to it.
    pub async fn sent_messages_of_signal(&self, signal_id: Uuid) -> StoreResult<HashMap<i64, i64>> {
        let rows = sqlx::query(
            "SELECT chat_id, telegram_message_id FROM signal_deliveries \
             WHERE signal_id = $1 AND status = 'sent' AND telegram_message_id IS NOT NULL",
        )
        .bind(signal_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("chat_id")?, row.try_get("telegram_message_id")?)))
            .collect()
    }

    /// First tap on one of a signal message's buttons.
    pub async fn mark_read(
        &self,
        chat_id: i64,
        message_id: i64,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let result = sqlx::query(
            "UPDATE signal_deliveries SET read_at = $3 \
             WHERE chat_id = $1 AND telegram_message_id = $2 AND read_at IS NULL",
        )
        .bind(chat_id)
        .bind(message_id)
        .bind(to_millis(at))
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() > 0)
    }
}
