//! Counts for `GET /api/stats`: deliveries, users and signals.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use super::{Store, StoreResult, to_millis};

#[derive(Debug, Clone, Default, Serialize)]
pub struct DeliveryStats {
    pub by_status: BTreeMap<String, i64>,
    /// Acceptance to Telegram's answer, over sent deliveries.
    pub latency_ms: LatencyStats,
    /// Deliveries whose message got a button tap.
    pub read: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct LatencyStats {
    pub avg: Option<f64>,
    pub p50: Option<i64>,
    pub p95: Option<i64>,
    pub max: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct UserStats {
    pub total: i64,
    pub active: i64,
    pub subscribed: i64,
}

impl Store {
    /// Deliveries accepted since `since` (all when `None`).
    pub async fn delivery_stats(&self, since: Option<DateTime<Utc>>) -> StoreResult<DeliveryStats> {
        let since = since.map(to_millis);
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM signal_deliveries \
             WHERE ($1 IS NULL OR accepted_at >= $1) GROUP BY status",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        let mut stats = DeliveryStats::default();
        for row in rows {
            stats
                .by_status
                .insert(row.try_get("status")?, row.try_get("n")?);
        }
        // AVG of a BIGINT is NUMERIC on PostgreSQL, which the Any driver cannot read.
        let row = sqlx::query(
            "SELECT CAST(AVG(latency_ms) AS DOUBLE PRECISION) AS avg, MAX(latency_ms) AS max, \
             COUNT(latency_ms) AS n, SUM(CASE WHEN read_at IS NULL THEN 0 ELSE 1 END) AS read \
             FROM signal_deliveries WHERE status = 'sent' AND ($1 IS NULL OR accepted_at >= $1)",
        )
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        let sent: i64 = row.try_get("n")?;
        stats.read = row.try_get::<Option<i64>, _>("read")?.unwrap_or(0);
        stats.latency_ms.avg = row.try_get("avg")?;
        stats.latency_ms.max = row.try_get("max")?;
        // Percentiles by offset: portable to both databases, one indexed scan each.
        let percentile = |fraction: f64| {
            let offset = ((sent as f64 - 1.0) * fraction).round().max(0.0) as i64;
            sqlx::query(
                "SELECT latency_ms FROM signal_deliveries \
                 WHERE status = 'sent' AND latency_ms IS NOT NULL \
                 AND ($1 IS NULL OR accepted_at >= $1) ORDER BY latency_ms LIMIT 1 OFFSET $2",
            )
            .bind(since)
            .bind(offset)
            .fetch_optional(&self.pool)
        };
        if sent > 0 {
            stats.latency_ms.p50 = percentile(0.5)
                .await?
                .map(|row| row.try_get("latency_ms"))
                .transpose()?;
            stats.latency_ms.p95 = percentile(0.95)
                .await?
                .map(|row| row.try_get("latency_ms"))
                .transpose()?;
        }
        Ok(stats)
    }

    pub async fn user_stats(&self) -> StoreResult<UserStats> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS total, \
             SUM(CASE WHEN u.is_active THEN 1 ELSE 0 END) AS active, \
             SUM(CASE WHEN u.is_active AND s.is_active AND u.disclaimer_accepted_at IS NOT NULL \
                 THEN 1 ELSE 0 END) AS subscribed \
             FROM users u LEFT JOIN user_subscriptions s ON s.user_id = u.id",
        )
        .fetch_one(&self.pool)
        .await?;
        let count = |name: &str| {
            row.try_get::<Option<i64>, _>(name)
                .map(Option::unwrap_or_default)
        };
        Ok(UserStats {
            total: count("total")?,
            active: count("active")?,
            subscribed: count("subscribed")?,
        })
    }

    /// Signals accepted since `since`, per type.
    pub async fn signal_counts(
        &self,
        since: Option<DateTime<Utc>>,
    ) -> StoreResult<BTreeMap<String, i64>> {
        let rows = sqlx::query(
            "SELECT kind, COUNT(*) AS n FROM signals WHERE ($1 IS NULL OR accepted_at >= $1) \
             GROUP BY kind",
        )
        .bind(since.map(to_millis))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("kind")?, row.try_get("n")?)))
            .collect()
    }

    /// Buy, sell and alert signals accepted in `[from, until)`: the new signals a report counts
    /// (closes are outcomes of earlier ones).
    pub async fn count_new_signals(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM signals WHERE kind IN ('buy', 'sell', 'alert') \
             AND accepted_at >= $1 AND accepted_at < $2",
        )
        .bind(to_millis(from))
        .bind(to_millis(until))
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }
}
