//! Stars payments, one row per Telegram charge. The charge id is the primary key, so a replayed
//! `successful_payment` finds its row instead of granting twice.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use super::{Store, StoreResult, flag, from_millis, parse_uuid, to_millis};
use crate::domain::preferences::Tier;

/// A payment as Telegram reported it, with the end date it buys.
#[derive(Debug, Clone)]
pub struct NewPayment {
    pub charge_id: String,
    pub provider_charge_id: String,
    pub user_id: Uuid,
    pub telegram_id: i64,
    pub plan: String,
    pub tier: Tier,
    pub stars: u32,
    pub recurring: bool,
    pub first_recurring: bool,
    pub paid_at: DateTime<Utc>,
    pub paid_until: DateTime<Utc>,
}

/// A stored payment, as `GET /api/payments` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payment {
    pub charge_id: String,
    /// `None` once the user erased their data.
    pub user_id: Option<Uuid>,
    pub telegram_id: i64,
    pub plan: String,
    pub tier: String,
    pub stars: i64,
    pub recurring: bool,
    pub first_recurring: bool,
    pub paid_at: DateTime<Utc>,
    pub paid_until: DateTime<Utc>,
    pub granted_at: Option<DateTime<Utc>>,
    pub refunded_at: Option<DateTime<Utc>>,
    pub refunded_by: Option<String>,
}

const COLUMNS: &str = "charge_id, user_id, telegram_id, plan, tier, stars, recurring, \
    first_recurring, paid_at, paid_until, granted_at, refunded_at, refunded_by";

fn payment(row: &sqlx::any::AnyRow) -> StoreResult<Payment> {
    let millis = |column: &str| -> StoreResult<Option<DateTime<Utc>>> {
        Ok(row.try_get::<Option<i64>, _>(column)?.map(from_millis))
    };
    Ok(Payment {
        charge_id: row.try_get("charge_id")?,
        user_id: row
            .try_get::<Option<String>, _>("user_id")?
            .map(|id| parse_uuid(&id))
            .transpose()?,
        telegram_id: row.try_get("telegram_id")?,
        plan: row.try_get("plan")?,
        tier: row.try_get("tier")?,
        stars: row.try_get::<i32, _>("stars").map(i64::from)?,
        recurring: flag(row, "recurring")?,
        first_recurring: flag(row, "first_recurring")?,
        paid_at: from_millis(row.try_get("paid_at")?),
        paid_until: from_millis(row.try_get("paid_until")?),
        granted_at: millis("granted_at")?,
        refunded_at: millis("refunded_at")?,
        refunded_by: row.try_get("refunded_by")?,
    })
}

impl Store {
    /// Stores a payment unless its charge is already known. Returns the stored row — this one, or
    /// the earlier one of the same charge — and whether it is new.
    pub async fn record_payment(&self, new: &NewPayment) -> StoreResult<(Payment, bool)> {
        let inserted = sqlx::query(
            "INSERT INTO payments (charge_id, provider_charge_id, user_id, telegram_id, plan, tier, \
             stars, recurring, first_recurring, paid_at, paid_until) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (charge_id) DO NOTHING",
        )
        .bind(&new.charge_id)
        .bind(&new.provider_charge_id)
        .bind(new.user_id.to_string())
        .bind(new.telegram_id)
        .bind(&new.plan)
        .bind(new.tier.as_str())
        .bind(i32::try_from(new.stars).unwrap_or(i32::MAX))
        .bind(new.recurring)
        .bind(new.first_recurring)
        .bind(to_millis(new.paid_at))
        .bind(to_millis(new.paid_until))
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        let stored = self
            .payment(&new.charge_id)
            .await?
            .ok_or(super::StoreError::NotFound)?;
        Ok((stored, inserted))
    }

    pub async fn payment(&self, charge_id: &str) -> StoreResult<Option<Payment>> {
        let sql = format!("SELECT {COLUMNS} FROM payments WHERE charge_id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(charge_id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(payment)
            .transpose()
    }

    /// The tier a payment bought has been given.
    pub async fn mark_payment_granted(
        &self,
        charge_id: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let marked = sqlx::query(
            "UPDATE payments SET granted_at = $2 WHERE charge_id = $1 AND granted_at IS NULL",
        )
        .bind(charge_id)
        .bind(to_millis(at))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if marked == 1 {
            super::webhooks::record_event(&mut tx, "payment.succeeded", charge_id, at).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Marks a payment refunded; false when it already was (or is unknown).
    pub async fn mark_payment_refunded(
        &self,
        charge_id: &str,
        at: DateTime<Utc>,
        by: &str,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let marked = sqlx::query(
            "UPDATE payments SET refunded_at = $2, refunded_by = $3 \
             WHERE charge_id = $1 AND refunded_at IS NULL",
        )
        .bind(charge_id)
        .bind(to_millis(at))
        .bind(by)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if marked {
            super::webhooks::record_event(&mut tx, "payment.refunded", charge_id, at).await?;
        }
        tx.commit().await?;
        Ok(marked)
    }

    /// Names who asked for a refund that Telegram's own report recorded first.
    pub async fn attribute_refund(&self, charge_id: &str, by: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE payments SET refunded_by = $2 WHERE charge_id = $1 AND refunded_by = 'telegram'",
        )
        .bind(charge_id)
        .bind(by)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Payments newest first, paid before `before` (a page's cursor), of one user if given.
    pub async fn list_payments(
        &self,
        user_id: Option<Uuid>,
        before: Option<DateTime<Utc>>,
        limit: i64,
    ) -> StoreResult<Vec<Payment>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM payments WHERE ($1 IS NULL OR user_id = $1) \
             AND paid_at < $2 ORDER BY paid_at DESC, charge_id DESC LIMIT $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user_id.map(|id| id.to_string()))
            .bind(before.map_or(i64::MAX, to_millis))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(payment).collect()
    }
}
