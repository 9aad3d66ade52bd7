//! The figures admins ask for with `/users` and `/stats`.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Store, StoreResult, from_millis, to_millis};

/// `/users`: counts and the latest sign-ups.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct UserCounts {
    pub total: i64,
    pub active: i64,
    pub subscribed: i64,
    pub premium: i64,
    pub new_day: i64,
    pub new_week: i64,
}

#[derive(Debug, Clone)]
pub struct SignUp {
    pub telegram_id: i64,
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// `/stats`: the last 24 hours of signals and deliveries.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct ActivityStats {
    pub signals_total: i64,
    pub signals_day: i64,
    pub sent_day: i64,
    pub failed_day: i64,
    pub blocked_day: i64,
    pub skipped_day: i64,
    pub avg_latency_ms: Option<i64>,
}

impl Store {
    pub async fn user_counts(&self, now: DateTime<Utc>) -> StoreResult<UserCounts> {
        let day = to_millis(now - chrono::Duration::days(1));
        let week = to_millis(now - chrono::Duration::days(7));
        let counts = sqlx::query_as(
            "SELECT COUNT(*) AS total, \
             COALESCE(SUM(CASE WHEN u.is_active THEN 1 ELSE 0 END), 0) AS active, \
             COALESCE(SUM(CASE WHEN u.is_active AND s.is_active THEN 1 ELSE 0 END), 0) AS subscribed, \
             COALESCE(SUM(CASE WHEN s.subscription_type = 'premium' \
                 AND (s.expires_at IS NULL OR s.expires_at > $3) THEN 1 ELSE 0 END), 0) AS premium, \
             COALESCE(SUM(CASE WHEN u.created_at >= $1 THEN 1 ELSE 0 END), 0) AS new_day, \
             COALESCE(SUM(CASE WHEN u.created_at >= $2 THEN 1 ELSE 0 END), 0) AS new_week \
             FROM users u LEFT JOIN user_subscriptions s ON s.user_id = u.id",
        )
        .bind(day)
        .bind(week)
        .bind(to_millis(now))
        .fetch_one(&self.pool)
        .await?;
        Ok(counts)
    }

    pub async fn recent_signups(&self, limit: i64) -> StoreResult<Vec<SignUp>> {
        let rows = sqlx::query(
            "SELECT telegram_id, username, first_name, created_at FROM users \
             ORDER BY created_at DESC, telegram_id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SignUp {
                    telegram_id: row.try_get("telegram_id")?,
                    username: self
                        .cipher
                        .open_opt(row.try_get::<Option<String>, _>("username")?.as_deref())?,
                    first_name: self
                        .cipher
                        .open_opt(row.try_get::<Option<String>, _>("first_name")?.as_deref())?,
                    created_at: from_millis(row.try_get("created_at")?),
                })
            })
            .collect()
    }

    pub async fn activity_stats(&self, now: DateTime<Utc>) -> StoreResult<ActivityStats> {
        let day = to_millis(now - chrono::Duration::days(1));
        let stats = sqlx::query_as(
            "SELECT s.total AS signals_total, s.day AS signals_day, d.sent AS sent_day, \
             d.failed AS failed_day, d.blocked AS blocked_day, d.skipped AS skipped_day, \
             d.latency AS avg_latency_ms \
             FROM (SELECT COUNT(*) AS total, \
                   COALESCE(SUM(CASE WHEN accepted_at >= $1 THEN 1 ELSE 0 END), 0) AS day \
                   FROM signals) s \
             CROSS JOIN (SELECT \
                   COALESCE(SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END), 0) AS sent, \
                   COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) AS failed, \
                   COALESCE(SUM(CASE WHEN status = 'blocked' THEN 1 ELSE 0 END), 0) AS blocked, \
                   COALESCE(SUM(CASE WHEN status = 'skipped' THEN 1 ELSE 0 END), 0) AS skipped, \
                   CAST(AVG(latency_ms) AS BIGINT) AS latency \
                   FROM signal_deliveries WHERE accepted_at >= $1 AND signal_id IS NOT NULL) d",
        )
        .bind(day)
        .fetch_one(&self.pool)
        .await?;
        Ok(stats)
    }
}
