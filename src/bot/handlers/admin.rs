//! Admin commands (`/broadcast`, `/users`, `/stats`, `/grant`), each confirmed with a TOTP code
//! from the admin's authenticator (set up with `herald admin totp <telegram-id>`). The action
//! waits in `bot_chat_state` until a code arrives; a code works once (its step must be later than
//! the last accepted one); five wrong codes lock admin actions for 15 minutes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Caller, escape, send};
use crate::accounts::{self, AccountError, Actor, Grant, TierError};
use crate::auth::totp::{self, TotpError};
use crate::bot::commands::Command;
use crate::bot::{BotContext, BotError};
use crate::broadcasts::{self, BroadcastError, MAX_BROADCAST_CHARS};
use crate::domain::i18n::{Arg, Lang, t, t_args};
use crate::domain::preferences::Tier;

pub const AWAITING_CODE: &str = "totp";
const MAX_FAILURES: i32 = 5;
const LOCK_MINUTES: i64 = 15;
const MAX_GRANT_DAYS: u32 = 3650;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AdminAction {
    Broadcast { text: String },
    Users,
    Stats,
    Grant { telegram_id: i64, days: u32 },
}

/// Why a `/grant` was refused: the catalog key of the reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantError {
    Usage,
    BadTier,
    BadDays,
}

/// `/grant <telegram id | @username> premium <days>`; the target is resolved later.
pub fn parse_grant(args: &str) -> Result<(String, u32), GrantError> {
    let parts: Vec<&str> = args.split_whitespace().collect();
    let [target, tier, days] = parts.as_slice() else {
        return Err(GrantError::Usage);
    };
    let valid_target = match target.strip_prefix('@') {
        Some(name) => !name.is_empty() && name.len() <= 32,
        None => target.bytes().all(|b| b.is_ascii_digit()) && target.len() <= 18,
    };
    if !valid_target {
        return Err(GrantError::Usage);
    }
    if Tier::parse(tier) != Some(Tier::Premium) {
        return Err(GrantError::BadTier);
    }
    let days = days
        .parse::<u32>()
        .ok()
        .filter(|d| (1..=MAX_GRANT_DAYS).contains(d))
        .ok_or(GrantError::BadDays)?;
    Ok(((*target).to_owned(), days))
}

pub fn is_admin(ctx: &BotContext, caller: &Caller<'_>) -> bool {
    ctx.settings.admin_ids.contains(&caller.telegram_id())
        || caller.user().is_some_and(|user| user.is_admin)
}

pub async fn begin(
    ctx: &BotContext,
    caller: &Caller<'_>,
    command: Command,
) -> Result<(), BotError> {
    let lang = caller.lang;
    let action = match command {
        Command::Broadcast { text } => match broadcasts::check(&text) {
            Ok(()) => AdminAction::Broadcast { text },
            Err(err) => return refuse_broadcast(ctx, caller, err).await,
        },
        Command::Users => AdminAction::Users,
        Command::Stats => AdminAction::Stats,
        Command::Grant { args } => match parse_grant(&args) {
            Err(err) => {
                let key = match err {
                    GrantError::Usage => "grant-usage",
                    GrantError::BadTier => "grant-bad-tier",
                    GrantError::BadDays => "grant-bad-days",
                };
                let reply = t_args(lang, key, [("max", Arg::from(MAX_GRANT_DAYS))]);
                return send(ctx, caller.chat_id, reply).await;
            }
            Ok((target, days)) => {
                let telegram_id = match target.strip_prefix('@') {
                    Some(name) => ctx.store.user_id_by_username(name).await?,
                    None => match target.parse::<i64>() {
                        Ok(id) => ctx
                            .store
                            .user_by_telegram_id(id)
                            .await?
                            .map(|u| u.telegram_id),
                        Err(_) => None,
                    },
                };
                let Some(telegram_id) = telegram_id else {
                    let reply = t_args(
                        lang,
                        "grant-unknown-user",
                        [("user", Arg::from(escape(&target)))],
                    );
                    return send(ctx, caller.chat_id, reply).await;
                };
                AdminAction::Grant { telegram_id, days }
            }
        },
        _ => return Ok(()),
    };
    let Some(record) = ctx.store.admin_totp(caller.telegram_id()).await? else {
        let reply = t_args(
            lang,
            "admin-totp-missing",
            [("id", Arg::from(caller.telegram_id()))],
        );
        return send(ctx, caller.chat_id, reply).await;
    };
    if let Some(until) = record.locked_until.filter(|until| *until > Utc::now()) {
        return send(ctx, caller.chat_id, locked_text(lang, until)).await;
    }
    let payload = serde_json::to_string(&action)
        .map_err(|err| BotError::Store(crate::store::StoreError::Corrupt(err.to_string())))?;
    ctx.store
        .set_chat_state(caller.telegram_id(), AWAITING_CODE, &payload, Utc::now())
        .await?;
    let reply = t_args(
        lang,
        "admin-code-prompt",
        [("action", Arg::from(describe(&action, lang)))],
    );
    send(ctx, caller.chat_id, reply).await
}

