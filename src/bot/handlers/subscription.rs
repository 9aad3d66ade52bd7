//! `/subscribe` and `/unsubscribe`: idempotent, with a clear answer either way.

use chrono::Utc;

use super::onboarding::send_disclaimer;
use crate::bot::{BotContext, BotError};
use crate::domain::i18n::{Lang, t};
use crate::store::{AuditEvent, User};

/// Audit trail of a subscription change made by the user.
fn subscription_event(user: &User, subscribed: bool) -> AuditEvent {
    let action = if subscribed {
        "user.subscribe"
    } else {
        "user.unsubscribe"
    };
    AuditEvent::audit(action).by_user(user.id).change(
        serde_json::json!({ "subscribed": !subscribed }),
        serde_json::json!({ "subscribed": subscribed }),
    )
}

pub async fn subscribe(ctx: &BotContext, user: &User, chat_id: i64) -> Result<(), BotError> {
    let lang = ctx.store.preferences(user.id).await?.language;
    let changed = ctx.store.set_subscribed(user.id, true, Utc::now()).await?;
    if changed {
        ctx.store.audit(subscription_event(user, true)).await;
    }
    if user.disclaimer_accepted_at.is_none() {
        // The wish is recorded; signals start once the disclaimer is accepted.
        ctx.replies
            .send(chat_id, t(lang, "disclaimer-required"), None)
            .await?;
        return send_disclaimer(ctx, chat_id, lang).await;
    }
    let key = if changed {
        "subscribe-done"
    } else {
        "subscribe-already"
    };
    ctx.replies
        .send(chat_id, t(lang, key), None)
        .await
        .map(drop)
}

pub async fn unsubscribe(
    ctx: &BotContext,
    user: &User,
    chat_id: i64,
    lang: Lang,
) -> Result<(), BotError> {
    let changed = ctx.store.set_subscribed(user.id, false, Utc::now()).await?;
    if changed {
        ctx.store.audit(subscription_event(user, false)).await;
    }
    let key = if changed {
        "unsubscribe-done"
    } else {
        "unsubscribe-already"
    };
    ctx.replies
        .send(chat_id, t(lang, key), None)
        .await
        .map(drop)
}
