//! Referrals, on `users`: each user's code (made when first needed) and who referred whom.

use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use super::{Store, StoreError, StoreResult};
use crate::domain::sharing::CODE_LEN;

/// A user's referral code, and how many joined and paid through it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReferralCounts {
    /// `None` until the user first needed one (`/invite`, a shared card).
    pub code: Option<String>,
    /// Users whose first /start came through the link (and who still have an account).
    pub joined: i64,
    /// Those of them with a Stars payment that was granted and not refunded.
    pub paid: i64,
}

/// A fresh random code: base62, never derived from anything about the user.
fn new_code() -> String {
    use rand::Rng;
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(CODE_LEN)
        .map(char::from)
        .collect()
}

/// Attempts at a code before giving up: with 62^8 codes a collision is already unlikely.
const CODE_ATTEMPTS: usize = 5;

impl Store {
    /// The user's referral code, made now if they have none. `NotFound` for an unknown user.
    pub async fn referral_code(&self, user_id: Uuid) -> StoreResult<String> {
        for _ in 0..CODE_ATTEMPTS {
            if let Some(code) = self.stored_code(user_id).await? {
                return Ok(code);
            }
            let result = sqlx::query(
                "UPDATE users SET referral_code = $2 WHERE id = $1 AND referral_code IS NULL",
            )
            .bind(user_id.to_string())
            .bind(new_code())
            .execute(&self.pool)
            .await;
            match result {
                // Made now, or by a concurrent call: read it back either way.
                Ok(_) => {}
                Err(sqlx::Error::Database(err)) if err.is_unique_violation() => continue,
                Err(err) => return Err(err.into()),
            }
        }
        self.stored_code(user_id)
            .await?
            .ok_or_else(|| StoreError::Conflict("no free referral code".to_owned()))
    }

    async fn stored_code(&self, user_id: Uuid) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT referral_code FROM users WHERE id = $1")
            .bind(user_id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(row.try_get("referral_code")?)
    }

    /// A new user arrived through `code`: they are recorded as referred by its holder. Returns
    /// false (nothing written) for an unknown code, the user's own, or a user already referred.
    pub async fn record_referral(&self, user_id: Uuid, code: &str) -> StoreResult<bool> {
        let result = sqlx::query(
            "UPDATE users SET referred_by = \
             (SELECT r.id FROM users r WHERE r.referral_code = $2 AND r.id <> $1) \
             WHERE id = $1 AND referred_by IS NULL \
             AND EXISTS (SELECT 1 FROM users r WHERE r.referral_code = $2 AND r.id <> $1)",
        )
        .bind(user_id.to_string())
        .bind(code)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Who referred the user, if anyone (and that user still exists).
    pub async fn referred_by(&self, user_id: Uuid) -> StoreResult<Option<Uuid>> {
        let row = sqlx::query("SELECT referred_by FROM users WHERE id = $1")
            .bind(user_id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        row.try_get::<Option<String>, _>("referred_by")?
            .map(|id| super::parse_uuid(&id))
            .transpose()
    }

    /// The user's code and what came of it: for `/invite`, the admin API and the console.
    pub async fn referral_counts(&self, user_id: Uuid) -> StoreResult<ReferralCounts> {
        let code = self.stored_code(user_id).await?;
        let row = sqlx::query(
            "SELECT COUNT(*) AS joined, COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM payments p \
                 WHERE p.user_id = u.id AND p.granted_at IS NOT NULL AND p.refunded_at IS NULL) \
             THEN 1 ELSE 0 END), 0) AS paid FROM users u WHERE u.referred_by = $1",
        )
        .bind(user_id.to_string())
        .fetch_one(&self.pool)
        .await?;
        Ok(ReferralCounts {
            code,
            joined: row.try_get("joined")?,
            paid: row.try_get("paid")?,
        })
    }
}
