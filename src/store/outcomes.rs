//! Outcomes of buy and sell signals, and the open positions price updates and expiry look at.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::signals::{SIGNAL_COLUMNS, insert_signal_rows, signal_from_row};
use super::{Store, StoreError, StoreResult, StoredSignal, from_millis, parse_uuid, to_millis};
use crate::domain::performance::{ClosedTrade, Direction, OutcomeReason, Tally, risk_pct};
use crate::domain::signal::{Price, Signal, Timeframe};

/// How a buy or sell ended, as it is about to be recorded.
#[derive(Debug, Clone)]
pub struct NewOutcome {
    pub reason: OutcomeReason,
    /// The engine's words for a reported outcome.
    pub note: Option<String>,
    /// `None` only for a signal that expired with no known price.
    pub exit_price: Option<Price>,
    pub return_pct: Option<f64>,
    pub closed_at: DateTime<Utc>,
}

/// The close signal that announces an outcome to the original's recipients (the engine's own,
/// or one Herald writes for an outcome reached another way); its rows are fanned out later.
pub struct Announcement<'a> {
    pub signal: &'a Signal,
    pub request: &'a str,
    pub context: &'a serde_json::Value,
    /// The audience it goes to: that of the signal it closes.
    pub recipients: i64,
}

/// A recorded outcome, as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredOutcome {
    pub signal_id: Uuid,
    pub reason: OutcomeReason,
    pub note: Option<String>,
    pub entry_price: String,
    pub exit_price: Option<String>,
    pub return_pct: Option<f64>,
    pub opened_at: DateTime<Utc>,
    pub closed_at: DateTime<Utc>,
    /// The close signal that announced it.
    pub closed_by: Option<Uuid>,
}

#[derive(Debug)]
pub enum Recorded {
    Closed,
    /// Someone closed it first; nothing was written.
    AlreadyClosed(StoredOutcome),
}

/// Which closed trades to load.
#[derive(Debug, Clone, Default)]
pub struct TradeQuery {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub asset: Option<String>,
    /// Only trades whose signal this user was actually sent ("your record").
    pub received_by: Option<Uuid>,
}

/// Closed trades per (model, asset, direction), for the performance category.
#[derive(Debug, Clone)]
pub struct TallyRow {
    pub model: Option<String>,
    pub asset: String,
    pub direction: Direction,
    pub tally: Tally,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("signal_outcomes.{what}"))
}

fn direction(row: &AnyRow) -> StoreResult<Direction> {
    match row.try_get::<String, _>("kind")?.as_str() {
        "buy" => Ok(Direction::Buy),
        "sell" => Ok(Direction::Sell),
        _ => Err(corrupt("kind")),
    }
}

fn outcome_from_row(row: &AnyRow) -> StoreResult<StoredOutcome> {
    let reason: String = row.try_get("reason")?;
    Ok(StoredOutcome {
        signal_id: Store::signal_id(row)?,
        reason: OutcomeReason::parse(&reason).ok_or_else(|| corrupt("reason"))?,
        note: row.try_get("note")?,
        entry_price: row.try_get("entry_price")?,
        exit_price: row.try_get("exit_price")?,
        return_pct: row.try_get("return_pct")?,
        opened_at: from_millis(row.try_get("opened_at")?),
        closed_at: from_millis(row.try_get("closed_at")?),
        closed_by: row
            .try_get::<Option<String>, _>("closed_by")?
            .map(|id| parse_uuid(&id))
            .transpose()?,
    })
}

fn trade_from_row(row: &AnyRow) -> StoreResult<ClosedTrade> {
    let timeframe = row
        .try_get::<Option<String>, _>("timeframe")?
        .map(|tf| Timeframe::parse(&tf).ok_or_else(|| corrupt("timeframe")))
        .transpose()?;
    Ok(ClosedTrade {
        asset: row.try_get("asset")?,
        model: row.try_get("source_model")?,
        direction: direction(row)?,
        timeframe,
        confidence: u8::try_from(row.try_get::<i32, _>("confidence")?)
            .map_err(|_| corrupt("confidence"))?,
        opened_at: from_millis(row.try_get("opened_at")?),
        closed_at: from_millis(row.try_get("closed_at")?),
        return_pct: row.try_get("return_pct")?,
        risk_pct: row.try_get("risk_pct")?,
    })
}

