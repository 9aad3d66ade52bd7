//! Who changed an account, as the audit trail names them: by internal ids, never by Telegram id
//! or name.

use uuid::Uuid;

use crate::store::AuditEvent;

#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// An admin of the HTTP API.
    ApiAdmin { id: Uuid, name: &'a str },
    /// A bot admin who confirmed the command with their TOTP code; their own account's id, when
    /// they have one (an id in `HERALD_ADMIN_IDS` may never have started the bot).
    BotAdmin { user_id: Option<Uuid> },
    /// The user, on their own account (`/delete`).
    User(Uuid),
    /// An operator at the command line (`herald admin promote`).
    Operator,
    /// A payment, by the provider's charge id.
    Payment { charge_id: &'a str },
}

impl Actor<'_> {
    /// The audit action for `operation` (`tier.grant`, `erase`, …) done by this actor, e.g.
    /// `admin.user.tier.grant`, `user.erase`, `payment.user.tier.grant`.
    pub(super) fn action(&self, operation: &str) -> String {
        let scope = match self {
            Self::ApiAdmin { .. } | Self::BotAdmin { .. } | Self::Operator => "admin.user",
            Self::User(_) => "user",
            Self::Payment { .. } => "payment.user",
        };
        format!("{scope}.{operation}")
    }

    /// An audit event of `operation` on `user_id`, by this actor.
    pub(super) fn event(&self, operation: &str, user_id: Uuid) -> AuditEvent {
        let event = AuditEvent::audit(&self.action(operation));
        let event = match *self {
            Self::ApiAdmin { id, name } => event.by_admin(id, name),
            Self::User(id) => event.by_user(id),
            Self::BotAdmin { user_id } => AuditEvent {
                actor_kind: "bot_admin",
                actor_id: user_id.map(|id| id.to_string()),
                ..event
            },
            Self::Operator => AuditEvent {
                actor_kind: "operator",
                ..event
            },
            Self::Payment { charge_id } => AuditEvent {
                actor_kind: "payment",
                actor_id: Some(charge_id.to_owned()),
                ..event
            },
        };
        event.target("user", user_id.to_string())
    }
}
