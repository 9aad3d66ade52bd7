//! `/filter`: show, reset or change preferences in one line, with the grammar of
//! `domain::filter` (shared with the admin API). A refused command changes nothing and the reply
//! points at the offending token.

use chrono::Utc;

use super::info::effective_rule;
use super::{Caller, escape, send};
use crate::bot::{BotContext, BotError};
use crate::domain::filter::{FilterCommand, describe_error, describe_filters, parse_filter};
use crate::domain::i18n::{Arg, t, t_args};
use crate::domain::preferences::{Delivery, Preferences};
use crate::domain::signal::SignalKind;
use crate::store::Account;

pub async fn run(
    ctx: &BotContext,
    caller: &Caller<'_>,
    account: &Account,
    args: &str,
) -> Result<(), BotError> {
    let (user, prefs) = (&account.user, &account.prefs);
    let command = match parse_filter(args) {
        Ok(command) => command,
        Err(err) => {
            let reply = format!(
                "⚠️ {}\n\n{}",
                escape(&describe_error(&err, caller.lang)),
                t(caller.lang, "filter-error-help")
            );
            return send(ctx, caller.chat_id, reply).await;
        }
    };
    let (next, key) = match command {
        FilterCommand::Show => {
            return send(
                ctx,
                caller.chat_id,
                escape(&describe_filters(prefs, caller.lang)),
            )
            .await;
        }
        // The language is a choice about the conversation, not a filter: reset keeps it.
        FilterCommand::Reset => (
            Preferences {
                language: prefs.language,
                ..Preferences::default()
            },
            "filter-reset-done",
        ),
        FilterCommand::Set(changes) => (changes.apply(prefs), "filter-updated"),
    };
    if next != *prefs {
        ctx.store
            .save_preferences(user.id, &next, Utc::now())
            .await?;
    }
    let lang = next.language;
    let mut reply = format!(
        "✅ {}\n\n{}",
        t(lang, key),
        escape(&describe_filters(&next, lang))
    );
    // Types the plan does not include are kept as chosen but said plainly not to arrive.
    let rule = effective_rule(ctx, &account.subscription);
    let locked: Vec<&str> = SignalKind::ALL
        .into_iter()
        .filter(|kind| next.signal_types.get(*kind) != Delivery::Off && !rule.allows(*kind))
        .map(SignalKind::as_str)
        .collect();
    if !locked.is_empty() {
        reply.push_str("\n\n");
        reply.push_str(&t_args(
            lang,
            "filter-tier-excludes",
            [("types", Arg::from(locked.join(", ")))],
        ));
    }
    send(ctx, caller.chat_id, reply).await
}
