//! What the bot conversation keeps beyond users and preferences: inputs it waits for, admin
//! two-factor state, broadcasts, referrals and premium reminders (grants are `Store::set_tier`).

use chrono::{DateTime, Utc};
use sqlx::Row;
use uuid::Uuid;

use super::{Store, StoreResult, from_millis, parse_uuid, to_millis};
use crate::domain::i18n::Lang;

/// An input the bot waits for from one chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatState {
    pub awaiting: String,
    pub payload: String,
    pub created_at: DateTime<Utc>,
}

/// An admin's authenticator: the sealed secret and the state that makes codes single-use and
/// wrong codes costly.
#[derive(Debug, Clone)]
pub struct AdminTotp {
    pub sealed_secret: String,
    pub last_step: Option<u64>,
    pub failures: i32,
    pub locked_until: Option<DateTime<Utc>>,
}

/// A premium subscription that has a reminder due.
#[derive(Debug, Clone)]
pub struct ReminderDue {
    pub user_id: Uuid,
    pub telegram_id: i64,
    pub lang: Lang,
    pub expires_at: DateTime<Utc>,
    /// 7 or 1.
    pub days: u8,
}

impl Store {
    pub async fn set_chat_state(
        &self,
        telegram_id: i64,
        awaiting: &str,
        payload: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO bot_chat_state (telegram_id, awaiting, payload, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (telegram_id) DO UPDATE SET \
             awaiting = excluded.awaiting, payload = excluded.payload, created_at = excluded.created_at",
        )
        .bind(telegram_id)
        .bind(awaiting)
        .bind(payload)
        .bind(to_millis(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn clear_chat_state(&self, telegram_id: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM bot_chat_state WHERE telegram_id = $1")
            .bind(telegram_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores a new authenticator secret for an admin (already sealed), forgetting any old one.
    pub async fn set_admin_totp(
        &self,
        telegram_id: i64,
        sealed_secret: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO admin_totp (telegram_id, secret, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (telegram_id) DO UPDATE SET secret = excluded.secret, last_step = NULL, \
             failures = 0, locked_until = NULL, created_at = excluded.created_at",
        )
        .bind(telegram_id)
        .bind(sealed_secret)
        .bind(to_millis(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn admin_totp(&self, telegram_id: i64) -> StoreResult<Option<AdminTotp>> {
        let row = sqlx::query(
            "SELECT secret, last_step, failures, locked_until FROM admin_totp WHERE telegram_id = $1",
        )
        .bind(telegram_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(AdminTotp {
                sealed_secret: row.try_get("secret")?,
                last_step: row
                    .try_get::<Option<i64>, _>("last_step")?
                    .and_then(|step| u64::try_from(step).ok()),
                failures: row.try_get("failures")?,
                locked_until: row
                    .try_get::<Option<i64>, _>("locked_until")?
                    .map(from_millis),
            })
        })
        .transpose()
    }

    /// Records an accepted code's step. False when a concurrent check already used this step or a
    /// later one: the code is then refused, so each code works once.
    pub async fn accept_totp_step(&self, telegram_id: i64, step: u64) -> StoreResult<bool> {
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        let result = sqlx::query(
            "UPDATE admin_totp SET last_step = $2, failures = 0, locked_until = NULL \
             WHERE telegram_id = $1 AND (last_step IS NULL OR last_step < $2)",
        )
        .bind(telegram_id)
        .bind(step)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Counts a wrong code; the `max_failures`-th locks admin actions until `lock_until`.
    /// Returns the failure count and the lock, if one is now set.
    pub async fn record_totp_failure(
        &self,
        telegram_id: i64,
        max_failures: i32,
        lock_until: DateTime<Utc>,
    ) -> StoreResult<(i32, Option<DateTime<Utc>>)> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE admin_totp SET failures = failures + 1 WHERE telegram_id = $1")
            .bind(telegram_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE admin_totp SET locked_until = $3, failures = 0 \
             WHERE telegram_id = $1 AND failures >= $2",
        )
        .bind(telegram_id)
        .bind(max_failures)
        .bind(to_millis(lock_until))
        .execute(&mut *tx)
        .await?;
        let row =
            sqlx::query("SELECT failures, locked_until FROM admin_totp WHERE telegram_id = $1")
                .bind(telegram_id)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        let locked = row
            .try_get::<Option<i64>, _>("locked_until")?
            .map(from_millis)
            .filter(|until| *until == from_millis(to_millis(lock_until)));
        Ok((row.try_get("failures")?, locked))
    }

    /// Queues a broadcast to every active user, in their language; returns the recipient count.
    pub async fn create_broadcast(
        &self,
        text: &str,
        created_by: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<(Uuid, i64)> {
        let id = Uuid::now_v7();
        let mut tx = self.begin_write().await?;
        let count: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE is_active")
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
        sqlx::query(
            "INSERT INTO broadcasts (id, text, created_by, created_at, recipients) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.to_string())
        .bind(text)
        .bind(created_by)
        .bind(to_millis(now))
        .bind(count)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO signal_deliveries (broadcast_id, user_id, chat_id, status, lang, format, \
             silent, protect_content, next_attempt_at, accepted_at) \
             SELECT $1, u.id, u.telegram_id, 'pending', p.language, p.signal_format, FALSE, FALSE, $2, $2 \
             FROM users u JOIN user_preferences p ON p.user_id = u.id WHERE u.is_active \
             ORDER BY u.telegram_id",
        )
        .bind(id.to_string())
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.deliveries_queued.notify_one();
        Ok((id, count))
    }

    pub async fn broadcast_text(&self, id: Uuid) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT text FROM broadcasts WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get("text")).transpose()?)
    }

    pub async fn user_id_by_username(&self, username: &str) -> StoreResult<Option<i64>> {
        // Usernames are sealed with a fresh nonce each, so SQL cannot compare them: open and match.
        let wanted = username.trim_start_matches('@').to_lowercase();
        let rows =
            sqlx::query("SELECT telegram_id, username FROM users WHERE username IS NOT NULL")
                .fetch_all(&self.pool)
                .await?;
        for row in &rows {
            let name = self.cipher.open(&row.try_get::<String, _>("username")?)?;
            if name.to_lowercase() == wanted {
                return Ok(Some(row.try_get("telegram_id")?));
            }
        }
        Ok(None)
    }

    /// A deep link's payload (`/start <payload>`), kept only from the first one.
    pub async fn set_referral_if_absent(&self, user_id: Uuid, referral: &str) -> StoreResult<bool> {
        let result =
            sqlx::query("UPDATE users SET referral = $2 WHERE id = $1 AND referral IS NULL")
                .bind(user_id.to_string())
                .bind(referral)
                .execute(&self.pool)
                .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Premium subscriptions whose 7-day or 1-day reminder is due at `now`.
    pub async fn due_reminders(&self, now: DateTime<Utc>) -> StoreResult<Vec<ReminderDue>> {
        let day = chrono::Duration::days(1);
        let rows = sqlx::query(
            "SELECT u.id, u.telegram_id, p.language, s.expires_at, \
             CASE WHEN s.expires_at <= $2 AND s.reminded_1d_at IS NULL THEN 1 ELSE 7 END AS days \
             FROM user_subscriptions s JOIN users u ON u.id = s.user_id \
             JOIN user_preferences p ON p.user_id = u.id \
             WHERE s.subscription_type = 'premium' AND u.is_active \
             AND s.expires_at > $1 AND ( \
                 (s.expires_at <= $2 AND s.reminded_1d_at IS NULL) \
                 OR (s.expires_at <= $3 AND s.expires_at > $2 AND s.reminded_7d_at IS NULL)) \
             ORDER BY s.expires_at LIMIT 500",
        )
        .bind(to_millis(now))
        .bind(to_millis(now + day))
        .bind(to_millis(now + day * 7))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let days: i32 = row.try_get("days")?;
                Ok(ReminderDue {
                    user_id: parse_uuid(&row.try_get::<String, _>("id")?)?,
                    telegram_id: row.try_get("telegram_id")?,
                    lang: Lang::from_code(&row.try_get::<String, _>("language")?)
                        .unwrap_or_default(),
                    expires_at: from_millis(row.try_get("expires_at")?),
                    days: if days == 1 { 1 } else { 7 },
                })
            })
            .collect()
    }

    /// Marks a reminder sent; false when another pass already did (it is then not sent twice).
    pub async fn mark_reminded(
        &self,
        user_id: Uuid,
        days: u8,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        // A 1-day reminder also covers the 7-day one (a grant of 3 days gets one reminder).
        let sql = if days == 1 {
            "UPDATE user_subscriptions SET reminded_1d_at = $2, \
             reminded_7d_at = COALESCE(reminded_7d_at, $2) WHERE user_id = $1 AND reminded_1d_at IS NULL"
        } else {
            "UPDATE user_subscriptions SET reminded_7d_at = $2 WHERE user_id = $1 AND reminded_7d_at IS NULL"
        };
        let result = sqlx::query(sql)
            .bind(user_id.to_string())
            .bind(to_millis(now))
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() == 1)
    }
}
