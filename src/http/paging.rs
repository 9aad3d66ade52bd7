//! Pages of a list: the `limit` a caller may ask for, and the cursor of the page after.

use super::error::ApiError;

/// The `limit` of a page: `default` when absent, otherwise from 1 to `max`.
pub fn page_limit(limit: Option<i64>, default: i64, max: i64) -> Result<i64, ApiError> {
    let limit = limit.unwrap_or(default);
    if (1..=max).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::invalid(
            "limit",
            format!("must be from 1 to {max}"),
        ))
    }
}

/// The cursor of the next page, read from the last row: a full page may have one after it, a
/// shorter page is the last.
pub fn next_cursor<T, C>(page: &[T], limit: i64, cursor: impl FnOnce(&T) -> C) -> Option<C> {
    if page.len() as i64 == limit {
        page.last().map(cursor)
    } else {
        None
    }
}
