//! Creating and revoking stored API keys, the same from the command line (`herald apikey`) and
//! the console: names are checked, the key is shown once, and each change is an audit event
//! naming the admin when there is one.

use chrono::Utc;
use uuid::Uuid;

use super::{Scope, api_keys};
use crate::store::{AuditEvent, Store, StoreError};

/// What creating a key shows once.
pub struct NewApiKey {
    pub id: String,
    pub key: String,
    pub scopes: Vec<Scope>,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key names are 1-64 printable characters")]
    Name,
    #[error("name at least one scope")]
    NoScope,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Who made the change, for the audit row: an admin of the console, or the command line.
#[derive(Debug, Clone, Copy)]
pub enum By<'a> {
    Admin { id: Uuid, name: &'a str },
    Operator,
}

impl By<'_> {
    fn stamp(self, event: AuditEvent) -> AuditEvent {
        match self {
            By::Admin { id, name } => event.by_admin(id, name),
            By::Operator => AuditEvent {
                actor_kind: "operator",
                ..event
            },
        }
    }
}

pub async fn create(
    store: &Store,
    name: &str,
    scopes: &[Scope],
    by: By<'_>,
) -> Result<NewApiKey, KeyError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(KeyError::Name);
    }
    if scopes.is_empty() {
        return Err(KeyError::NoScope);
    }
    let generated = api_keys::generate();
    let names: Vec<&str> = scopes.iter().map(|scope| scope.as_str()).collect();
    store
        .create_api_key(&generated.id, name, &generated.hash, &names, Utc::now())
        .await?;
    let event = AuditEvent::audit("apikey.create")
        .target("api_key", generated.id.clone())
        .detail(format!("{name} ({})", names.join(",")));
    store.audit(by.stamp(event)).await;
    Ok(NewApiKey {
        id: generated.id,
        key: generated.key,
        scopes: scopes.to_vec(),
    })
}

/// Revokes the key with this id, or every key with this name; how many.
pub async fn revoke(store: &Store, id_or_name: &str, by: By<'_>) -> Result<u64, KeyError> {
    let revoked = store.revoke_api_key(id_or_name, Utc::now()).await?;
    if revoked > 0 {
        let event = AuditEvent::audit("apikey.revoke")
            .target("api_key", id_or_name)
            .detail(format!("{revoked} key(s)"));
        store.audit(by.stamp(event)).await;
    }
    Ok(revoked)
}
