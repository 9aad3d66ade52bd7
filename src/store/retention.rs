//! Retention: old finished deliveries, old audit rows and handled Telegram updates are deleted in
//! small batches, so a large purge never holds a long lock on the tables the dispatcher uses.

use chrono::{DateTime, Utc};

use super::{Store, StoreResult, to_millis};

const BATCH: i64 = 5_000;

/// How many rows one purge deleted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Purged {
    pub deliveries: u64,
    pub audit: u64,
    pub updates: u64,
    pub prices: u64,
}

impl Store {
    /// Deletes finished deliveries accepted before `deliveries_before` (unfinished ones are kept
    /// whatever their age: they still have to be sent), audit and security rows written before
    /// `audit_before`, updates handled before `updates_before`, and the price history of the
    /// minutes before `prices_before`.
    pub async fn purge_expired(
        &self,
        deliveries_before: DateTime<Utc>,
        audit_before: DateTime<Utc>,
        updates_before: DateTime<Utc>,
        prices_before: DateTime<Utc>,
    ) -> StoreResult<Purged> {
        Ok(Purged {
            deliveries: self
                .delete_in_batches(
                    "DELETE FROM signal_deliveries WHERE id IN (SELECT id FROM signal_deliveries \
                     WHERE accepted_at < $1 AND status NOT IN ('pending', 'sending', 'uncertain') \
                     LIMIT $2)",
                    deliveries_before,
                )
                .await?,
            audit: self
                .delete_in_batches(
                    "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < $1 LIMIT $2)",
                    audit_before,
                )
                .await?,
            updates: self
                .delete_in_batches(
                    "DELETE FROM telegram_updates WHERE update_id IN (SELECT update_id FROM telegram_updates \
                     WHERE handled_at IS NOT NULL AND handled_at < $1 LIMIT $2)",
                    updates_before,
                )
                .await?,
            prices: self
                .delete_in_batches(
                    "DELETE FROM price_history WHERE (asset, minute_at) IN (SELECT asset, minute_at \
                     FROM price_history WHERE minute_at < $1 LIMIT $2)",
                    prices_before,
                )
                .await?,
        })
    }

    async fn delete_in_batches(
        &self,
        sql: &'static str,
        before: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let mut deleted = 0;
        loop {
            let result = sqlx::query(sql)
                .bind(to_millis(before))
                .bind(BATCH)
                .execute(&self.pool)
                .await?;
            deleted += result.rows_affected();
            if result.rows_affected() < BATCH as u64 {
                return Ok(deleted);
            }
        }
    }
}
