//! Telegram file_ids of uploaded charts, keyed by what the chart shows, so a chart many users
//! ask for is uploaded once and re-sent by file_id.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Store, StoreResult, to_millis};

impl Store {
    /// The Telegram file_id of a chart uploaded before.
    pub async fn chart_file(&self, key: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT file_id FROM chart_files WHERE chart_key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get("file_id")).transpose()?)
    }

    pub async fn save_chart_file(
        &self,
        key: &str,
        file_id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO chart_files (chart_key, file_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (chart_key) DO UPDATE SET file_id = excluded.file_id, \
             created_at = excluded.created_at",
        )
        .bind(key)
        .bind(file_id)
        .bind(to_millis(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Forgets a file_id Telegram no longer accepts.
    pub async fn forget_chart_file(&self, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM chart_files WHERE chart_key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
