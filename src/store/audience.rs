//! The audience: everyone who could receive a new signal, with what the recipient decision needs.
//!
//! It is read in pages in chat order (a fan-out writes one chunk of rows per page, scheduled
//! reports walk it the same way), so memory never holds more than a page of it whatever the
//! number of subscribers. Only its size is kept between signals (the `recipients` of a 202),
//! recounted when the `audience_version` counter moved: triggers bump that counter in the
//! same transaction as any change to a user's activity, consent, subscription or preferences
//! (migration 0009), on whichever replica made the change.

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use sqlx::Row;
use sqlx::any::AnyRow;
use tokio::sync::Mutex;

use super::users::{PREFS_COLUMNS, SUBSCRIPTION_COLUMNS, prefs_from_row, subscription_from_row};
use super::{Backend, Candidate, Store, StoreResult, flag, parse_uuid, to_millis};

/// The last audience count, the `audience_version` it was read under, and whether a recount is
/// under way.
#[derive(Clone, Default)]
pub(super) struct AudienceCache(std::sync::Arc<Mutex<CountState>>);

#[derive(Default)]
pub(super) struct CountState {
    counted: Option<(i64, i64)>,
    recounting: bool,
}

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
    /// How many could receive a new signal (active, subscribed, past the disclaimer). Counting
    /// a million subscribers takes a few hundred milliseconds, so a 202 never waits for it once
    /// a count exists: when the audience changed since, the last count is answered and a recount
    /// starts in the background (one at a time), so the figure trails a change by that long.
    pub async fn audience_size(&self) -> StoreResult<i64> {
        let version = self.audience_version().await?;
        let mut state = self.audience.0.lock().await;
        match state.counted {
            Some((at, size)) if at == version => Ok(size),
            Some((_, size)) => {
                if !state.recounting {
                    state.recounting = true;
                    let store = self.clone();
                    tokio::spawn(async move {
                        let counted = store.count_audience().await;
                        let mut state = store.audience.0.lock().await;
                        state.recounting = false;
                        match counted {
                            Ok(counted) => state.counted = Some(counted),
                            Err(err) => tracing::warn!(error = %err, "cannot count the audience"),
                        }
                    });
                }
                Ok(size)
            }
            None => {
                // The first count of this process: nothing to answer with yet. The lock is held,
                // so concurrent signals wait for one count instead of each doing it.
                let counted = self.count_audience().await?;
                state.counted = Some(counted);
                Ok(counted.1)
            }
        }
    }

    /// A sum: PostgreSQL spreads the counter over rows (migration 0011).
    async fn audience_version(&self) -> StoreResult<i64> {
        Ok(
            sqlx::query("SELECT CAST(SUM(version) AS BIGINT) AS version FROM audience_version")
                .fetch_one(&self.pool)
                .await?
                .try_get("version")?,
        )
    }

    /// The count and the version it is at least as new as: the version is read first, so a
    /// change committed in between makes the next call recount, never the reverse.
    async fn count_audience(&self) -> StoreResult<(i64, i64)> {
        let version = self.audience_version().await?;
        let size: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM users u JOIN user_subscriptions s ON s.user_id = u.id \
             WHERE {AUDIENCE_WHERE}"
        )))
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        Ok((version, size))
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
        // Paying subscribers are found through their partial index and sorted, not by a walk of
        // every user in chat order (a million users, none paying: 0.8 s for an empty page).
        // SQLite is told the join order (`CROSS JOIN`) and the index; PostgreSQL's statistics
        // of the index choose it.
        let from = match (page.slice, self.backend) {
            (AudienceSlice::Paying, Backend::Sqlite) => {
                "user_subscriptions s INDEXED BY subscriptions_paying \
                 CROSS JOIN users u CROSS JOIN user_preferences p"
            }
            (AudienceSlice::Paying, Backend::Postgres) => {
                "user_subscriptions s JOIN users u ON TRUE JOIN user_preferences p ON TRUE"
            }
            _ => "users u JOIN user_subscriptions s ON TRUE JOIN user_preferences p ON TRUE",
        };
        let sql = format!(
            "SELECT u.id, u.telegram_id, u.is_active, u.disclaimer_accepted_at, \
             {SUBSCRIPTION_COLUMNS}, {PREFS_COLUMNS} FROM {from} \
             WHERE s.user_id = u.id AND p.user_id = u.id AND {AUDIENCE_WHERE} \
             AND s.started_at <= $3 AND u.telegram_id > $1 AND {slice} \
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
