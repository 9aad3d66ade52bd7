//! Tables read row by row for CSV export: each row becomes a list of cells, sent into a bounded
//! channel as it is read, so a million rows never sit in memory and a slow client slows the read.

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use sqlx::Row;
use sqlx::any::AnyRow;
use tokio::sync::mpsc;

use super::{Store, StoreError, StoreResult, flag, from_millis};
use crate::domain::signal::Signal;

/// What can be exported, each with its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportTable {
    Signals,
    Deliveries,
    Outcomes,
    Payments,
}

/// One cell: text is guarded against spreadsheet formulas on the way out, numbers and times
/// are written as they are.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Plain(String),
    Empty,
}

impl Cell {
    fn text(value: Option<String>) -> Self {
        value.map_or(Self::Empty, Self::Text)
    }

    fn plain(value: Option<impl ToString>) -> Self {
        value.map_or(Self::Empty, |value| Self::Plain(value.to_string()))
    }

    fn time(value: Option<i64>) -> Self {
        value.map_or(Self::Empty, |millis| {
            Self::Plain(from_millis(millis).to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        })
    }
}

impl ExportTable {
    pub fn header(self) -> &'static [&'static str] {
        match self {
            Self::Signals => &[
                "id",
                "type",
                "asset",
                "confidence",
                "source_model",
                "timeframe",
                "entry_price",
                "target_price",
                "stop_loss",
                "exit_price",
                "closes",
                "market_context",
                "message",
                "generated_at",
                "accepted_at",
                "recipients",
            ],
            Self::Deliveries => &[
                "id",
                "signal_id",
                "user_id",
                "status",
                "skip_reason",
                "lang",
                "format",
                "silent",
                "attempts",
                "accepted_at",
                "delivered_at",
                "latency_ms",
                "read_at",
                "last_error",
                "was_uncertain",
            ],
            Self::Outcomes => &[
                "signal_id",
                "asset",
                "type",
                "source_model",
                "timeframe",
                "confidence",
                "entry_price",
                "exit_price",
                "return_pct",
                "reason",
                "closed_by",
                "opened_at",
                "closed_at",
            ],
            Self::Payments => &[
                "charge_id",
                "user_id",
                "plan",
                "tier",
                "stars",
                "recurring",
                "first_recurring",
                "paid_at",
                "paid_until",
                "refunded_at",
                "refunded_by",
            ],
        }
    }

