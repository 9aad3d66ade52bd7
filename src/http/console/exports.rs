//! `GET /console/export/{table}.csv?since=&until=`: the API's CSV exports for the console's
//! download buttons, with the session instead of a token. Dates from the form's date fields are
//! whole UTC days; `until` is inclusive of its day.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Duration;
use serde::Deserialize;

use super::super::AppState;
use super::super::error::ApiError;
use super::super::exports::export;
use super::page::{ConsoleError, Ctx};
use super::signals::day_start;
use crate::store::ExportTable;

#[derive(Debug, Default, Deserialize)]
pub(super) struct Window {
    since: Option<String>,
    until: Option<String>,
}

pub(super) async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(file): Path<String>,
    Query(window): Query<Window>,
) -> Result<Response, ConsoleError> {
    let table = file
        .strip_suffix(".csv")
        .and_then(|name| ExportTable::ALL.into_iter().find(|t| t.name() == name))
        .ok_or_else(|| ctx.err(ApiError::NotFound))?;
    let date = |value: &Option<String>, field: &str| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(|text| day_start(text, field).map(|at| (at, text.len() == 10)))
            .transpose()
            .map_err(|err| ctx.err(err))
    };
    let since = date(&window.since, "since")?.map(|(at, _)| at);
    // A day picked as the end is exported whole.
    let until = date(&window.until, "until")?.map(|(at, whole_day)| {
        if whole_day {
            at + Duration::days(1)
        } else {
            at
        }
    });
    export(state, table, since, until).map_err(|err| ctx.err(err))
}
