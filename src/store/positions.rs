//! Positions (migration 0019): opened once per user and signal, given the user's own entry by a
//! reply, closed once — by the signal's outcome inside the same transaction that records it
//! (`close_positions_of_signal`), or by the user at the last known price. Every read and write
//! names the user, so one user's positions are never reached from another's buttons.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::{Store, StoreError, StoreResult, from_millis, parse_uuid, to_millis};
use crate::domain::performance::Direction;
use crate::domain::position::{CloseReason, Position};
use crate::domain::signal::{Asset, Price, Signal};

/// What `✅ I took it` found.
#[derive(Debug, Clone, PartialEq)]
pub enum Opened {
    /// Opened now.
    New(Position),
    /// The user took this signal before; the position as it is (open or closed).
    Existing(Position),
    /// The signal closed before the tap: nothing was opened.
    SignalClosed,
}

const COLUMNS: &str = "p.id, p.user_id, p.signal_id, p.asset, p.direction, p.entry, p.size, \
     p.opened_at, p.closed_at, p.exit_price, p.close_reason, p.message_id";

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("positions.{what}"))
}

fn decimal(row: &AnyRow, column: &str) -> StoreResult<Option<Decimal>> {
    row.try_get::<Option<String>, _>(column)?
        .map(|text| Decimal::from_str(&text).map_err(|_| corrupt(column)))
        .transpose()
}

fn price(row: &AnyRow, column: &str) -> StoreResult<Option<Price>> {
    decimal(row, column)?
        .map(|value| Price::new(value).ok_or_else(|| corrupt(column)))
        .transpose()
}

fn position_from_row(row: &AnyRow) -> StoreResult<Position> {
    let direction = match row.try_get::<String, _>("direction")?.as_str() {
        "buy" => Direction::Buy,
        "sell" => Direction::Sell,
        _ => return Err(corrupt("direction")),
    };
    let close_reason = row
        .try_get::<Option<String>, _>("close_reason")?
        .map(|text| CloseReason::parse(&text).ok_or_else(|| corrupt("close_reason")))
        .transpose()?;
    Ok(Position {
        id: parse_uuid(&row.try_get::<String, _>("id")?)?,
        user_id: parse_uuid(&row.try_get::<String, _>("user_id")?)?,
        signal_id: parse_uuid(&row.try_get::<String, _>("signal_id")?)?,
        asset: Asset::parse(&row.try_get::<String, _>("asset")?).map_err(|_| corrupt("asset"))?,
        direction,
        entry: price(row, "entry")?.ok_or_else(|| corrupt("entry"))?,
        size: decimal(row, "size")?,
        opened_at: from_millis(row.try_get("opened_at")?),
        closed_at: row.try_get::<Option<i64>, _>("closed_at")?.map(from_millis),
        exit_price: price(row, "exit_price")?,
        close_reason,
        message_id: row.try_get("message_id")?,
    })
}

