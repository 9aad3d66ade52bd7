//! The audience: everyone who could receive a new signal, with what the recipient decision needs.
//!
//! Reading it is the largest part of accepting a signal, and it rarely changes between signals,
//! so it is kept in memory and reused while the `audience_version` counter is unchanged. Triggers bump that counter in the
//! same transaction as any change to a user's activity, consent, subscription or preferences
//! (migration 0009), so a reused snapshot is never older than what the tables hold — on every
//! replica, whichever of them made the change.

use std::sync::Arc;

use futures_util::TryStreamExt;
use sqlx::Row;
use sqlx::any::AnyRow;
use tokio::sync::Mutex;

use super::users::{PREFS_COLUMNS, SUBSCRIPTION_COLUMNS, prefs_from_row, subscription_from_row};
use super::{Candidate, Store, StoreResult, flag, parse_uuid};

/// A read of the audience and the `audience_version` it was read under.
type Snapshot = (i64, Arc<Vec<Candidate>>);

/// The last audience read.
#[derive(Clone, Default)]
pub(super) struct AudienceCache(Arc<Mutex<Option<Snapshot>>>);

impl Store {
    /// Everyone who could receive a new signal right now: active, subscribed and past the
    /// disclaimer, in chat order. The finer rules (tier, filters, hours) are
    /// `domain::recipients::decide`'s; they depend on the time, so they are never cached.
    pub async fn signal_candidates(&self) -> StoreResult<Arc<Vec<Candidate>>> {
        // Held while reloading, so concurrent signals wait for one read instead of each doing it.
        let mut cached = self.audience.0.lock().await;
        // The version is read before the rows: a change committed in between makes the next
        // call reload, never the reverse.
        // A sum: PostgreSQL spreads the counter over several rows (migration 0011).
        let version: i64 =
            sqlx::query("SELECT CAST(SUM(version) AS BIGINT) AS version FROM audience_version")
                .fetch_one(&self.pool)
                .await?
                .try_get("version")?;
        if let Some((at, audience)) = cached.as_ref()
            && *at == version
        {
            return Ok(audience.clone());
        }
        let audience = Arc::new(self.read_audience().await?);
        *cached = Some((version, audience.clone()));
        Ok(audience)
    }

    /// Streams the rows so that only the decoded candidates are ever held, not every raw row.
    async fn read_audience(&self) -> StoreResult<Vec<Candidate>> {
        let sql = format!(
            "SELECT u.id, u.telegram_id, u.is_active, u.disclaimer_accepted_at, \
             {SUBSCRIPTION_COLUMNS}, {PREFS_COLUMNS} \
             FROM users u \
             JOIN user_subscriptions s ON s.user_id = u.id \
             JOIN user_preferences p ON p.user_id = u.id \
             WHERE u.is_active AND s.is_active AND u.disclaimer_accepted_at IS NOT NULL \
             ORDER BY u.telegram_id"
        );
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&self.pool);
        let mut audience = Vec::new();
        while let Some(row) = rows.try_next().await? {
            audience.push(candidate_from_row(&row)?);
        }
        audience.shrink_to_fit();
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
