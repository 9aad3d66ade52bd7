//! What operators do to users: list and search, change a tier (every grant and revocation),
//! deactivate, flag a bot admin, and erase a user entirely (also `/delete`'s store call).
//!
//! Names are sealed, so the database cannot search them: a text search decrypts users in batches
//! and matches in memory. That is linear in the number of users, which is fine for an operator's
//! occasional query up to about 10^5 users; a Telegram id (all digits) is an indexed lookup.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use super::users::{SUBSCRIPTION_COLUMNS, USER_COLUMNS, subscription_from_row, user_from_row};
use super::{Store, StoreError, StoreResult, Subscription, User, to_millis};
use crate::domain::preferences::Tier;

/// Filters of `GET /api/users`; ordered by id (creation order), `after` is the paging cursor.
#[derive(Debug, Clone, Default)]
pub struct UserListQuery {
    /// A Telegram id (all digits), or text found in the username or names (case-insensitive).
    pub search: Option<String>,
    pub tier: Option<Tier>,
    pub active: Option<bool>,
    pub after: Option<Uuid>,
    pub limit: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct UserSummary {
    #[serde(flatten)]
    pub user: User,
    pub subscription: Subscription,
}

/// Rows read per round trip while searching sealed names.
const SCAN_BATCH: i64 = 500;

impl Store {
    pub async fn list_users(&self, query: &UserListQuery) -> StoreResult<Vec<UserSummary>> {
        let telegram_id = query
            .search
            .as_deref()
            .filter(|text| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|text| text.parse::<i64>().ok());
        let needle = match (&query.search, telegram_id) {
            (Some(text), None) => Some(text.trim_start_matches('@').to_lowercase()),
            _ => None,
        };
        let mut conditions = vec!["u.id > $1".to_owned()];
        if query.tier.is_some() {
            conditions.push(format!("s.subscription_type = ${}", conditions.len() + 1));
        }
        if telegram_id.is_some() {
            conditions.push(format!("u.telegram_id = ${}", conditions.len() + 1));
        }
        if let Some(active) = query.active {
            conditions.push(
                if active {
                    "u.is_active"
                } else {
                    "NOT u.is_active"
                }
                .into(),
            );
        }
        let batch = if needle.is_some() {
            SCAN_BATCH
        } else {
            query.limit
        };
        let sql = format!(
            "SELECT {USER_COLUMNS}, {SUBSCRIPTION_COLUMNS} \
             FROM users u JOIN user_subscriptions s ON s.user_id = u.id \
             WHERE {} ORDER BY u.id LIMIT {batch}",
            conditions.join(" AND ")
        );
        let mut after = query.after.map(|id| id.to_string()).unwrap_or_default();
        let mut found = Vec::new();
        loop {
            let mut statement = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(&after);
            if let Some(tier) = query.tier {
                statement = statement.bind(tier.as_str());
            }
            if let Some(telegram_id) = telegram_id {
                statement = statement.bind(telegram_id);
            }
            let rows = statement.fetch_all(&self.pool).await?;
            for row in &rows {
                let user = user_from_row(&self.cipher, row)?;
                after = user.id.to_string();
                if needle
                    .as_deref()
                    .is_some_and(|needle| !matches(&user, needle))
                {
                    continue;
                }
                found.push(UserSummary {
                    user,
                    subscription: subscription_from_row(row)?,
                });
                if found.len() as i64 == query.limit {
                    return Ok(found);
                }
            }
            if (rows.len() as i64) < batch {
                return Ok(found);
            }
        }
    }

    pub async fn user_summary(&self, id: Uuid) -> StoreResult<Option<UserSummary>> {
        let Some(user) = self.user_by_id(id).await? else {
            return Ok(None);
        };
        let subscription = self.subscription(id).await?;
        Ok(Some(UserSummary { user, subscription }))
    }