fn describe(action: &AdminAction, lang: Lang) -> String {
    match action {
        AdminAction::Broadcast { .. } => t(lang, "cmd-broadcast"),
        AdminAction::Users => t(lang, "cmd-users"),
        AdminAction::Stats => t(lang, "cmd-stats"),
        AdminAction::Grant { telegram_id, days } => t_args(
            lang,
            "admin-action-grant",
            [("id", Arg::from(*telegram_id)), ("days", Arg::from(*days))],
        ),
    }
}

fn locked_text(lang: Lang, until: DateTime<Utc>) -> String {
    let minutes = ((until - Utc::now()).num_seconds() + 59) / 60;
    t_args(
        lang,
        "admin-locked",
        [("minutes", Arg::from(minutes.max(1)))],
    )
}

/// A message while a code is awaited.
pub async fn code(
    ctx: &BotContext,
    caller: &Caller<'_>,
    payload: &str,
    text: &str,
) -> Result<(), BotError> {
    let lang = caller.lang;
    let id = caller.telegram_id();
    let action: Option<AdminAction> = serde_json::from_str(payload).ok();
    let (Some(action), true) = (action, is_admin(ctx, caller)) else {
        ctx.store.clear_chat_state(id).await?;
        return send(ctx, caller.chat_id, t(lang, "plain-text-hint")).await;
    };
    let Some(record) = ctx.store.admin_totp(id).await? else {
        ctx.store.clear_chat_state(id).await?;
        let reply = t_args(lang, "admin-totp-missing", [("id", Arg::from(id))]);
        return send(ctx, caller.chat_id, reply).await;
    };
    let now = Utc::now();
    if let Some(until) = record.locked_until.filter(|until| *until > now) {
        ctx.store.clear_chat_state(id).await?;
        return send(ctx, caller.chat_id, locked_text(lang, until)).await;
    }
    let Ok(secret) = ctx.store.cipher().open(&record.sealed_secret) else {
        tracing::error!("an admin's TOTP secret cannot be opened with the configured key");
        ctx.store.clear_chat_state(id).await?;
        return send(ctx, caller.chat_id, t(lang, "admin-totp-unavailable")).await;
    };
    let unix = u64::try_from(now.timestamp()).unwrap_or_default();
    let verified = match totp::verify(&secret, text, unix, record.last_step) {
        // The conditional update makes the step single-use even against a concurrent check.
        Ok(step) if ctx.store.accept_totp_step(id, step).await? => Ok(()),
        Ok(_) => Err(TotpError::Replayed),
        Err(err) => Err(err),
    };
    match verified {
        Ok(()) => {
            ctx.store.clear_chat_state(id).await?;
            tracing::info!(action = ?std::mem::discriminant(&action), "admin action confirmed with TOTP");
            perform(ctx, caller, action).await
        }
        Err(TotpError::BadSecret) => {
            ctx.store.clear_chat_state(id).await?;
            send(ctx, caller.chat_id, t(lang, "admin-totp-unavailable")).await
        }
        Err(err) => {
            let lock_until = now + chrono::Duration::minutes(LOCK_MINUTES);
            let (failures, locked) = ctx
                .store
                .record_totp_failure(id, MAX_FAILURES, lock_until)
                .await?;
            tracing::warn!(
                replayed = err == TotpError::Replayed,
                "wrong admin TOTP code"
            );
            if let Some(until) = locked {
                ctx.store.clear_chat_state(id).await?;
                return send(ctx, caller.chat_id, locked_text(lang, until)).await;
            }
            let key = if err == TotpError::Replayed {
                "admin-code-used"
            } else {
                "admin-code-wrong"
            };
            let left = i64::from(MAX_FAILURES - failures).max(1);
            send(
                ctx,
                caller.chat_id,
                t_args(lang, key, [("left", Arg::from(left))]),
            )
            .await
        }
    }
}

