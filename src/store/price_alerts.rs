//! Price alerts: created within the user's limit, listed, deleted, and on each price the armed
//! ones it reaches, found through the `(asset, direction, level_num)` index rather than by scanning.
//! Firing marks the alert and queues its message (a `reports` row, sent by the leader's report
//! sender at the shared rate) in one transaction, so an alert fires once even when two replicas
//! see the same price.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use sqlx::Row;
use uuid::Uuid;

use super::{Store, StoreError, StoreResult, flag, from_millis, parse_uuid, to_millis};
use crate::domain::price_alert::{Armed, Direction};

/// An alert to store.
pub struct NewPriceAlert<'a> {
    pub user_id: Uuid,
    pub chat_id: i64,
    pub asset: &'a str,
    pub kind: &'a str,
    /// How it reads back (`BTC/USD > 50000`).
    pub spec: &'a str,
    pub armed: Armed,
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PriceAlert {
    pub id: Uuid,
    pub user_id: Uuid,
    pub chat_id: i64,
    pub asset: String,
    pub kind: String,
    pub spec: String,
    pub level: Decimal,
    pub direction: Option<Direction>,
    pub strict: bool,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, user_id, chat_id, asset, kind, spec, level, direction, strict, created_at";

fn alert(row: &sqlx::any::AnyRow) -> StoreResult<PriceAlert> {
    let level: String = row.try_get("level")?;
    Ok(PriceAlert {
        id: parse_uuid(&row.try_get::<String, _>("id")?)?,
        user_id: parse_uuid(&row.try_get::<String, _>("user_id")?)?,
        chat_id: row.try_get("chat_id")?,
        asset: row.try_get("asset")?,
        kind: row.try_get("kind")?,
        spec: row.try_get("spec")?,
        level: Decimal::from_str(&level)
            .map_err(|_| StoreError::Corrupt(format!("price_alerts.level {level:?}")))?,
        direction: row
            .try_get::<Option<String>, _>("direction")?
            .as_deref()
            .and_then(Direction::parse),
        strict: flag(row, "strict")?,
        created_at: from_millis(row.try_get("created_at")?),
    })
}

/// The level as the index holds it; the exact comparison is done on the decimal.
fn as_float(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(f64::MAX)
}

impl Store {
    /// Stores the alert unless the user already has `limit` armed ones (`None` then).
    pub async fn create_price_alert(
        &self,
        new: &NewPriceAlert<'_>,
        limit: u32,
    ) -> StoreResult<Option<PriceAlert>> {
        let mut tx = self.begin_write().await?;
        let armed: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM price_alerts WHERE user_id = $1 AND fired_at IS NULL",
        )
        .bind(new.user_id.to_string())
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if armed >= i64::from(limit) {
            tx.commit().await?;
            return Ok(None);
        }
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO price_alerts (id, user_id, chat_id, asset, kind, spec, level, level_num, \
             direction, strict, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id.to_string())
        .bind(new.user_id.to_string())
        .bind(new.chat_id)
        .bind(new.asset)
        .bind(new.kind)
        .bind(new.spec)
        .bind(new.armed.level.normalize().to_string())
        .bind(as_float(new.armed.level))
        .bind(new.armed.direction.map(Direction::as_str))
        .bind(new.armed.strict)
        .bind(to_millis(new.now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(PriceAlert {
            id,
            user_id: new.user_id,
            chat_id: new.chat_id,
            asset: new.asset.to_owned(),
            kind: new.kind.to_owned(),
            spec: new.spec.to_owned(),
            level: new.armed.level.normalize(),
            direction: new.armed.direction,
            strict: new.armed.strict,
            created_at: new.now,
        }))
    }

    /// The user's alerts still waiting, oldest first.
    pub async fn armed_price_alerts(&self, user_id: Uuid) -> StoreResult<Vec<PriceAlert>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM price_alerts WHERE user_id = $1 AND fired_at IS NULL \
             ORDER BY created_at, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(alert).collect()
    }

    /// Deletes one of the user's alerts; false when it is not theirs or gone.
    pub async fn delete_price_alert(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool> {
        let result = sqlx::query("DELETE FROM price_alerts WHERE id = $1 AND user_id = $2")
            .bind(id.to_string())
            .bind(user_id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Armed alerts of `asset` that `price` may fire (the index's float bound; the caller checks
    /// the decimal), set before `at`.
    pub async fn price_alerts_reached(
        &self,
        asset: &str,
        price: Decimal,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<PriceAlert>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM price_alerts WHERE asset = $1 AND fired_at IS NULL \
             AND direction = 'up' AND level_num <= $2 AND created_at <= $3 \
             UNION ALL SELECT {COLUMNS} FROM price_alerts WHERE asset = $1 AND fired_at IS NULL \
             AND direction = 'down' AND level_num >= $2 AND created_at <= $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(asset)
            .bind(as_float(price))
            .bind(to_millis(at))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(alert).collect()
    }

    /// `crosses` alerts still without a side take it from `price`: below the level they wait
    /// for a rise, above it for a fall; on the level they keep waiting.
    pub async fn set_price_alert_sides(
        &self,
        asset: &str,
        price: Decimal,
        at: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let result = sqlx::query(
            "UPDATE price_alerts SET direction = CASE WHEN level_num > $2 THEN 'up' ELSE 'down' END \
             WHERE asset = $1 AND direction IS NULL AND fired_at IS NULL AND created_at <= $3 \
             AND level_num <> $2",
        )
        .bind(asset)
        .bind(as_float(price))
        .bind(to_millis(at))
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected())
    }

    /// Fires the alert at `price` and queues `message` to its chat, once: false when another
    /// price (or replica) fired it first.
    pub async fn fire_price_alert(
        &self,
        alert: &PriceAlert,
        price: Decimal,
        message: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let fired = sqlx::query(
            "UPDATE price_alerts SET fired_at = $2, fired_price = $3 \
             WHERE id = $1 AND fired_at IS NULL",
        )
        .bind(alert.id.to_string())
        .bind(to_millis(now))
        .bind(price.normalize().to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if fired {
            sqlx::query(
                "INSERT INTO reports (user_id, chat_id, period, body, status, next_attempt_at, \
                 created_at) VALUES ($1, $2, $3, $4, 'pending', $5, $5) \
                 ON CONFLICT (user_id, period) DO NOTHING",
            )
            .bind(alert.user_id.to_string())
            .bind(alert.chat_id)
            .bind(format!("alert:{}", alert.id))
            .bind(message)
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        if fired {
            self.reports_queued.notify_one();
        }
        Ok(fired)
    }
}
