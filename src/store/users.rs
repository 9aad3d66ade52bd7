//! Users, their preferences and their subscription. Usernames and first and last names are sealed
//! with the store's cipher (AES-GCM, a fresh nonce per value) before they reach the database.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::{Store, StoreError, StoreResult, flag, from_millis, parse_uuid, to_millis};
use crate::crypto::Cipher;
use crate::domain::i18n::Lang;
use crate::domain::preferences::{
    HourWindow, MessageFormat, Preferences, ReportFrequency, Tier, TypeModes,
};
use crate::domain::signal::Asset;

/// What Telegram tells us about a user: the id and names, nothing else.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub telegram_id: i64,
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub language_code: Option<String>,
}

/// Serialized as the admin API shows a user: the onboarding step and referral stay inside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: Uuid,
    pub telegram_id: i64,
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub language_code: Option<String>,
    pub created_at: DateTime<Utc>,
    pub is_active: bool,
    pub is_admin: bool,
    pub disclaimer_accepted_at: Option<DateTime<Utc>>,
    #[serde(skip)]
    pub onboarding_step: String,
    #[serde(skip)]
    pub referral: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscription {
    pub tier: Tier,
    pub subscribed: bool,
    pub started_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A user who might receive a signal, with everything the recipient decision needs.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub user_id: Uuid,
    pub chat_id: i64,
    pub is_active: bool,
    pub disclaimer_accepted: bool,
    pub subscription: Subscription,
    pub prefs: Preferences,
}

/// Columns of `users u` in the order `user_from_row` reads them; qualified, so queries can join.
pub(super) const USER_COLUMNS: &str = "u.id, u.telegram_id, u.username, u.first_name, u.last_name, \
     u.language_code, u.created_at, u.is_active, u.is_admin, u.disclaimer_accepted_at, \
     u.onboarding_step, u.referral";

/// Columns of `user_subscriptions s` that `subscription_from_row` reads.
pub(super) const SUBSCRIPTION_COLUMNS: &str =
    "s.subscription_type, s.is_active AS sub_active, s.started_at, s.expires_at";

pub(super) fn user_from_row(cipher: &Cipher, row: &AnyRow) -> StoreResult<User> {
    let open = |column: &str| -> StoreResult<Option<String>> {
        Ok(cipher.open_opt(row.try_get::<Option<String>, _>(column)?.as_deref())?)
    };
    Ok(User {
        id: parse_uuid(&row.try_get::<String, _>("id")?)?,
        telegram_id: row.try_get("telegram_id")?,
        username: open("username")?,
        first_name: open("first_name")?,
        last_name: open("last_name")?,
        language_code: row.try_get("language_code")?,
        created_at: from_millis(row.try_get("created_at")?),
        is_active: flag(row, "is_active")?,
        is_admin: flag(row, "is_admin")?,
        disclaimer_accepted_at: row
            .try_get::<Option<i64>, _>("disclaimer_accepted_at")?
            .map(from_millis),
        onboarding_step: row.try_get("onboarding_step")?,
        referral: row.try_get("referral")?,
    })
}

/// Columns of `user_preferences` in the order `prefs_from_row` expects them.
pub(super) const PREFS_COLUMNS: &str = "p.signal_types, p.confidence_threshold, p.notification_hours_start, \
     p.notification_hours_end, p.signal_format, p.performance_update_frequency, p.timezone, \
     p.language, p.assets, p.muted_assets, p.charts";

pub(super) fn prefs_from_row(row: &AnyRow) -> StoreResult<Preferences> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("user_preferences.{what}"));
    let signal_types: TypeModes = serde_json::from_str(&row.try_get::<String, _>("signal_types")?)
        .map_err(|_| corrupt("signal_types"))?;
    let assets: Vec<Asset> = serde_json::from_str(&row.try_get::<String, _>("assets")?)
        .map_err(|_| corrupt("assets"))?;
    let muted_assets: Vec<Asset> = serde_json::from_str(&row.try_get::<String, _>("muted_assets")?)
        .map_err(|_| corrupt("muted_assets"))?;
    let hour = |name: &str| -> StoreResult<u8> {
        u8::try_from(row.try_get::<i32, _>(name)?).map_err(|_| corrupt(name))
    };
    Ok(Preferences {
        signal_types,
        confidence_threshold: hour("confidence_threshold")?,
        notification_hours: HourWindow {
            start: hour("notification_hours_start")?,
            end: hour("notification_hours_end")?,
        },
        timezone: row
            .try_get::<String, _>("timezone")?
            .parse()
            .map_err(|_| corrupt("timezone"))?,
        format: match row.try_get::<String, _>("signal_format")?.as_str() {
            "compact" => MessageFormat::Compact,
            _ => MessageFormat::Detailed,
        },
        performance_updates: match row
            .try_get::<String, _>("performance_update_frequency")?
            .as_str()
        {
            "daily" => ReportFrequency::Daily,
            "never" => ReportFrequency::Never,
            _ => ReportFrequency::Weekly,
        },
        language: Lang::from_code(&row.try_get::<String, _>("language")?).unwrap_or_default(),
        assets,
        muted_assets,
        charts: flag(row, "charts")?,
    })
}

