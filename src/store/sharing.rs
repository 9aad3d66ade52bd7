//! What a user may share: signals that were sent to them, with their outcome once closed.

use sqlx::Row;
use uuid::Uuid;

use super::{Store, StoreResult, StoredOutcome, StoredSignal, parse_uuid};

/// A signal the user received, and how it ended if it has.
#[derive(Debug, Clone)]
pub struct ReceivedSignal {
    pub stored: StoredSignal,
    pub outcome: Option<StoredOutcome>,
}

/// "This user was sent that signal": the per-user delivery index, keyed (user_id, signal_id).
const SENT_TO: &str = "EXISTS (SELECT 1 FROM signal_deliveries d \
     WHERE d.user_id = $1 AND d.signal_id = o.signal_id AND d.status = 'sent')";

impl Store {
    /// The signal, if it was sent to the user, with its outcome.
    pub async fn received_signal(
        &self,
        user_id: Uuid,
        signal_id: Uuid,
    ) -> StoreResult<Option<ReceivedSignal>> {
        let sent = sqlx::query(
            "SELECT 1 AS sent FROM signal_deliveries \
             WHERE user_id = $1 AND signal_id = $2 AND status = 'sent'",
        )
        .bind(user_id.to_string())
        .bind(signal_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        if sent.is_none() {
            return Ok(None);
        }
        let Some(stored) = self.signal(signal_id).await? else {
            return Ok(None);
        };
        let outcome = self.outcome(signal_id).await?;
        Ok(Some(ReceivedSignal { stored, outcome }))
    }

    /// The latest closed signals the user received, newest close first (at most `limit`).
    pub async fn received_outcomes(
        &self,
        user_id: Uuid,
        limit: i64,
    ) -> StoreResult<Vec<ReceivedSignal>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT o.signal_id FROM signal_outcomes o WHERE {SENT_TO} \
             ORDER BY o.closed_at DESC LIMIT $2"
        )))
        .bind(user_id.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut found = Vec::with_capacity(rows.len());
        // A handful of rows (an inline answer), so one read per signal is fine.
        for row in &rows {
            let id = parse_uuid(&row.try_get::<String, _>("signal_id")?)?;
            if let (Some(stored), Some(outcome)) = (self.signal(id).await?, self.outcome(id).await?)
            {
                found.push(ReceivedSignal {
                    stored,
                    outcome: Some(outcome),
                });
            }
        }
        Ok(found)
    }
}
