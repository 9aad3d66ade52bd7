//! The bot-admin flag (`users.is_admin`): a flagged user may use the admin commands, as the ids
//! in `HERALD_ADMIN_IDS` may, still confirming each with their TOTP code.

use serde_json::json;

use super::{AccountError, Actor};
use crate::store::Store;

/// Flags (or unflags) the user with this Telegram id as a bot admin; returns whether they were
/// flagged before. The user must have started the bot.
pub async fn set_bot_admin(
    store: &Store,
    telegram_id: i64,
    admin: bool,
    actor: Actor<'_>,
) -> Result<bool, AccountError> {
    let user = store
        .user_by_telegram_id(telegram_id)
        .await?
        .ok_or(AccountError::UnknownUser)?;
    let was = user.is_admin;
    store.set_user_admin(user.id, admin).await?;
    let operation = if admin { "promote" } else { "demote" };
    let event = actor
        .event(operation, user.id)
        .change(json!({ "is_admin": was }), json!({ "is_admin": admin }));
    store.audit(event).await;
    Ok(was)
}