fn format_str(format: MessageFormat) -> &'static str {
    match format {
        MessageFormat::Detailed => "detailed",
        MessageFormat::Compact => "compact",
    }
}

fn frequency_str(frequency: ReportFrequency) -> &'static str {
    match frequency {
        ReportFrequency::Daily => "daily",
        ReportFrequency::Weekly => "weekly",
        ReportFrequency::Never => "never",
    }
}

pub(super) fn subscription_from_row(row: &AnyRow) -> StoreResult<Subscription> {
    let tier_text: String = row.try_get("subscription_type")?;
    Ok(Subscription {
        tier: Tier::parse(&tier_text)
            .ok_or_else(|| StoreError::Corrupt(format!("subscription_type {tier_text:?}")))?,
        subscribed: flag(row, "sub_active")?,
        started_at: from_millis(row.try_get("started_at")?),
        expires_at: row
            .try_get::<Option<i64>, _>("expires_at")?
            .map(from_millis),
    })
}

/// A chat's user stops getting signals (`$1` the chat, `$2` why); a no-op when already inactive.
pub(super) const DEACTIVATE_CHAT: &str = "UPDATE users SET is_active = FALSE, deactivated_reason = $2 \
     WHERE telegram_id = $1 AND is_active";

impl Store {
    /// Registers a user on first contact (with default preferences and an inactive free
    /// subscription) or refreshes their names; returns the user and whether they are new.
    pub async fn upsert_user(
        &self,
        new: &NewUser,
        default_language: Lang,
        now: DateTime<Utc>,
    ) -> StoreResult<(User, bool)> {
        let username = self.cipher.seal_opt(new.username.as_deref());
        let first_name = self.cipher.seal_opt(new.first_name.as_deref());
        let last_name = self.cipher.seal_opt(new.last_name.as_deref());
        let mut tx = self.begin_write().await?;
        let existing = sqlx::query("SELECT id FROM users WHERE telegram_id = $1")
            .bind(new.telegram_id)
            .fetch_optional(&mut *tx)
            .await?;
        let created = existing.is_none();
        if created {
            let id = Uuid::now_v7().to_string();
            sqlx::query(
                "INSERT INTO users (id, telegram_id, username, first_name, last_name, language_code, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&id)
            .bind(new.telegram_id)
            .bind(&username)
            .bind(&first_name)
            .bind(&last_name)
            .bind(&new.language_code)
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?;
            let prefs = Preferences {
                language: default_language,
                ..Preferences::default()
            };
            insert_or_replace_prefs(&mut *tx, &id, &prefs, now).await?;
            sqlx::query(
                "INSERT INTO user_subscriptions (user_id, subscription_type, started_at, is_active) \
                 VALUES ($1, 'free', $2, FALSE)",
            )
            .bind(&id)
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query(
                "UPDATE users SET username = $2, first_name = $3, last_name = $4, language_code = $5, \
                 last_seen_at = $6 WHERE telegram_id = $1",
            )
            .bind(new.telegram_id)
            .bind(&username)
            .bind(&first_name)
            .bind(&last_name)
            .bind(&new.language_code)
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?;
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.telegram_id = $1"
        )))
        .bind(new.telegram_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((user_from_row(&self.cipher, &row)?, created))
    }

