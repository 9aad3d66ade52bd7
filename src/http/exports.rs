//! `GET /api/export/{signals,deliveries,outcomes,payments}.csv?since=&until=` (admin token, or a
//! key with scope `stats`): RFC 4180 CSV streamed as the rows are read, so memory stays flat
//! whatever the table's size. Text cells that a spreadsheet would take for a formula (`= + - @`,
//! and tab or carriage return first) get a `'` in front; numbers and times are written as they
//! are. A read that fails part-way ends the response without its last chunk, so the client sees
//! a broken transfer rather than a file that looks complete.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use tokio::sync::mpsc;

use super::AppState;
use super::auth::ApiKey;
use super::error::ApiError;
use super::extract::Query;
use super::openapi::Param;
use crate::store::{Cell, ExportTable, StoreResult};

/// The query of every export, documented: [`ExportParams`].
pub(super) const EXPORT_QUERY: &[Param] = &[
    Param::new("since", "string", "RFC 3339 time, inclusive"),
    Param::new("until", "string", "RFC 3339 time, exclusive"),
];

/// Rows read ahead of the client; with the chunk size, what an export holds in memory.
const ROWS_AHEAD: usize = 512;
/// Records are sent in chunks of about this many bytes.
const CHUNK_BYTES: usize = 64 * 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExportParams {
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
}

pub(super) async fn signals(
    State(state): State<AppState>,
    _caller: ApiKey,
    Query(params): Query<ExportParams>,
) -> Result<Response, ApiError> {
    export(state, ExportTable::Signals, params.since, params.until)
}

pub(super) async fn deliveries(
    State(state): State<AppState>,
    _caller: ApiKey,
    Query(params): Query<ExportParams>,
) -> Result<Response, ApiError> {
    export(state, ExportTable::Deliveries, params.since, params.until)
}

pub(super) async fn outcomes(
    State(state): State<AppState>,
    _caller: ApiKey,
    Query(params): Query<ExportParams>,
) -> Result<Response, ApiError> {
    export(state, ExportTable::Outcomes, params.since, params.until)
}

pub(super) async fn payments(
    State(state): State<AppState>,
    _caller: ApiKey,
    Query(params): Query<ExportParams>,
) -> Result<Response, ApiError> {
    export(state, ExportTable::Payments, params.since, params.until)
}

/// The CSV of `table` in `[since, until)`, streamed; the API's routes and the console's
/// download buttons both answer with this.
pub(super) fn export(
    state: AppState,
    table: ExportTable,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> Result<Response, ApiError> {
    if let (Some(since), Some(until)) = (since, until)
        && until <= since
    {
        return Err(ApiError::invalid("until", "must be after since"));
    }
    let (rows, received) = mpsc::channel(ROWS_AHEAD);
    let store = state.store.clone();
    tokio::spawn(async move { store.export(table, since, until, rows).await });
    let body = Body::from_stream(futures_util::stream::unfold(
        Chunks::new(table, received),
        |mut chunks| async move { chunks.next().await.map(|chunk| (chunk, chunks)) },
    ));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8; header=present"),
    );
    let disposition = format!("attachment; filename=\"{}.csv\"", table.name());
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The CSV text of the rows as they arrive, in chunks.
struct Chunks {
    table: ExportTable,
    rows: mpsc::Receiver<StoreResult<Vec<Cell>>>,
    writer: csv::Writer<Vec<u8>>,
    header_written: bool,
    done: bool,
}

impl Chunks {
    fn new(table: ExportTable, rows: mpsc::Receiver<StoreResult<Vec<Cell>>>) -> Self {
        Self {
            table,
            rows,
            writer: chunk_writer(),
            header_written: false,
            done: false,
        }
    }

    async fn next(&mut self) -> Option<Result<Bytes, std::io::Error>> {
        if self.done {
            return None;
        }
        if !self.header_written {
            self.header_written = true;
            if let Err(err) = self.writer.write_record(self.table.header()) {
                return Some(Err(err.into()));
            }
        }
        while self.writer.get_ref().len() < CHUNK_BYTES {
            match self.rows.recv().await {
                Some(Ok(cells)) => {
                    if let Err(err) = self.write(&cells) {
                        return Some(Err(err.into()));
                    }
                }
                Some(Err(err)) => {
                    tracing::error!(error = %err, "an export failed part-way");
                    self.done = true;
                    return Some(Err(std::io::Error::other("the export failed part-way")));
                }
                None => {
                    self.done = true;
                    break;
                }
            }
            // What csv buffers internally goes into the chunk, so its size is known.
            if let Err(err) = self.writer.flush() {
                return Some(Err(err));
            }
        }
        let full = std::mem::replace(&mut self.writer, chunk_writer());
        match full.into_inner() {
            Ok(chunk) if chunk.is_empty() => None,
            Ok(chunk) => Some(Ok(Bytes::from(chunk))),
            Err(err) => Some(Err(std::io::Error::other(err.to_string()))),
        }
    }

    fn write(&mut self, cells: &[Cell]) -> csv::Result<()> {
        for cell in cells {
            self.writer.write_field(field(cell).as_bytes())?;
        }
        self.writer.write_record(None::<&[u8]>)
    }
}

/// RFC 4180: CRLF line ends, quotes only where a field needs them.
fn chunk_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(CHUNK_BYTES + 4096))
}

/// A cell as written: text that could start a formula gets a `'` in front.
fn field(cell: &Cell) -> std::borrow::Cow<'_, str> {
    match cell {
        Cell::Text(text) if text.starts_with(['=', '+', '-', '@', '\t', '\r']) => {
            format!("'{text}").into()
        }
        Cell::Text(text) | Cell::Plain(text) => text.as_str().into(),
        Cell::Empty => "".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_in_text_only() {
        for risky in ["=1+2", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(field(&Cell::Text(risky.into())), format!("'{risky}"));
        }
        assert_eq!(field(&Cell::Plain("-5.25".into())), "-5.25");
        assert_eq!(field(&Cell::Text("BTC/USD".into())), "BTC/USD");
        assert_eq!(field(&Cell::Empty), "");
    }
}
