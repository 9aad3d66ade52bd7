//! Prices from `POST /api/prices`: the latest per asset (for closing expired signals, alerts and
//! positions) and a per-minute history (for signal charts).

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::Row;

use super::{Store, StoreError, StoreResult, from_millis, to_millis};

/// One history row per asset and minute: the minute's last price.
const MINUTE_MILLIS: i64 = 60_000;

/// The last tick of each (asset, minute) among `ticks`.
fn minute_buckets(
    ticks: &[(String, Decimal, DateTime<Utc>)],
) -> BTreeMap<(&str, i64), (Decimal, i64)> {
    let mut buckets: BTreeMap<(&str, i64), (Decimal, i64)> = BTreeMap::new();
    for (asset, price, at) in ticks {
        let at = to_millis(*at);
        let minute = at.div_euclid(MINUTE_MILLIS) * MINUTE_MILLIS;
        let slot = buckets
            .entry((asset.as_str(), minute))
            .or_insert((*price, at));
        if at >= slot.1 {
            *slot = (*price, at);
        }
    }
    buckets
}

impl Store {
    /// Keeps the newest price per asset (an older update arriving late changes nothing) and, in
    /// the same transaction, each minute's last price of every tick in `history`.
    pub async fn save_prices(
        &self,
        latest: &[(String, Decimal, DateTime<Utc>)],
        history: &[(String, Decimal, DateTime<Utc>)],
    ) -> StoreResult<()> {
        if latest.is_empty() && history.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        for ((asset, minute), (price, at)) in minute_buckets(history) {
            sqlx::query(
                "INSERT INTO price_history (asset, minute_at, price, at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (asset, minute_at) DO UPDATE SET price = excluded.price, at = excluded.at \
                 WHERE excluded.at >= price_history.at",
            )
            .bind(asset)
            .bind(minute)
            .bind(price.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
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

impl Store {
    /// The asset's prices quoted in `since..=until`, oldest first, one per minute; at most
    /// `limit` (the most recent ones).
    pub async fn price_history(
        &self,
        asset: &str,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<(DateTime<Utc>, Decimal)>> {
        let rows = sqlx::query(
            "SELECT price, at FROM price_history WHERE asset = $1 AND minute_at >= $2 \
             AND minute_at <= $3 AND at >= $4 AND at <= $5 ORDER BY minute_at DESC LIMIT $6",
        )
        .bind(asset)
        .bind(to_millis(since).div_euclid(MINUTE_MILLIS) * MINUTE_MILLIS)
        .bind(to_millis(until))
        .bind(to_millis(since))
        .bind(to_millis(until))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut points = rows
            .iter()
            .map(|row| {
                let price: String = row.try_get("price")?;
                let price = Decimal::from_str(&price)
                    .map_err(|_| StoreError::Corrupt("price_history.price".into()))?;
                Ok((from_millis(row.try_get("at")?), price))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        points.reverse();
        Ok(points)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn each_minute_keeps_its_last_tick_whatever_the_order() {
        let at = |secs: i64| Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap();
        let tick =
            |asset: &str, price: i64, secs| (asset.to_owned(), Decimal::from(price), at(secs));
        // 1_700_000_000 is 20 s into its minute.
        let ticks = [
            tick("BTC/USD", 3, 30),
            tick("BTC/USD", 1, 0),
            tick("BTC/USD", 2, 10),
            tick("BTC/USD", 4, 45),
            tick("ETH/USD", 9, 0),
        ];
        let buckets = minute_buckets(&ticks);
        let minute = to_millis(at(-20));
        assert_eq!(
            buckets.get(&("BTC/USD", minute)),
            Some(&(Decimal::from(3), to_millis(at(30))))
        );
        assert_eq!(
            buckets.get(&("BTC/USD", minute + MINUTE_MILLIS)),
            Some(&(Decimal::from(4), to_millis(at(45))))
        );
        assert_eq!(buckets.len(), 3);
    }
}
