//! What is read back about deliveries: a signal's rows and counts for the API, the queue's depth
//! for `/status` and the gauges, the messages a close replies to, and read marks.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::DeliveryStatus;
use crate::store::{Store, StoreError, StoreResult, from_millis, parse_uuid, to_millis};

/// Sends still to make (pending, uncertain or in flight), as a scalar subquery.
const QUEUE_DEPTH: &str = "(SELECT COUNT(*) FROM signal_deliveries \
     WHERE status IN ('pending', 'uncertain', 'sending'))";

/// The service's pulse as users see it in `/status`.
#[derive(Debug, Clone, Copy)]
pub struct SignalFlow {
    pub last_signal_at: Option<DateTime<Utc>>,
    pub queue_depth: i64,
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

/// A row's `status` column.
fn stored_status(row: &AnyRow) -> StoreResult<DeliveryStatus> {
    let status: String = row.try_get("status")?;
    DeliveryStatus::parse(&status)
        .ok_or_else(|| StoreError::Corrupt(format!("delivery status {status:?}")))
}

impl Store {
    pub async fn delivery_counts(&self, signal_id: Uuid) -> StoreResult<DeliveryCounts> {
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM signal_deliveries WHERE signal_id = $1 GROUP BY status",
        )
        .bind(signal_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut counts = DeliveryCounts::new();
        for row in rows {
            counts.insert(stored_status(&row)?, row.try_get("n")?);
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
                Ok(DeliveryRow {
                    id: row.try_get("id")?,
                    signal_id: parse_uuid(&row.try_get::<String, _>("signal_id")?)?,
                    chat_id: row.try_get("chat_id")?,
                    status: stored_status(row)?,
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
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {QUEUE_DEPTH} AS n")))
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }

    /// When the last signal came and how many sends wait, in one statement (`/status` asks on
    /// every call).
    pub async fn signal_flow(&self) -> StoreResult<SignalFlow> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT (SELECT MAX(accepted_at) FROM signals) AS at, {QUEUE_DEPTH} AS n"
        )))
        .fetch_one(&self.pool)
        .await?;
        Ok(SignalFlow {
            last_signal_at: row.try_get::<Option<i64>, _>("at")?.map(from_millis),
            queue_depth: row.try_get("n")?,
        })
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

    /// The signal a message in a chat delivered, if it is one of ours still on record (delivery
    /// rows are purged after the retention age).
    pub async fn signal_of_message(
        &self,
        chat_id: i64,
        message_id: i64,
    ) -> StoreResult<Option<Uuid>> {
        let row = sqlx::query(
            "SELECT signal_id FROM signal_deliveries \
             WHERE chat_id = $1 AND telegram_message_id = $2 AND status = 'sent' LIMIT 1",
        )
        .bind(chat_id)
        .bind(message_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| parse_uuid(&row.try_get::<String, _>("signal_id")?))
            .transpose()
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
