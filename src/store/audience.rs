//! The audience: everyone who could receive a new signal, with what the recipient decision needs.
//!
//! It is read in pages in chat order (a fan-out writes one chunk of rows per page, scheduled
//! reports walk it the same way), so memory never holds more than a page of it whatever the
//! number of subscribers. Only its size is kept between signals (the `recipients` of a 202),
//! reused while the `audience_version` counter is unchanged: triggers bump that counter in the
//! same transaction as any change to a user's activity, consent, subscription or preferences
//! (migration 0009), so the count is never older than what the tables hold — on every replica.

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use sqlx::Row;
use sqlx::any::AnyRow;
use tokio::sync::Mutex;

use super::users::{PREFS_COLUMNS, SUBSCRIPTION_COLUMNS, prefs_from_row, subscription_from_row};
use super::{Candidate, Store, StoreResult, flag, parse_uuid, to_millis};

/// The last audience count and the `audience_version` it was read under.
#[derive(Clone, Default)]
pub(super) struct AudienceCache(std::sync::Arc<Mutex<Option<(i64, i64)>>>);

/// Which part of the audience a page is read from: a fan-out sends to paying subscribers first
/// (at 30/s the 100,000th subscriber waits 55 minutes; the paying ones should not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudienceSlice {
    /// Premium (or any paid tier) not expired at the page's moment.
    Paying,
    /// Everyone else: free, or premium expired by then.
    Rest,
    All,
}

/// One page of the audience as it stood at `at`: subscribed no later than `at`, chats after
/// `after_chat`, in chat order.
#[derive(Debug, Clone, Copy)]
pub struct AudiencePage {
    pub slice: AudienceSlice,
    pub after_chat: i64,
    pub at: DateTime<Utc>,
    pub limit: i64,
}

/// Who is in the audience at all. Subscribing sets `started_at`, so a subscriber who joined after
/// the signal's acceptance is not in its snapshot, even when a crash delays the fan-out.
const AUDIENCE_WHERE: &str = "u.is_active AND s.is_active AND u.disclaimer_accepted_at IS NOT NULL";
const PAYING: &str =
    "s.subscription_type <> 'free' AND (s.expires_at IS NULL OR s.expires_at > $3)";
const NOT_PAYING: &str =
    "(s.subscription_type = 'free' OR (s.expires_at IS NOT NULL AND s.expires_at <= $3))";

impl Store {
    /// How many could receive a new signal right now (active, subscribed, past the disclaimer).
    pub async fn audience_size(&self) -> StoreResult<i64> {
        // Held while recounting, so concurrent signals wait for one count instead of each doing it.
        let mut cached = self.audience.0.lock().await;
        // The version is read before the count: a change committed in between makes the next
        // call recount, never the reverse. A sum: PostgreSQL spreads it over rows (0011).
        let version: i64 =
            sqlx::query("SELECT CAST(SUM(version) AS BIGINT) AS version FROM audience_version")
                .fetch_one(&self.pool)
                .await?
                .try_get("version")?;
        if let Some((at, size)) = *cached
            && at == version
        {
            return Ok(size);
        }
        let size: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM users u JOIN user_subscriptions s ON s.user_id = u.id \
             WHERE {AUDIENCE_WHERE}"
        )))
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        *cached = Some((version, size));
        Ok(size)
    }

    /// One page of the audience (see `AudiencePage`); fewer than `limit` rows means the slice
    /// ends here.
    pub async fn audience_page(&self, page: AudiencePage) -> StoreResult<Vec<Candidate>> {
        let slice = match page.slice {
            AudienceSlice::Paying => PAYING,
            AudienceSlice::Rest => NOT_PAYING,
            // `$3` is still bound: every variant takes the same parameters.
            AudienceSlice::All => "($3 IS NOT NULL)",
        };
        let sql = format!(
            "SELECT u.id, u.telegram_id, u.is_active, u.disclaimer_accepted_at, \
             {SUBSCRIPTION_COLUMNS}, {PREFS_COLUMNS} \
             FROM users u \
             JOIN user_subscriptions s ON s.user_id = u.id \
             JOIN user_preferences p ON p.user_id = u.id \
             WHERE {AUDIENCE_WHERE} AND s.started_at <= $3 AND u.telegram_id > $1 AND {slice} \
             ORDER BY u.telegram_id LIMIT $2"
        );
        // Streamed, so only the decoded candidates are ever held, not every raw row too.
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(page.after_chat)
            .bind(page.limit)
            .bind(to_millis(page.at))
            .fetch(&self.pool);
        let mut audience = Vec::with_capacity(page.limit.clamp(0, 10_000) as usize);
        while let Some(row) = rows.try_next().await? {
            audience.push(candidate_from_row(&row)?);
        }
        Ok(audience)
    }
}

fn candidate_from_row(row: &AnyRow) -> StoreResult<Candidate> {
    Ok(Candidate {
        user_id: parse_uuid(&row.try_get::<String, _>("id")?)?,
        chat_id: row.try_get("telegram_id")?,
        is_active: flag(row, "is_active")?,
        disclaimer_accepted: row
            .try_get::<Option<i64>, _>("disclaimer_accepted_at")?
            .is_some(),
        subscription: subscription_from_row(row)?,
        prefs: prefs_from_row(row)?,
    })
}
