//! Tables read for CSV export, in pages sent into a bounded channel as they are read, so a
//! million rows never sit in memory and a slow client slows the read.
//!
//! Every row is read as one JSON array of its columns, mapped to cells the same way on both
//! backends. PostgreSQL streams the rows of one query. SQLite reads pages instead, one row
//! holding a JSON array of up to [`PAGE_ROWS`] rows (`json_group_array`), by keyset on the
//! table's order: sqlx's SQLite driver hands every row from its worker thread to the runtime
//! with a thread wake-up, which alone cost ~15 µs a row (53,000 rows/s); pages make that vanish.
//! (Pages on PostgreSQL cost a round trip and an aggregate each: 88,000 rows/s against 130,000+
//! streamed.)

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::Row;
use tokio::sync::mpsc;

use super::{Backend, Store, StoreError, StoreResult, from_millis};
use crate::domain::signal::Signal;

/// Rows per page: large enough that the per-query cost vanishes, small enough to stay a few
/// hundred KiB.
const PAGE_ROWS: i64 = 500;

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

/// How a selected column becomes a cell.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Plain,
    Time,
    Bool,
}

struct Spec {
    table: &'static str,
    /// The column the `since`/`until` window is on.
    window: &'static str,
    /// The order, as a number and a text (keyset); `None` where the number is unique.
    keys: (&'static str, Option<&'static str>),
    columns: &'static [(&'static str, Kind)],
}

impl ExportTable {
    pub const ALL: [ExportTable; 4] = [
        Self::Signals,
        Self::Deliveries,
        Self::Outcomes,
        Self::Payments,
    ];

    /// The table's name in URLs and file names.
    pub fn name(self) -> &'static str {
        match self {
            Self::Signals => "signals",
            Self::Deliveries => "deliveries",
            Self::Outcomes => "outcomes",
            Self::Payments => "payments",
        }
    }

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

    fn spec(self) -> Spec {
        use Kind::*;
        match self {
            // The body is the stored signal, expanded into its columns in `cells`.
            Self::Signals => Spec {
                table: "signals",
                window: "accepted_at",
                keys: ("accepted_at", Some("id")),
                columns: &[("body", Text), ("accepted_at", Time), ("recipients", Plain)],
            },
            Self::Deliveries => Spec {
                table: "signal_deliveries",
                window: "accepted_at",
                keys: ("id", None),
                columns: &[
                    ("id", Plain),
                    ("signal_id", Text),
                    ("user_id", Text),
                    ("status", Text),
                    ("skip_reason", Text),
                    ("lang", Text),
                    ("format", Text),
                    ("silent", Bool),
                    ("attempts", Plain),
                    ("accepted_at", Time),
                    ("delivered_at", Time),
                    ("latency_ms", Plain),
                    ("read_at", Time),
                    ("last_error", Text),
                    ("was_uncertain", Bool),
                ],
            },
            Self::Outcomes => Spec {
                table: "signal_outcomes",
                window: "closed_at",
                keys: ("closed_at", Some("signal_id")),
                columns: &[
                    ("signal_id", Text),
                    ("asset", Text),
                    ("kind", Text),
                    ("source_model", Text),
                    ("timeframe", Text),
                    ("confidence", Plain),
                    ("entry_price", Plain),
                    ("exit_price", Plain),
                    ("return_pct", Plain),
                    ("reason", Text),
                    ("closed_by", Text),
                    ("opened_at", Time),
                    ("closed_at", Time),
                ],
            },
            Self::Payments => Spec {
                table: "payments",
                window: "paid_at",
                keys: ("paid_at", Some("charge_id")),
                columns: &[
                    ("charge_id", Text),
                    ("user_id", Text),
                    ("plan", Text),
                    ("tier", Text),
                    ("stars", Plain),
                    ("recurring", Bool),
                    ("first_recurring", Bool),
                    ("paid_at", Time),
                    ("paid_until", Time),
                    ("refunded_at", Time),
                    ("refunded_by", Text),
                ],
            },
        }
    }

    /// SQLite: one page after the keyset `($3, $4)` within the window `[$1, $2)`, as a JSON
    /// array of rows, each row its columns then the two keys.
    fn page_sql(self) -> String {
        let spec = self.spec();
        let columns: Vec<&str> = spec.columns.iter().map(|(name, _)| *name).collect();
        // Written so each database walks the index on the number (`>=` first), never sorts the
        // table: PostgreSQL did for an `OR` of both keys, one page taking a whole scan.
        let (text, after) = match spec.keys {
            (number, Some(text)) => (
                text.to_owned(),
                format!("{number} >= $3 AND ({number} > $3 OR {text} > $4)"),
            ),
            (number, None) => ("''".to_owned(), format!("{number} > $3 AND $4 = ''")),
        };
        let number = spec.keys.0;
        let order = match spec.keys.1 {
            Some(text) => format!("{number}, {text}"),
            None => number.to_owned(),
        };
        format!(
            "SELECT CAST(json_group_array(json_array({list}, k1, k2) ORDER BY k1, k2) AS TEXT) AS page \
             FROM (SELECT {list}, {number} AS k1, {text} AS k2 FROM {table} \
             WHERE {window} >= $1 AND {window} < $2 AND {after} \
             ORDER BY {order} LIMIT $5) AS page_rows",
            list = columns.join(", "),
            table = spec.table,
            window = spec.window,
        )
    }

    /// PostgreSQL: every row in the window, each as one JSON array of its columns, streamed.
    fn stream_sql(self) -> String {
        let spec = self.spec();
        let columns: Vec<&str> = spec.columns.iter().map(|(name, _)| *name).collect();
        let order = match spec.keys {
            (number, Some(text)) => format!("{number}, {text}"),
            (number, None) => number.to_owned(),
        };
        format!(
            "SELECT CAST(json_build_array({}) AS TEXT) AS row FROM {} \
             WHERE {window} >= $1 AND {window} < $2 ORDER BY {order}",
            columns.join(", "),
            spec.table,
            window = spec.window,
        )
    }

    fn cells(self, row: &[Value]) -> StoreResult<Vec<Cell>> {
        let spec = self.spec();
        let mut cells: Vec<Cell> = spec
            .columns
            .iter()
            .zip(row)
            .map(|((_, kind), value)| cell(*kind, value))
            .collect();
        if self == Self::Signals {
            let Some(Cell::Text(body)) = cells.first() else {
                return Err(StoreError::Corrupt("signals.body is empty".into()));
            };
            let signal: Signal = serde_json::from_str(body)
                .map_err(|err| StoreError::Corrupt(format!("signals.body: {err}")))?;
            let rest = cells.split_off(1);
            cells = signal_cells(signal);
            cells.extend(rest);
        }
        Ok(cells)
    }
}

