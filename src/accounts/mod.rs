//! Use cases over a user's account, the same whichever edge asks (the bot, the admin API, the
//! command line, and later payments): the tier, granted and revoked through one path that is
//! audited and starts premium reminders over; deactivation; erasure; the bot-admin flag. Every
//! change is an audit event naming its [`Actor`], with the state before and after.

mod actor;
mod admin_role;
mod erasure;
mod status;
mod tier;

pub use actor::Actor;
pub use admin_role::set_bot_admin;
pub use erasure::erase;
pub use status::set_active;
pub use tier::{Grant, TierChange, TierError, grant, revoke, subscription_json};

use crate::store::StoreError;

/// Why an account use case was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("no such user")]
    UnknownUser,
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AccountError {
    fn from(err: StoreError) -> Self {
        match err {
            // The user's rows went away between reads (an erasure raced the change).
            StoreError::NotFound => Self::UnknownUser,
            other => Self::Store(other),
        }
    }
}
