//! Figures only the console's dashboard shows: deliveries per hour for its chart, and how many
//! were sent in the last moments (the send rate).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::Row;
use uuid::Uuid;

use super::{Store, StoreResult, from_millis, parse_uuid, to_millis};

const HOUR_MS: i64 = 3_600_000;

/// Deliveries of signals accepted in one hour, by what became of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HourCounts {
    pub hour: DateTime<Utc>,
    pub sent: i64,
    /// Failed or blocked.
    pub failed: i64,
    /// Still to send (pending, uncertain, sending).
    pub waiting: i64,
}

impl Store {
    /// One entry per hour from `since`'s hour to now's, empty hours included.
    pub async fn deliveries_per_hour(
        &self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<HourCounts>> {
        let first = to_millis(since).div_euclid(HOUR_MS);
        let last = to_millis(now).div_euclid(HOUR_MS);
        let rows = sqlx::query(
            "SELECT accepted_at / 3600000 AS hour, status, COUNT(*) AS n FROM signal_deliveries \
             WHERE accepted_at >= $1 GROUP BY accepted_at / 3600000, status",
        )
        .bind(first * HOUR_MS)
        .fetch_all(&self.pool)
        .await?;
        let mut hours: Vec<HourCounts> = (first..=last)
            .map(|hour| HourCounts {
                hour: from_millis(hour * HOUR_MS),
                ..HourCounts::default()
            })
            .collect();
        for row in rows {
            let hour: i64 = row.try_get("hour")?;
            let Some(slot) = usize::try_from(hour - first)
                .ok()
                .and_then(|index| hours.get_mut(index))
            else {
                continue;
            };
            let n: i64 = row.try_get("n")?;
            match row.try_get::<String, _>("status")?.as_str() {
                "sent" => slot.sent += n,
                "failed" | "blocked" => slot.failed += n,
                "skipped" => {}
                _ => slot.waiting += n,
            }
        }
        Ok(hours)
    }

    /// Deliveries Telegram accepted at or after `since` (of signals of the last day).
    pub async fn sent_since(&self, since: DateTime<Utc>, now: DateTime<Utc>) -> StoreResult<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM signal_deliveries \
             WHERE accepted_at >= $1 AND status = 'sent' AND delivered_at >= $2",
        )
        .bind(to_millis(now - chrono::Duration::hours(24)))
        .bind(to_millis(since))
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// (sent, all) deliveries of each signal, for a page of signals: one grouped read through the
    /// `(signal_id, status)` index.
    pub async fn sent_of_signals(&self, ids: &[Uuid]) -> StoreResult<HashMap<Uuid, (i64, i64)>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let (json, in_ids) = super::uuid_set(self.backend, ids)?;
        let sql = format!(
            "SELECT signal_id, SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END) AS sent, \
             COUNT(*) AS n FROM signal_deliveries WHERE signal_id {in_ids} GROUP BY signal_id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(json)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let id = parse_uuid(&row.try_get::<String, _>("signal_id")?)?;
                let sent = row.try_get::<Option<i64>, _>("sent")?.unwrap_or(0);
                Ok((id, (sent, row.try_get("n")?)))
            })
            .collect()
    }
}