    pub async fn user_by_telegram_id(&self, telegram_id: i64) -> StoreResult<Option<User>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.telegram_id = $1"
        )))
        .bind(telegram_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref()
            .map(|row| user_from_row(&self.cipher, row))
            .transpose()
    }

    pub async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<User>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref()
            .map(|row| user_from_row(&self.cipher, row))
            .transpose()
    }

    pub async fn accept_disclaimer(&self, user_id: Uuid, now: DateTime<Utc>) -> StoreResult<bool> {
        let result = sqlx::query(
            "UPDATE users SET disclaimer_accepted_at = $2 WHERE id = $1 AND disclaimer_accepted_at IS NULL",
        )
        .bind(user_id.to_string())
        .bind(to_millis(now))
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    pub async fn set_onboarding_step(&self, user_id: Uuid, step: &str) -> StoreResult<()> {
        sqlx::query("UPDATE users SET onboarding_step = $2 WHERE id = $1")
            .bind(user_id.to_string())
            .bind(step)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Turns signals on or off; returns false when it already was so (the command is idempotent).
    pub async fn set_subscribed(
        &self,
        user_id: Uuid,
        subscribed: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let result = sqlx::query(
            "UPDATE user_subscriptions SET is_active = $2, \
             started_at = CASE WHEN $2 THEN $3 ELSE started_at END \
             WHERE user_id = $1 AND is_active <> $2",
        )
        .bind(user_id.to_string())
        .bind(subscribed)
        .bind(to_millis(now))
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// A user who blocked the bot (403, or `my_chat_member` = kicked) gets nothing more.
    pub async fn deactivate_chat(&self, chat_id: i64, reason: &str) -> StoreResult<bool> {
        let result = sqlx::query(DEACTIVATE_CHAT)
            .bind(chat_id)
            .bind(reason)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// A user who comes back (/start, or unblocking) is active again.
    pub async fn reactivate_chat(&self, chat_id: i64) -> StoreResult<bool> {
        let result = sqlx::query(
            "UPDATE users SET is_active = TRUE, deactivated_reason = NULL WHERE telegram_id = $1 AND NOT is_active",
        )
        .bind(chat_id)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    pub async fn preferences(&self, user_id: Uuid) -> StoreResult<Preferences> {
        let sql = format!("SELECT {PREFS_COLUMNS} FROM user_preferences p WHERE p.user_id = $1");
        prefs_from_row(&self.row_of_user(sql, user_id).await?)
    }

    /// The one row a per-user table holds for the user; `NotFound` when it holds none.
    async fn row_of_user(&self, sql: String, user_id: Uuid) -> StoreResult<AnyRow> {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user_id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn save_preferences(
        &self,
        user_id: Uuid,
        prefs: &Preferences,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        // One statement, so no transaction: the audience counter's row lock (taken by the
        // statement's trigger) is held only until this statement commits.
        insert_or_replace_prefs(&self.pool, &user_id.to_string(), prefs, now).await
    }

    pub async fn subscription(&self, user_id: Uuid) -> StoreResult<Subscription> {
        let sql =
            format!("SELECT {SUBSCRIPTION_COLUMNS} FROM user_subscriptions s WHERE s.user_id = $1");
        subscription_from_row(&self.row_of_user(sql, user_id).await?)
    }

    pub async fn count_users(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }
}

async fn insert_or_replace_prefs<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    prefs: &Preferences,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let signal_types = serde_json::to_string(&prefs.signal_types)
        .map_err(|err| StoreError::Corrupt(err.to_string()))?;
    let assets =
        serde_json::to_string(&prefs.assets).map_err(|err| StoreError::Corrupt(err.to_string()))?;
    let muted = serde_json::to_string(&prefs.muted_assets)
        .map_err(|err| StoreError::Corrupt(err.to_string()))?;
    sqlx::query(
        "INSERT INTO user_preferences (user_id, signal_types, confidence_threshold, \
         notification_hours_start, notification_hours_end, signal_format, \
         performance_update_frequency, timezone, language, assets, updated_at, muted_assets, charts) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (user_id) DO UPDATE SET signal_types = excluded.signal_types, \
         confidence_threshold = excluded.confidence_threshold, \
         notification_hours_start = excluded.notification_hours_start, \
         notification_hours_end = excluded.notification_hours_end, \
         signal_format = excluded.signal_format, \
         performance_update_frequency = excluded.performance_update_frequency, \
         timezone = excluded.timezone, language = excluded.language, assets = excluded.assets, \
         updated_at = excluded.updated_at, muted_assets = excluded.muted_assets, \
         charts = excluded.charts",
    )
    .bind(user_id)
    .bind(signal_types)
    .bind(i32::from(prefs.confidence_threshold))
    .bind(i32::from(prefs.notification_hours.start))
    .bind(i32::from(prefs.notification_hours.end))
    .bind(format_str(prefs.format))
    .bind(frequency_str(prefs.performance_updates))
    .bind(prefs.timezone.name())
    .bind(prefs.language.code())
    .bind(assets)
    .bind(to_millis(now))
    .bind(muted)
    .bind(prefs.charts)
    .execute(executor)
    .await?;
    Ok(())
}

impl Store {
    /// Telegram says the user blocked the bot (a 403, or `my_chat_member` = kicked): the user is
    /// deactivated and the chat's queue blocked with `error`, together.
    pub async fn chat_blocked(&self, chat_id: i64, error: &str) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        block_chat(&mut tx, chat_id, error).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// `chat_blocked`'s statements, inside a transaction the caller holds (`record_outcomes` records a
/// batch's 403s with its results).
pub(super) async fn block_chat(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    chat_id: i64,
    error: &str,
) -> StoreResult<()> {
    sqlx::query(DEACTIVATE_CHAT)
        .bind(chat_id)
        .bind("blocked")
        .execute(&mut **tx)
        .await?;
    sqlx::query(BLOCK_CHAT_QUEUE)
        .bind(chat_id)
        .bind(error)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The rest of a blocked chat's queue (`$1` the chat, `$2` the error) will never go out. The
/// second `IN` is the per-chat queue index's predicate word for word, which SQLite needs to use it.
const BLOCK_CHAT_QUEUE: &str = "UPDATE signal_deliveries SET status = 'blocked', last_error = $2 \
     WHERE chat_id = $1 AND status IN ('pending', 'uncertain') \
     AND status IN ('pending', 'uncertain', 'sending')";