    /// How many of the user's deliveries are in each status.
    pub async fn user_delivery_counts(&self, id: Uuid) -> StoreResult<BTreeMap<String, i64>> {
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM signal_deliveries WHERE user_id = $1 GROUP BY status",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("status")?, row.try_get("n")?)))
            .collect()
    }

    /// Sets the tier (and when it ends) and starts the premium reminders over, so a new end date
    /// gets its own reminders; returns the subscription before and after. Every grant and
    /// revocation goes through here (`accounts::grant`, `accounts::revoke`).
    pub async fn set_tier(
        &self,
        id: Uuid,
        tier: Tier,
        expires_at: Option<DateTime<Utc>>,
    ) -> StoreResult<(Subscription, Subscription)> {
        let before = self.subscription(id).await?;
        sqlx::query(
            "UPDATE user_subscriptions SET subscription_type = $2, expires_at = $3, \
             reminded_7d_at = NULL, reminded_1d_at = NULL WHERE user_id = $1",
        )
        .bind(id.to_string())
        .bind(tier.as_str())
        .bind(expires_at.map(to_millis))
        .execute(&self.pool)
        .await?;
        Ok((before, self.subscription(id).await?))
    }

    /// Flags a user as a bot admin, or not.
    pub async fn set_user_admin(&self, id: Uuid, is_admin: bool) -> StoreResult<()> {
        let result = sqlx::query("UPDATE users SET is_admin = $2 WHERE id = $1")
            .bind(id.to_string())
            .bind(is_admin)
            .execute(&self.pool)
            .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Deactivates (nothing more is sent) or reactivates a user; returns whether they were active.
    pub async fn set_user_active(&self, id: Uuid, active: bool) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT is_active FROM users WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let was = super::flag(&row, "is_active")?;
        sqlx::query(
            "UPDATE users SET is_active = $2, \
             deactivated_reason = CASE WHEN $2 THEN NULL ELSE 'admin' END WHERE id = $1",
        )
        .bind(id.to_string())
        .bind(active)
        .execute(&mut *tx)
        .await?;
        if !active {
            skip_unsent(&mut tx, id, "user deactivated").await?;
        }
        tx.commit().await?;
        Ok(was)
    }

    /// Erases a user: their rows (preferences and subscription by cascade) and the updates they
    /// sent are deleted; their deliveries stay, anonymised (no user, no chat), so delivery
    /// statistics stay right. Unsent deliveries are skipped. Returns false if there was no user.
    pub async fn erase_user(&self, id: Uuid) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let Some(row) = sqlx::query("SELECT telegram_id FROM users WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(false);
        };
        let telegram_id: i64 = row.try_get("telegram_id")?;
        skip_unsent(&mut tx, id, "user erased").await?;
        sqlx::query(
            "UPDATE signal_deliveries SET user_id = NULL, chat_id = NULL WHERE user_id = $1",
        )
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        // Payments stay for accounting and refunds, no longer linked to the account.
        sqlx::query("UPDATE payments SET user_id = NULL WHERE user_id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        // The update being handled (the /delete confirmation itself) is not handled yet; it
        // goes with the next retention purge, a day later at most.
        sqlx::query("DELETE FROM telegram_updates WHERE chat_id = $1 AND handled_at IS NOT NULL")
            .bind(telegram_id)
            .execute(&mut *tx)
            .await?;
        // The conversation's own state (pending admin actions, a half-typed time zone).
        sqlx::query("DELETE FROM bot_chat_state WHERE telegram_id = $1")
            .bind(telegram_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// Skips the user's deliveries that are still to be sent, with `reason`.
async fn skip_unsent(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: Uuid,
    reason: &str,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE signal_deliveries SET status = 'skipped', skip_reason = $2 \
         WHERE user_id = $1 AND status IN ('pending', 'uncertain')",
    )
    .bind(user_id.to_string())
    .bind(reason)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn matches(user: &User, needle: &str) -> bool {
    [&user.username, &user.first_name, &user.last_name]
        .into_iter()
        .flatten()
        .any(|text| text.to_lowercase().contains(needle))
}