fn cell(kind: Kind, value: &Value) -> Cell {
    match (kind, value) {
        (_, Value::Null) => Cell::Empty,
        (Kind::Text, Value::String(text)) => Cell::Text(text.clone()),
        (Kind::Time, Value::Number(millis)) => millis.as_i64().map_or(Cell::Empty, |millis| {
            Cell::Plain(from_millis(millis).to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        }),
        // SQLite keeps booleans as 0 and 1.
        (Kind::Bool, Value::Bool(flag)) => Cell::Plain(flag.to_string()),
        (Kind::Bool, Value::Number(n)) => Cell::Plain((n.as_i64() != Some(0)).to_string()),
        (_, Value::String(text)) => Cell::Plain(text.clone()),
        (_, other) => Cell::Plain(other.to_string()),
    }
}

fn signal_cells(signal: Signal) -> Vec<Cell> {
    let price = |price: Option<crate::domain::signal::Price>| {
        price.map_or(Cell::Empty, |p| Cell::Plain(p.value().to_string()))
    };
    let text = |value: Option<String>| value.map_or(Cell::Empty, Cell::Text);
    vec![
        Cell::Plain(signal.id.to_string()),
        Cell::Plain(signal.kind.as_str().to_owned()),
        Cell::Text(signal.asset.as_str().to_owned()),
        Cell::Plain(signal.confidence.value().to_string()),
        text(signal.source_model),
        signal
            .timeframe
            .map_or(Cell::Empty, |tf| Cell::Plain(tf.as_str().to_owned())),
        price(signal.entry_price),
        price(signal.target_price),
        price(signal.stop_loss),
        price(signal.exit_price),
        signal
            .closes
            .map_or(Cell::Empty, |id| Cell::Plain(id.to_string())),
        text(signal.market_context),
        text(signal.message),
        Cell::Plain(
            signal
                .generated_at
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        ),
    ]
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
        if let Err(err) = self.export_pages(table, since, until, &rows).await {
            let _ = rows.send(Err(err)).await;
        }
    }

    /// PostgreSQL streams rows to the runtime as they come, no thread between: one query.
    async fn export_stream(
        &self,
        table: ExportTable,
        since: i64,
        until: i64,
        rows: &mpsc::Sender<StoreResult<Vec<Cell>>>,
    ) -> StoreResult<()> {
        use futures_util::TryStreamExt;
        let sql = table.stream_sql();
        let mut stream = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(since)
            .bind(until)
            .fetch(&self.pool);
        while let Some(row) = stream.try_next().await? {
            let text: String = row.try_get("row")?;
            let values: Vec<Value> = serde_json::from_str(&text)
                .map_err(|err| StoreError::Corrupt(format!("export row: {err}")))?;
            if rows.send(table.cells(&values)).await.is_err() {
                return Ok(());
            }
        }
        Ok(())
    }

    async fn export_pages(
        &self,
        table: ExportTable,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        rows: &mpsc::Sender<StoreResult<Vec<Cell>>>,
    ) -> StoreResult<()> {
        let since = since.map_or(i64::MIN, super::to_millis);
        let until = until.map_or(i64::MAX, super::to_millis);
        if self.backend == Backend::Postgres {
            return self.export_stream(table, since, until, rows).await;
        }
        let sql = table.page_sql();
        let (mut after_number, mut after_text) = (i64::MIN, String::new());
        loop {
            let page: Option<String> = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(since)
                .bind(until)
                .bind(after_number)
                .bind(&after_text)
                .bind(PAGE_ROWS)
                .fetch_one(&self.pool)
                .await?
                .try_get("page")?;
            let page: Vec<Vec<Value>> = match page {
                Some(text) => serde_json::from_str(&text)
                    .map_err(|err| StoreError::Corrupt(format!("export page: {err}")))?,
                None => return Ok(()),
            };
            let full = page.len() as i64 == PAGE_ROWS;
            for mut row in page {
                let (Some(text), Some(number)) = (row.pop(), row.pop()) else {
                    return Err(StoreError::Corrupt("export row without its keys".into()));
                };
                after_number = number.as_i64().unwrap_or(i64::MAX);
                after_text = text.as_str().unwrap_or_default().to_owned();
                if rows.send(table.cells(&row)).await.is_err() {
                    return Ok(());
                }
            }
            if !full {
                return Ok(());
            }
        }
    }
}