impl Store {
    /// `✅ I took it`: the user's position on `signal` at its entry, opened once. The signal must
    /// still be open (checked in the insert itself, so a close recorded first wins).
    pub async fn open_position(
        &self,
        user_id: Uuid,
        signal: &Signal,
        now: DateTime<Utc>,
    ) -> StoreResult<Opened> {
        let (Some(direction), Some(entry)) = (Direction::of(signal.kind), signal.entry_price)
        else {
            return Err(StoreError::Conflict(
                "only buy and sell signals open positions".into(),
            ));
        };
        if let Some(existing) = self.position_of_signal(user_id, signal.id).await? {
            return Ok(Opened::Existing(existing));
        }
        let id = Uuid::now_v7();
        let inserted = sqlx::query(
            "INSERT INTO positions (id, user_id, signal_id, asset, direction, entry, opened_at) \
             SELECT $1, $2, s.id, s.asset, $4, $5, $6 FROM signals s \
             WHERE s.id = $3 AND s.closed_at IS NULL \
             ON CONFLICT (user_id, signal_id) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(user_id.to_string())
        .bind(signal.id.to_string())
        .bind(direction.as_str())
        .bind(entry.value().to_string())
        .bind(to_millis(now))
        .execute(&self.pool)
        .await?
        .rows_affected();
        match self.position_of_signal(user_id, signal.id).await? {
            Some(position) if inserted > 0 => Ok(Opened::New(position)),
            // A second tap racing the first.
            Some(position) => Ok(Opened::Existing(position)),
            None => Ok(Opened::SignalClosed),
        }
    }

    async fn position_of_signal(
        &self,
        user_id: Uuid,
        signal_id: Uuid,
    ) -> StoreResult<Option<Position>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM positions p WHERE p.user_id = $1 AND p.signal_id = $2"
        )))
        .bind(user_id.to_string())
        .bind(signal_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(position_from_row).transpose()
    }

    pub async fn position(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Position>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM positions p WHERE p.user_id = $1 AND p.id = $2"
        )))
        .bind(user_id.to_string())
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(position_from_row).transpose()
    }

    /// Remembers the confirmation message, which the user replies to with their own entry.
    pub async fn set_position_message(
        &self,
        user_id: Uuid,
        id: Uuid,
        message_id: i64,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE positions SET message_id = $3 WHERE user_id = $1 AND id = $2")
            .bind(user_id.to_string())
            .bind(id.to_string())
            .bind(message_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The position a reply in the user's chat is about: the one whose confirmation it replies
    /// to, or the one taken on the signal message it replies to.
    pub async fn position_replied_to(
        &self,
        user_id: Uuid,
        chat_id: i64,
        message_id: i64,
    ) -> StoreResult<Option<Position>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM positions p WHERE p.user_id = $1 AND (p.message_id = $3 \
             OR p.signal_id IN (SELECT d.signal_id FROM signal_deliveries d \
                 WHERE d.chat_id = $2 AND d.telegram_message_id = $3 AND d.user_id = $1)) \
             ORDER BY p.opened_at DESC LIMIT 1"
        )))
        .bind(user_id.to_string())
        .bind(chat_id)
        .bind(message_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(position_from_row).transpose()
    }

    /// The user's own entry (and size, if given) for an open position; false when it is closed
    /// or not theirs.
    pub async fn set_position_entry(
        &self,
        user_id: Uuid,
        id: Uuid,
        entry: Price,
        size: Option<Decimal>,
    ) -> StoreResult<bool> {
        let updated = sqlx::query(
            "UPDATE positions SET entry = $3, size = COALESCE($4, size) \
             WHERE user_id = $1 AND id = $2 AND closed_at IS NULL",
        )
        .bind(user_id.to_string())
        .bind(id.to_string())
        .bind(entry.value().to_string())
        .bind(size.map(|size| size.normalize().to_string()))
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(updated > 0)
    }

    /// The user's Close: at `exit`, once; false when it was closed already.
    pub async fn close_position(
        &self,
        user_id: Uuid,
        id: Uuid,
        exit: Price,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let closed = sqlx::query(
            "UPDATE positions SET closed_at = $3, exit_price = $4, close_reason = $5 \
             WHERE user_id = $1 AND id = $2 AND closed_at IS NULL",
        )
        .bind(user_id.to_string())
        .bind(id.to_string())
        .bind(to_millis(at))
        .bind(exit.value().to_string())
        .bind(CloseReason::Manual.as_str())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(closed > 0)
    }

    /// The user's open positions, oldest first, each with its asset's last known price.
    pub async fn open_positions(
        &self,
        user_id: Uuid,
    ) -> StoreResult<Vec<(Position, Option<Price>)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS}, a.price AS last_price FROM positions p \
             LEFT JOIN asset_prices a ON a.asset = p.asset \
             WHERE p.user_id = $1 AND p.closed_at IS NULL ORDER BY p.opened_at, p.id"
        )))
        .bind(user_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((position_from_row(row)?, price(row, "last_price")?)))
            .collect()
    }

    /// The user's closed positions, newest first; `limit` of them, or all.
    pub async fn closed_positions(
        &self,
        user_id: Uuid,
        limit: Option<usize>,
    ) -> StoreResult<Vec<Position>> {
        let limit = limit.map_or(i64::MAX, |n| i64::try_from(n).unwrap_or(i64::MAX));
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM positions p WHERE p.user_id = $1 AND p.closed_at IS NOT NULL \
             ORDER BY p.closed_at DESC, p.id DESC LIMIT $2"
        )))
        .bind(user_id.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(position_from_row).collect()
    }

    pub async fn count_closed_positions(&self, user_id: Uuid) -> StoreResult<usize> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM positions WHERE user_id = $1 AND closed_at IS NOT NULL",
        )
        .bind(user_id.to_string())
        .fetch_one(&self.pool)
        .await?;
        usize::try_from(row.try_get::<i64, _>("n")?).map_err(|_| corrupt("count"))
    }
}

/// Closes every position still open on `signal_id` at the signal's exit, inside the transaction
/// that records its outcome: a position never outlives the signal's close, even across a crash.
pub(super) async fn close_positions_of_signal(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    signal_id: Uuid,
    exit: Price,
    reason: CloseReason,
    at: DateTime<Utc>,
) -> StoreResult<u64> {
    let closed = sqlx::query(
        "UPDATE positions SET closed_at = $2, exit_price = $3, close_reason = $4 \
         WHERE signal_id = $1 AND closed_at IS NULL",
    )
    .bind(signal_id.to_string())
    .bind(to_millis(at))
    .bind(exit.value().to_string())
    .bind(reason.as_str())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(closed)
}