async fn perform(
    ctx: &BotContext,
    caller: &Caller<'_>,
    action: AdminAction,
) -> Result<(), BotError> {
    let lang = caller.lang;
    let now = Utc::now();
    let reply = match action {
        AdminAction::Broadcast { text } => {
            match broadcasts::queue(&ctx.store, &text, caller.telegram_id(), now).await {
                Ok(queued) => t_args(
                    lang,
                    "broadcast-queued",
                    [("count", Arg::from(queued.recipients))],
                ),
                Err(err) => return refuse_broadcast(ctx, caller, err).await,
            }
        }
        AdminAction::Users => users_text(ctx, lang, now).await?,
        AdminAction::Stats => stats_text(ctx, lang, now).await?,
        AdminAction::Grant { telegram_id, days } => {
            return grant(ctx, caller, telegram_id, days).await;
        }
    };
    send(ctx, caller.chat_id, reply).await
}

/// The reply to a broadcast text that cannot be sent.
async fn refuse_broadcast(
    ctx: &BotContext,
    caller: &Caller<'_>,
    err: BroadcastError,
) -> Result<(), BotError> {
    let reply = match err {
        BroadcastError::Empty => t(caller.lang, "broadcast-usage"),
        BroadcastError::TooLong => t_args(
            caller.lang,
            "broadcast-too-long",
            [("max", Arg::from(MAX_BROADCAST_CHARS))],
        ),
        BroadcastError::Store(err) => return Err(err.into()),
    };
    send(ctx, caller.chat_id, reply).await
}

async fn users_text(ctx: &BotContext, lang: Lang, now: DateTime<Utc>) -> Result<String, BotError> {
    let counts = ctx.store.user_counts(now).await?;
    let mut lines = vec![t_args(
        lang,
        "users-summary",
        [
            ("total", Arg::from(counts.total)),
            ("active", Arg::from(counts.active)),
            ("subscribed", Arg::from(counts.subscribed)),
            ("premium", Arg::from(counts.premium)),
            ("day", Arg::from(counts.new_day)),
            ("week", Arg::from(counts.new_week)),
        ],
    )];
    let recent = ctx.store.recent_signups(5).await?;
    if !recent.is_empty() {
        lines.push(String::new());
        lines.push(t(lang, "users-recent"));
    }
    for signup in recent {
        let name = signup
            .username
            .map(|u| format!("@{u}"))
            .or(signup.first_name)
            .unwrap_or_default();
        lines.push(format!(
            "• {} (<code>{}</code>) — {}",
            escape(&name),
            signup.telegram_id,
            signup.created_at.format("%Y-%m-%d %H:%M UTC")
        ));
    }
    Ok(lines.join("\n"))
}

async fn stats_text(ctx: &BotContext, lang: Lang, now: DateTime<Utc>) -> Result<String, BotError> {
    let stats = ctx.store.activity_stats(now).await?;
    let queue = ctx.store.queue_depth().await?;
    let latency = stats
        .avg_latency_ms
        .map_or("–".to_owned(), |ms| ms.to_string());
    Ok(t_args(
        lang,
        "stats-summary",
        [
            ("signals", Arg::from(stats.signals_total)),
            ("signals_day", Arg::from(stats.signals_day)),
            ("sent", Arg::from(stats.sent_day)),
            ("failed", Arg::from(stats.failed_day)),
            ("blocked", Arg::from(stats.blocked_day)),
            ("skipped", Arg::from(stats.skipped_day)),
            ("latency", Arg::from(latency)),
            ("queue", Arg::from(queue)),
        ],
    ))
}

