//! `/signals` and `/status`: read-only views, limited by the user's tier.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use teloxide_core::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use super::{Caller, escape, send};
use crate::bot::{BotContext, BotError};
use crate::domain::filter::describe_filters;
use crate::domain::i18n::{Arg, Lang, t, t_args};
use crate::domain::preferences::Tier;
use crate::domain::render::render_signal_list;
use crate::domain::signal::Signal;
use crate::domain::tier::TierRule;
use crate::store::{Account, SignalListQuery, Subscription};

/// Telegram's limit on a message's text.
const MAX_TEXT_CHARS: usize = 4096;

/// The tier whose rules apply now: an expired premium subscription counts as free.
pub fn effective_tier(subscription: &Subscription, now: DateTime<Utc>) -> Tier {
    match (subscription.tier, subscription.expires_at) {
        (Tier::Premium, Some(expires)) if expires <= now => Tier::Free,
        (tier, _) => tier,
    }
}

pub fn effective_rule(ctx: &BotContext, subscription: &Subscription) -> TierRule {
    let tier = effective_tier(subscription, Utc::now());
    ctx.settings.tiers.rule(tier).clone()
}

/// `/signals [count]`: the count is a whole number from 1; above the tier's limit it is lowered
/// to the limit, and the reply says so.
pub fn parse_count(args: &str) -> Result<Option<u32>, ()> {
    let args = args.trim();
    if args.is_empty() {
        return Ok(None);
    }
    if !args.bytes().all(|b| b.is_ascii_digit()) {
        return Err(());
    }
    // Very long digit strings are simply "a lot", clamped below.
    let count = args.parse::<u32>().unwrap_or(u32::MAX);
    if count == 0 { Err(()) } else { Ok(Some(count)) }
}

pub async fn signals(
    ctx: &BotContext,
    caller: &Caller<'_>,
    account: &Account,
    args: &str,
) -> Result<(), BotError> {
    let rule = effective_rule(ctx, &account.subscription);
    let Ok(requested) = parse_count(args) else {
        let reply = t_args(
            caller.lang,
            "signals-bad-count",
            [
                (
                    "input",
                    Arg::from(escape(&super::onboarding::clip(args, 20))),
                ),
                ("max", Arg::from(rule.signals_history)),
            ],
        );
        return send(ctx, caller.chat_id, reply).await;
    };
    let count = rule.signals_count(requested) as usize;
    let prefs = &account.prefs;
    let now = Utc::now();
    // Types outside the tier are filtered out, so fetch a margin beyond the count.
    let stored = ctx
        .store
        .list_signals(&SignalListQuery {
            since: Some(now - chrono::Duration::days(i64::from(rule.history_days))),
            limit: (count as i64) * 4 + 20,
            ..SignalListQuery::default()
        })
        .await?;
    let shown: Vec<Signal> = stored
        .into_iter()
        .map(|s| s.signal)
        .filter(|signal| rule.allows(signal.kind))
        .take(count)
        .collect();
    let mut text = render_signal_list(&shown, caller.lang, prefs.timezone);
    if requested.is_some_and(|r| r as usize > count) {
        let note = t_args(
            caller.lang,
            "signals-tier-limited",
            [("max", Arg::from(rule.signals_history))],
        );
        // The list already fills what fits; the note is only added when it fits too.
        if text.chars().count() + note.chars().count() + 2 <= MAX_TEXT_CHARS {
            text.push_str("\n\n");
            text.push_str(&note);
        }
    }
    send(ctx, caller.chat_id, text).await
}

pub(super) fn local_time(time: DateTime<Utc>, tz: Tz) -> String {
    time.with_timezone(&tz)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

fn ok_mark(ok: bool) -> &'static str {
    if ok { "✅" } else { "⚠️" }
}

pub async fn status(
    ctx: &BotContext,
    caller: &Caller<'_>,
    account: &Account,
) -> Result<(), BotError> {
    let lang = caller.lang;
    let now = Utc::now();
    // Reading the caller's account just succeeded: the database answers.
    let database = true;
    // Independent questions, side by side: when the probe is due, its round trip to Telegram
    // overlaps the database's.
    let (telegram, flow) = tokio::join!(ctx.telegram.reachable(), ctx.store.signal_flow());
    let flow = flow?;
    let (prefs, subscription) = (&account.prefs, &account.subscription);
    let mut lines = vec![
        format!("📊 <b>{}</b>", t(lang, "status-title")),
        t_args(
            lang,
            "status-health",
            [
                ("database", Arg::from(ok_mark(database))),
                ("telegram", Arg::from(ok_mark(telegram))),
            ],
        ),
        match flow.last_signal_at {
            Some(at) => t_args(
                lang,
                "status-last-signal",
                [("time", Arg::from(local_time(at, prefs.timezone)))],
            ),
            None => t(lang, "status-no-signals"),
        },
        t_args(
            lang,
            "status-queue",
            [("count", Arg::from(flow.queue_depth))],
        ),
        String::new(),
        t(
            lang,
            if subscription.subscribed {
                "status-subscribed"
            } else {
                "status-not-subscribed"
            },
        ),
        plan_line(lang, subscription, now, prefs.timezone),
        String::new(),
        escape(&describe_filters(prefs, lang)),
    ];
    if account.user.disclaimer_accepted_at.is_none() {
        lines.insert(5, t(lang, "status-disclaimer-pending"));
    }
    if ctx.billing.plans().is_empty() {
        return send(ctx, caller.chat_id, lines.join("\n")).await;
    }
    // Where the plan is shown, the way to change it is one tap away.
    let premium = InlineKeyboardButton::callback(
        t(lang, "premium-button"),
        crate::bot::callbacks::Callback::Premium.encode(),
    );
    super::send_with(
        ctx,
        caller.chat_id,
        lines.join("\n"),
        InlineKeyboardMarkup::new([[premium]]),
    )
    .await
}

pub(super) fn plan_line(
    lang: Lang,
    subscription: &Subscription,
    now: DateTime<Utc>,
    tz: Tz,
) -> String {
    match (subscription.tier, subscription.expires_at) {
        (Tier::Free, _) => t(lang, "status-plan-free"),
        (Tier::Premium, None) => t(lang, "status-plan-premium"),
        (Tier::Premium, Some(until)) if until > now => t_args(
            lang,
            "status-plan-premium-until",
            [("date", Arg::from(local_time(until, tz)))],
        ),
        (Tier::Premium, Some(until)) => t_args(
            lang,
            "status-plan-premium-expired",
            [("date", Arg::from(local_time(until, tz)))],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(parse_count(""), Ok(None));
        assert_eq!(parse_count(" 7 "), Ok(Some(7)));
        assert_eq!(parse_count("99999999999999999999"), Ok(Some(u32::MAX)));
        assert_eq!(parse_count("0"), Err(()));
        assert_eq!(parse_count("-3"), Err(()));
        assert_eq!(parse_count("five"), Err(()));
        assert_eq!(parse_count("5 6"), Err(()));
    }
}