const OUTCOME_COLUMNS: &str = "signal_id, reason, note, entry_price, exit_price, return_pct, \
     opened_at, closed_at, closed_by";

impl Store {
    /// Closes `original` with `outcome`, and writes the announcing close signal and its delivery
    /// rows, all in one transaction. Only the first of several racing closes writes anything.
    pub async fn record_outcome(
        &self,
        original: &Signal,
        outcome: &NewOutcome,
        announcement: Option<Announcement<'_>>,
        now: DateTime<Utc>,
    ) -> StoreResult<Recorded> {
        let (Some(direction), Some(entry)) = (Direction::of(original.kind), original.entry_price)
        else {
            return Err(StoreError::Conflict(
                "only buy and sell signals close".into(),
            ));
        };
        let mut tx = self.begin_write().await?;
        let claimed = sqlx::query(
            "UPDATE signals SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL \
             AND kind IN ('buy', 'sell')",
        )
        .bind(original.id.to_string())
        .bind(to_millis(outcome.closed_at))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            tx.rollback().await?;
            let existing = self
                .outcome(original.id)
                .await?
                .ok_or(StoreError::NotFound)?;
            return Ok(Recorded::AlreadyClosed(existing));
        }
        let risk = original
            .stop_loss
            .and_then(|stop| risk_pct(entry.value(), stop.value()));
        sqlx::query(
            "INSERT INTO signal_outcomes (signal_id, asset, kind, source_model, timeframe, \
             confidence, entry_price, exit_price, return_pct, risk_pct, reason, note, closed_by, \
             opened_at, closed_at, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(original.id.to_string())
        .bind(original.asset.as_str())
        .bind(direction.as_str())
        .bind(original.source_model.as_deref())
        .bind(original.timeframe.map(Timeframe::as_str))
        .bind(i32::from(original.confidence.value()))
        .bind(entry.value().to_string())
        .bind(outcome.exit_price.map(|p| p.value().to_string()))
        .bind(outcome.return_pct)
        .bind(risk)
        .bind(outcome.reason.as_str())
        .bind(outcome.note.as_deref())
        .bind(announcement.as_ref().map(|a| a.signal.id.to_string()))
        .bind(to_millis(original.generated_at))
        .bind(to_millis(outcome.closed_at))
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        // Positions close with the signal, at its exit; one that expired with no known price
        // leaves them open for their owners to close.
        if let Some(exit) = outcome.exit_price {
            super::positions::close_positions_of_signal(
                &mut tx,
                original.id,
                exit,
                outcome.reason.into(),
                outcome.closed_at,
            )
            .await?;
        }
        if let Some(a) = &announcement {
            let inserted =
                insert_signal_rows(&mut tx, a.signal, a.request, a.context, a.recipients, now)
                    .await?;
            if !inserted {
                tx.rollback().await?;
                return Err(StoreError::Conflict(
                    "a signal with the close's id already exists".into(),
                ));
            }
            self.announce_deliveries(&mut tx).await?;
        }
        super::webhooks::record_event(&mut tx, "signal.closed", &original.id.to_string(), now)
            .await?;
        tx.commit().await?;
        if announcement.is_some() {
            self.fanouts_queued.notify_one();
        }
        Ok(Recorded::Closed)
    }