/// Premium for `days` more days, through the one grant path (audited, reminders start over);
/// the user is told, and the reminder loop woken in case the new end is near.
async fn grant(
    ctx: &BotContext,
    caller: &Caller<'_>,
    telegram_id: i64,
    days: u32,
) -> Result<(), BotError> {
    let lang = caller.lang;
    let unknown = || {
        t_args(
            lang,
            "grant-unknown-user",
            [("user", Arg::from(telegram_id))],
        )
    };
    let Some(user) = ctx.store.user_by_telegram_id(telegram_id).await? else {
        return send(ctx, caller.chat_id, unknown()).await;
    };
    let actor = Actor::BotAdmin {
        user_id: caller.user().map(|admin| admin.id),
    };
    let granted = accounts::grant(
        &ctx.store,
        user.id,
        Grant::PremiumDays(days),
        actor,
        Utc::now(),
    );
    let until = match granted.await {
        Ok(change) => change.after.expires_at.unwrap_or_else(Utc::now),
        Err(TierError::Account(AccountError::UnknownUser)) => {
            return send(ctx, caller.chat_id, unknown()).await;
        }
        Err(TierError::EndsInPast) => {
            let reply = t_args(lang, "grant-bad-days", [("max", Arg::from(MAX_GRANT_DAYS))]);
            return send(ctx, caller.chat_id, reply).await;
        }
        Err(TierError::Account(AccountError::Store(err))) => return Err(err.into()),
    };
    ctx.reminders_wake.notify_one();
    let their_lang = ctx.store.preferences(user.id).await?.language;
    let date = Arg::from(until.format("%Y-%m-%d").to_string());
    let notice = t_args(their_lang, "premium-granted", [("date", date)]);
    if let Err(err) = ctx.replies.send(user.telegram_id, notice, None).await {
        tracing::warn!(error = %err, "cannot tell a user about their premium grant");
    }
    let reply = t_args(
        lang,
        "grant-done",
        [
            ("id", Arg::from(telegram_id)),
            (
                "date",
                Arg::from(until.format("%Y-%m-%d %H:%M UTC").to_string()),
            ),
        ],
    );
    send(ctx, caller.chat_id, reply).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grant_arguments() {
        assert_eq!(parse_grant("123 premium 30"), Ok(("123".into(), 30)));
        assert_eq!(parse_grant("@ana PREMIUM 1"), Ok(("@ana".into(), 1)));
        assert_eq!(parse_grant(""), Err(GrantError::Usage));
        assert_eq!(parse_grant("123 premium"), Err(GrantError::Usage));
        assert_eq!(parse_grant("abc premium 3"), Err(GrantError::Usage));
        assert_eq!(parse_grant("123 gold 3"), Err(GrantError::BadTier));
        assert_eq!(parse_grant("123 free 3"), Err(GrantError::BadTier));
        assert_eq!(parse_grant("123 premium 0"), Err(GrantError::BadDays));
        assert_eq!(parse_grant("123 premium 3651"), Err(GrantError::BadDays));
        assert_eq!(parse_grant("123 premium x"), Err(GrantError::BadDays));
    }

    #[test]
    fn actions_round_trip_through_the_pending_state() {
        for action in [
            AdminAction::Broadcast {
                text: "hi <b>".into(),
            },
            AdminAction::Users,
            AdminAction::Stats,
            AdminAction::Grant {
                telegram_id: 42,
                days: 7,
            },
        ] {
            let json = serde_json::to_string(&action).unwrap_or_default();
            assert_eq!(
                serde_json::from_str::<AdminAction>(&json).ok(),
                Some(action)
            );
        }
    }
}
