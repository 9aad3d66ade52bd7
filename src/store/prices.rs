//! The latest price seen per asset (from `POST /api/prices`), for closing expired signals.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::Row;

use super::{Store, StoreError, StoreResult, from_millis, to_millis};

impl Store {
    /// Keeps the newest price per asset (an older update arriving late changes nothing).
    pub async fn save_prices(
        &self,
        latest: &[(String, Decimal, DateTime<Utc>)],
    ) -> StoreResult<()> {
        if latest.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        for (asset, price, at) in latest {
            sqlx::query(
                "INSERT INTO asset_prices (asset, price, at) VALUES ($1, $2, $3) \
                 ON CONFLICT (asset) DO UPDATE SET price = excluded.price, at = excluded.at \
                 WHERE excluded.at >= asset_prices.at",
            )
            .bind(asset)
            .bind(price.to_string())
            .bind(to_millis(*at))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn last_price(&self, asset: &str) -> StoreResult<Option<(Decimal, DateTime<Utc>)>> {
        let row = sqlx::query("SELECT price, at FROM asset_prices WHERE asset = $1")
            .bind(asset)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            let price: String = row.try_get("price")?;
            let price = Decimal::from_str(&price)
                .map_err(|_| StoreError::Corrupt("asset_prices.price".into()))?;
            Ok((price, from_millis(row.try_get("at")?)))
        })
        .transpose()
    }
}
