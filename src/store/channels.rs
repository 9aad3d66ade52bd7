//! Channels and groups signals are posted to (migration 0021), managed by `herald channel`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::{Store, StoreError, StoreResult, from_millis, to_millis};
use crate::domain::i18n::Lang;
use crate::domain::preferences::{MessageFormat, Tier};
use crate::domain::signal::{Asset, SignalKind};

/// A channel or group, and which signals it gets in which language and format.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    /// Negative: channels and supergroups are -100…, basic groups -….
    pub chat_id: i64,
    pub title: String,
    /// Public `@username`, without the `@`.
    pub username: Option<String>,
    /// The tier whose rules (types, delay) its posts follow.
    pub tier: Tier,
    pub signal_types: Vec<SignalKind>,
    /// Empty means every asset.
    pub assets: Vec<Asset>,
    pub language: Lang,
    pub format: MessageFormat,
    pub added_at: DateTime<Utc>,
}

const CHANNEL_COLUMNS: &str =
    "chat_id, title, username, tier, signal_types, assets, language, format, added_at";

fn channel_from_row(row: &AnyRow) -> StoreResult<Channel> {
    let corrupt = |column: &str| StoreError::Corrupt(format!("channels.{column}"));
    let tier: String = row.try_get("tier")?;
    let types: String = row.try_get("signal_types")?;
    let assets: String = row.try_get("assets")?;
    let language: String = row.try_get("language")?;
    let format: String = row.try_get("format")?;
    Ok(Channel {
        chat_id: row.try_get("chat_id")?,
        title: row.try_get("title")?,
        username: row.try_get("username")?,
        tier: Tier::parse(&tier).ok_or_else(|| corrupt("tier"))?,
        signal_types: serde_json::from_str(&types).map_err(|_| corrupt("signal_types"))?,
        assets: serde_json::from_str(&assets).map_err(|_| corrupt("assets"))?,
        language: Lang::from_code(&language).ok_or_else(|| corrupt("language"))?,
        format: MessageFormat::parse(&format).ok_or_else(|| corrupt("format"))?,
        added_at: from_millis(row.try_get("added_at")?),
    })
}

impl Store {
    /// Adds the channel, or replaces what it gets; true when it is new.
    pub async fn save_channel(&self, channel: &Channel) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let existed = sqlx::query("SELECT 1 AS found FROM channels WHERE chat_id = $1")
            .bind(channel.chat_id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        sqlx::query("DELETE FROM channels WHERE chat_id = $1")
            .bind(channel.chat_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO channels ({CHANNEL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        )))
        .bind(channel.chat_id)
        .bind(&channel.title)
        .bind(channel.username.as_deref())
        .bind(channel.tier.as_str())
        .bind(to_json(&channel.signal_types)?)
        .bind(to_json(&channel.assets)?)
        .bind(channel.language.code())
        .bind(channel.format.as_str())
        .bind(to_millis(channel.added_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(!existed)
    }

    /// Every channel, in the order they were added.
    pub async fn channels(&self) -> StoreResult<Vec<Channel>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CHANNEL_COLUMNS} FROM channels ORDER BY added_at, chat_id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(channel_from_row).collect()
    }

    /// Removes the channel: nothing more is posted there, posts still queued are skipped. False
    /// when it was not registered.
    pub async fn remove_channel(&self, chat_id: i64) -> StoreResult<bool> {
        let removed = sqlx::query("DELETE FROM channels WHERE chat_id = $1")
            .bind(chat_id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(removed > 0)
    }

    /// The channels a signal was posted to or is still queued for, with the post's message id
    /// where known: where its close goes.
    pub async fn channels_of_signal(
        &self,
        signal_id: Uuid,
    ) -> StoreResult<HashMap<i64, Option<i64>>> {
        let rows = sqlx::query(
            "SELECT d.chat_id, d.telegram_message_id FROM signal_deliveries d \
             JOIN channels c ON c.chat_id = d.chat_id \
             WHERE d.signal_id = $1 AND d.user_id IS NULL \
             AND d.status IN ('sent', 'pending', 'sending', 'uncertain')",
        )
        .bind(signal_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("chat_id")?, row.try_get("telegram_message_id")?)))
            .collect()
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|err| StoreError::Corrupt(err.to_string()))
}
