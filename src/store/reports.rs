//! Scheduled reports: one row per (user, period), written once (the UNIQUE key makes a second
//! writer — a restarted or another replica's scheduler — write nothing) and sent from here.
//!
//! Life of a row: `pending` → `sending` (committed before the request) → `sent` | `failed` |
//! `blocked`, or back to `pending` later. A row still `sending` when a sender starts was cut off
//! mid-request; unlike a signal it is not sent again (`uncertain`), because a report must never
//! arrive twice and the next period brings a new one.

use chrono::{DateTime, Utc};
use sqlx::Row;
use uuid::Uuid;

use super::{DeliveryOutcome, Store, StoreResult, parse_uuid, to_millis};

/// A report ready to queue.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub user_id: Uuid,
    pub chat_id: i64,
    /// `daily:2024-03-30`, `weekly:2024-W13`.
    pub period: String,
    /// The message, HTML.
    pub body: String,
}

/// A report the sender is about to send.
#[derive(Debug, Clone)]
pub struct QueuedReport {
    pub id: i64,
    pub chat_id: i64,
    pub body: String,
    pub attempts: i32,
}

impl Store {
    /// The users who already have a report for `period` (sent or not).
    pub async fn users_reported(&self, period: &str) -> StoreResult<Vec<Uuid>> {
        let rows = sqlx::query("SELECT user_id FROM reports WHERE period = $1")
            .bind(period)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| parse_uuid(&row.try_get::<String, _>("user_id")?))
            .collect()
    }

    /// Queues a report; false when this user already has one for the period.
    pub async fn enqueue_report(
        &self,
        report: &NewReport,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let inserted = sqlx::query(
            "INSERT INTO reports (user_id, chat_id, period, body, status, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, 'pending', $5, $5) ON CONFLICT (user_id, period) DO NOTHING",
        )
        .bind(report.user_id.to_string())
        .bind(report.chat_id)
        .bind(&report.period)
        .bind(&report.body)
        .bind(to_millis(now))
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    /// Reports due now, oldest first.
    pub async fn due_reports(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<QueuedReport>> {
        let rows = sqlx::query(
            "SELECT id, chat_id, body, attempts FROM reports \
             WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT $2",
        )
        .bind(to_millis(now))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(QueuedReport {
                    id: row.try_get("id")?,
                    chat_id: row.try_get("chat_id")?,
                    body: row.try_get("body")?,
                    attempts: row.try_get("attempts")?,
                })
            })
            .collect()
    }

    /// Claims a report for sending; false when another sender got it first.
    pub async fn claim_report(&self, id: i64) -> StoreResult<bool> {
        let claimed = sqlx::query(
            "UPDATE reports SET status = 'sending', attempts = attempts + 1 \
             WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(claimed == 1)
    }

    /// Records how an attempt ended. A possibly-delivered failure is not retried (see above).
    pub async fn record_report(&self, id: i64, outcome: &DeliveryOutcome) -> StoreResult<()> {
        let query = match outcome {
            DeliveryOutcome::Sent { message_id, at } => sqlx::query(
                "UPDATE reports SET status = 'sent', telegram_message_id = $2, sent_at = $3, \
                 last_error = NULL WHERE id = $1",
            )
            .bind(id)
            .bind(*message_id)
            .bind(to_millis(*at)),
            DeliveryOutcome::Retry {
                uncertain: true,
                error,
                ..
            } => sqlx::query(
                "UPDATE reports SET status = 'uncertain', last_error = $2 WHERE id = $1",
            )
            .bind(id)
            .bind(error.as_str()),
            DeliveryOutcome::Retry { at, error, .. } => sqlx::query(
                "UPDATE reports SET status = 'pending', next_attempt_at = $2, last_error = $3 \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(to_millis(*at))
            .bind(error.as_str()),
            DeliveryOutcome::Failed { error } => {
                sqlx::query("UPDATE reports SET status = 'failed', last_error = $2 WHERE id = $1")
                    .bind(id)
                    .bind(error.as_str())
            }
            DeliveryOutcome::Blocked { error } => {
                sqlx::query("UPDATE reports SET status = 'blocked', last_error = $2 WHERE id = $1")
                    .bind(id)
                    .bind(error.as_str())
            }
        };
        query.execute(&self.pool).await?;
        Ok(())
    }

    /// Reports left `sending` by a sender that died mid-request become `uncertain` for good.
    pub async fn recover_interrupted_reports(&self) -> StoreResult<u64> {
        let result = sqlx::query(
            "UPDATE reports SET status = 'uncertain', last_error = 'interrupted mid-request' \
             WHERE status = 'sending'",
        )
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected())
    }

    /// Reports still to send, for `/api/stats` and tests.
    pub async fn reports_by_status(&self) -> StoreResult<Vec<(String, i64)>> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM reports GROUP BY status")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("status")?, row.try_get("n")?)))
            .collect()
    }
}
