//! Who is talking to the bot: the user, their preferences and subscription, and the input the bot
//! waits for from that chat, read in one statement. Every update needs all of it, and on a busy
//! bot each statement saved per update is worth more than a simpler query.

use std::sync::LazyLock;

use sqlx::Row;
use sqlx::any::AnyRow;

use super::users::{
    PREFS_COLUMNS, SUBSCRIPTION_COLUMNS, USER_COLUMNS, prefs_from_row, subscription_from_row,
    user_from_row,
};
use super::{ChatState, Store, StoreError, StoreResult, Subscription, User, from_millis};
use crate::crypto::Cipher;
use crate::domain::preferences::Preferences;

/// A registered user with what every handler reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub user: User,
    pub prefs: Preferences,
    pub subscription: Subscription,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallerRecord {
    /// None until `/start`.
    pub account: Option<Account>,
    /// A question the bot asked this chat (a typed time zone, a TOTP code), possibly stale.
    pub pending: Option<ChatState>,
}

/// The columns of a caller read, joined by `CALLER_JOINS`.
pub(super) static CALLER_COLUMNS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{USER_COLUMNS}, {PREFS_COLUMNS}, {SUBSCRIPTION_COLUMNS}, \
         c.awaiting, c.payload AS awaiting_payload, c.created_at AS awaiting_since"
    )
});

/// Joins a relation `q` with a `telegram_id` column to what a caller read needs. Driven by the id
/// itself, so a pending input is found for a chat with no user too, and a `NULL` id finds nothing.
pub(super) const CALLER_JOINS: &str = "LEFT JOIN users u ON u.telegram_id = q.telegram_id \
     LEFT JOIN user_preferences p ON p.user_id = u.id \
     LEFT JOIN user_subscriptions s ON s.user_id = u.id \
     LEFT JOIN bot_chat_state c ON c.telegram_id = q.telegram_id";

/// A caller record from a row with `CALLER_COLUMNS`.
pub(super) fn caller_from_row(cipher: &Cipher, row: &AnyRow) -> StoreResult<CallerRecord> {
    let account = match row.try_get::<Option<String>, _>("id")? {
        None => None,
        Some(_) => {
            // A user row always comes with both; a missing one is the same error the separate
            // reads give.
            let has = |column: &str| -> StoreResult<bool> {
                Ok(row.try_get::<Option<String>, _>(column)?.is_some())
            };
            if !has("signal_types")? || !has("subscription_type")? {
                return Err(StoreError::NotFound);
            }
            Some(Account {
                user: user_from_row(cipher, row)?,
                prefs: prefs_from_row(row)?,
                subscription: subscription_from_row(row)?,
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

impl Store {
    pub async fn caller_record(&self, telegram_id: i64) -> StoreResult<CallerRecord> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM (SELECT $1 AS telegram_id) q {CALLER_JOINS}",
            *CALLER_COLUMNS
        )))
        .bind(telegram_id)
        .fetch_one(&self.pool)
        .await?;
        caller_from_row(&self.cipher, &row)
    }
}
