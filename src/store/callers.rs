//! Who is talking to the bot: the user, their preferences and subscription, and the input the bot
//! waits for from that chat, read in one statement. Every update needs all of it, and on a busy
//! bot each statement saved per update is worth more than a simpler query.

use sqlx::Row;

use super::users::{
    PREFS_COLUMNS, SUBSCRIPTION_COLUMNS, USER_COLUMNS, prefs_from_row, subscription_from_row,
    user_from_row,
};
use super::{ChatState, Store, StoreError, StoreResult, Subscription, User, from_millis};
use crate::domain::preferences::Preferences;

/// A registered user with what every handler reads.
#[derive(Debug, Clone)]
pub struct Account {
    pub user: User,
    pub prefs: Preferences,
    pub subscription: Subscription,
}

#[derive(Debug, Clone, Default)]
pub struct CallerRecord {
    /// None until `/start`.
    pub account: Option<Account>,
    /// A question the bot asked this chat (a typed time zone, a TOTP code), possibly stale.
    pub pending: Option<ChatState>,
}

impl Store {
    pub async fn caller_record(&self, telegram_id: i64) -> StoreResult<CallerRecord> {
        // Driven by the id itself, so a pending input is found for a chat with no user too.
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, {PREFS_COLUMNS}, {SUBSCRIPTION_COLUMNS}, \
             c.awaiting, c.payload AS awaiting_payload, c.created_at AS awaiting_since \
             FROM (SELECT $1 AS telegram_id) q \
             LEFT JOIN users u ON u.telegram_id = q.telegram_id \
             LEFT JOIN user_preferences p ON p.user_id = u.id \
             LEFT JOIN user_subscriptions s ON s.user_id = u.id \
             LEFT JOIN bot_chat_state c ON c.telegram_id = q.telegram_id"
        )))
        .bind(telegram_id)
        .fetch_one(&self.pool)
        .await?;
        let account = match row.try_get::<Option<String>, _>("id")? {
            None => None,
            Some(_) => {
                // A user row always comes with both; a missing one is the same error the
                // separate reads give.
                let has = |column: &str| -> StoreResult<bool> {
                    Ok(row.try_get::<Option<String>, _>(column)?.is_some())
                };
                if !has("signal_types")? || !has("subscription_type")? {
                    return Err(StoreError::NotFound);
                }
                Some(Account {
                    user: user_from_row(&self.cipher, &row)?,
                    prefs: prefs_from_row(&row)?,
                    subscription: subscription_from_row(&row)?,
                })
            }
        };
        let pending = match row.try_get::<Option<String>, _>("awaiting")? {
            None => None,
            Some(awaiting) => Some(ChatState {
                awaiting,
                payload: row.try_get("awaiting_payload")?,
                created_at: from_millis(row.try_get("awaiting_since")?),
            }),
        };
        Ok(CallerRecord { account, pending })
    }
}
