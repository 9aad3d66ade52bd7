//! Deactivating a user (nothing more is sent to them; unsent deliveries are skipped) and
//! reactivating them.

use serde_json::json;
use uuid::Uuid;

use super::{AccountError, Actor};
use crate::store::Store;

pub async fn set_active(
    store: &Store,
    user_id: Uuid,
    active: bool,
    actor: Actor<'_>,
) -> Result<(), AccountError> {
    let was = store.set_user_active(user_id, active).await?;
    let operation = if active { "activate" } else { "deactivate" };
    let event = actor
        .event(operation, user_id)
        .change(json!({ "is_active": was }), json!({ "is_active": active }));
    store.audit(event).await;
    Ok(())
}