    pub async fn outcome(&self, signal_id: Uuid) -> StoreResult<Option<StoredOutcome>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OUTCOME_COLUMNS} FROM signal_outcomes WHERE signal_id = $1"
        )))
        .bind(signal_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(outcome_from_row).transpose()
    }

    /// Buy and sell signals not closed yet, of one asset or all.
    pub async fn open_signals(&self, asset: Option<&str>) -> StoreResult<Vec<StoredSignal>> {
        let rows = match asset {
            Some(asset) => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {SIGNAL_COLUMNS} FROM signals \
                     WHERE asset = $1 AND kind IN ('buy', 'sell') AND closed_at IS NULL"
                )))
                .bind(asset)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {SIGNAL_COLUMNS} FROM signals \
                     WHERE kind IN ('buy', 'sell') AND closed_at IS NULL"
                )))
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(signal_from_row).collect()
    }

    /// Which of `users` the signal was sent to or is still queued for, by chat, with the message
    /// id where it has one: the audience of its close, one page of users at a time (each a probe
    /// of the per-user index).
    pub async fn audience_of_signal(
        &self,
        signal_id: Uuid,
        users: &[Uuid],
    ) -> StoreResult<HashMap<i64, Option<i64>>> {
        if users.is_empty() {
            return Ok(HashMap::new());
        }
        let (users, in_users) = super::uuid_set(self.backend, users)?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT chat_id, telegram_message_id FROM signal_deliveries WHERE user_id {in_users} \
             AND signal_id = $2 AND chat_id IS NOT NULL \
             AND status IN ('sent', 'pending', 'sending', 'uncertain')"
        )))
        .bind(users)
        .bind(signal_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("chat_id")?, row.try_get("telegram_message_id")?)))
            .collect()
    }

    /// Whether any signal was ever posted for `asset`.
    pub async fn has_signals_for(&self, asset: &str) -> StoreResult<bool> {
        let row = sqlx::query("SELECT 1 AS found FROM signals WHERE asset = $1 LIMIT 1")
            .bind(asset)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// How many buy and sell signals are open.
    pub async fn count_open_signals(&self) -> StoreResult<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM signals WHERE kind IN ('buy', 'sell') AND closed_at IS NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// Closed trades, oldest close first. Unused filters compare against NULL and drop out.
    pub async fn closed_trades(&self, query: &TradeQuery) -> StoreResult<Vec<ClosedTrade>> {
        let rows = sqlx::query(
            "SELECT o.asset, o.kind, o.source_model, o.timeframe, o.confidence, o.return_pct, \
             o.risk_pct, o.opened_at, o.closed_at FROM signal_outcomes o \
             WHERE ($1 IS NULL OR o.closed_at >= $1) AND ($2 IS NULL OR o.closed_at < $2) \
             AND ($3 IS NULL OR o.asset = $3) \
             AND ($4 IS NULL OR EXISTS (SELECT 1 FROM signal_deliveries d \
                 WHERE d.signal_id = o.signal_id AND d.user_id = $4 AND d.status = 'sent')) \
             ORDER BY o.closed_at",
        )
        .bind(query.since.map(to_millis))
        .bind(query.until.map(to_millis))
        .bind(query.asset.as_deref())
        .bind(query.received_by.map(|id| id.to_string()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(trade_from_row).collect()
    }

    /// Priced outcomes and wins per (model, asset, direction).
    pub async fn outcome_tallies(&self) -> StoreResult<Vec<TallyRow>> {
        let rows = sqlx::query(
            "SELECT source_model, asset, kind, COUNT(*) AS closed, \
             SUM(CASE WHEN return_pct > 0 THEN 1 ELSE 0 END) AS wins \
             FROM signal_outcomes WHERE return_pct IS NOT NULL \
             GROUP BY source_model, asset, kind",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let count = |name: &str| -> StoreResult<u32> {
                    u32::try_from(row.try_get::<i64, _>(name)?).map_err(|_| corrupt(name))
                };
                Ok(TallyRow {
                    model: row.try_get("source_model")?,
                    asset: row.try_get("asset")?,
                    direction: direction(row)?,
                    tally: Tally {
                        closed: count("closed")?,
                        wins: count("wins")?,
                    },
                })
            })
            .collect()
    }
}
