//! Erasing a user, asked by themselves (`/delete`) or by an admin (`DELETE /api/users/{id}`):
//! their rows go, their deliveries stay anonymised for the statistics (`Store::erase_user`).

use uuid::Uuid;

use super::{AccountError, Actor};
use crate::store::Store;

pub async fn erase(store: &Store, user_id: Uuid, actor: Actor<'_>) -> Result<(), AccountError> {
    if !store.erase_user(user_id).await? {
        return Err(AccountError::UnknownUser);
    }
    // The event keeps only the internal id, which nothing else points to any more.
    store.audit(actor.event("erase", user_id)).await;
    Ok(())
}