    /// Oldest first, within `[since, until)` of the table's own time column.
    fn sql(self) -> &'static str {
        match self {
            Self::Signals => {
                "SELECT body, accepted_at, recipients FROM signals \
                 WHERE accepted_at >= $1 AND accepted_at < $2 ORDER BY accepted_at, id"
            }
            Self::Deliveries => {
                "SELECT id, signal_id, user_id, status, skip_reason, lang, format, silent, attempts, \
                 accepted_at, delivered_at, latency_ms, read_at, last_error, was_uncertain \
                 FROM signal_deliveries WHERE accepted_at >= $1 AND accepted_at < $2 ORDER BY id"
            }
            Self::Outcomes => {
                "SELECT signal_id, asset, kind, source_model, timeframe, confidence, entry_price, \
                 exit_price, return_pct, reason, closed_by, opened_at, closed_at \
                 FROM signal_outcomes WHERE closed_at >= $1 AND closed_at < $2 \
                 ORDER BY closed_at, signal_id"
            }
            Self::Payments => {
                "SELECT charge_id, user_id, plan, tier, stars, recurring, first_recurring, paid_at, \
                 paid_until, refunded_at, refunded_by FROM payments \
                 WHERE paid_at >= $1 AND paid_at < $2 ORDER BY paid_at, charge_id"
            }
        }
    }

    fn cells(self, row: &AnyRow) -> StoreResult<Vec<Cell>> {
        let text = |column: &str| -> StoreResult<Cell> {
            Ok(Cell::text(row.try_get::<Option<String>, _>(column)?))
        };
        let number = |column: &str| -> StoreResult<Cell> {
            Ok(Cell::plain(row.try_get::<Option<i64>, _>(column)?))
        };
        let small = |column: &str| -> StoreResult<Cell> {
            Ok(Cell::plain(row.try_get::<Option<i32>, _>(column)?))
        };
        let time = |column: &str| -> StoreResult<Cell> {
            Ok(Cell::time(row.try_get::<Option<i64>, _>(column)?))
        };
        let boolean =
            |column: &str| -> StoreResult<Cell> { Ok(Cell::Plain(flag(row, column)?.to_string())) };
        Ok(match self {
            Self::Signals => {
                let body: String = row.try_get("body")?;
                let signal: Signal = serde_json::from_str(&body)
                    .map_err(|err| StoreError::Corrupt(format!("signals.body: {err}")))?;
                let price = |price: Option<crate::domain::signal::Price>| {
                    Cell::plain(price.map(|p| p.value()))
                };
                vec![
                    Cell::Plain(signal.id.to_string()),
                    Cell::Plain(signal.kind.as_str().to_owned()),
                    Cell::Text(signal.asset.as_str().to_owned()),
                    Cell::Plain(signal.confidence.value().to_string()),
                    Cell::text(signal.source_model),
                    Cell::plain(signal.timeframe.map(|tf| tf.as_str())),
                    price(signal.entry_price),
                    price(signal.target_price),
                    price(signal.stop_loss),
                    price(signal.exit_price),
                    Cell::plain(signal.closes),
                    Cell::text(signal.market_context),
                    Cell::text(signal.message),
                    Cell::Plain(
                        signal
                            .generated_at
                            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    ),
                    time("accepted_at")?,
                    small("recipients")?,
                ]
            }
            Self::Deliveries => vec![
                number("id")?,
                text("signal_id")?,
                text("user_id")?,
                text("status")?,
                text("skip_reason")?,
                text("lang")?,
                text("format")?,
                boolean("silent")?,
                small("attempts")?,
                time("accepted_at")?,
                time("delivered_at")?,
                number("latency_ms")?,
                time("read_at")?,
                text("last_error")?,
                boolean("was_uncertain")?,
            ],
            Self::Outcomes => vec![
                text("signal_id")?,
                text("asset")?,
                text("kind")?,
                text("source_model")?,
                text("timeframe")?,
                small("confidence")?,
                Cell::plain(row.try_get::<Option<String>, _>("entry_price")?),
                Cell::plain(row.try_get::<Option<String>, _>("exit_price")?),
                Cell::plain(row.try_get::<Option<f64>, _>("return_pct")?),
                text("reason")?,
                text("closed_by")?,
                time("opened_at")?,
                time("closed_at")?,
            ],
            Self::Payments => vec![
                text("charge_id")?,
                text("user_id")?,
                text("plan")?,
                text("tier")?,
                small("stars")?,
                boolean("recurring")?,
                boolean("first_recurring")?,
                time("paid_at")?,
                time("paid_until")?,
                time("refunded_at")?,
                text("refunded_by")?,
            ],
        })
    }
}

impl Store {
    /// Sends every row of `table` in `[since, until)` into `rows`, oldest first, stopping early
    /// when the receiver is gone (the client hung up).
    pub async fn export(
        &self,
        table: ExportTable,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        rows: mpsc::Sender<StoreResult<Vec<Cell>>>,
    ) {
        let since = since.map_or(i64::MIN, super::to_millis);
        let until = until.map_or(i64::MAX, super::to_millis);
        let mut stream = sqlx::query(table.sql())
            .bind(since)
            .bind(until)
            .fetch(&self.pool);
        loop {
            let next = match stream.try_next().await {
                Ok(Some(row)) => table.cells(&row),
                Ok(None) => return,
                Err(err) => Err(err.into()),
            };
            let failed = next.is_err();
            if rows.send(next).await.is_err() || failed {
                return;
            }
        }
    }
}
