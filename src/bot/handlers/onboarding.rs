//! `/start` and onboarding: register, greet, the risk disclaimer (accepted with a button before
//! any signal flows), then language and time zone. After acceptance every step edits the
//! disclaimer message in place, so onboarding adds no messages and every question can be skipped:
//! `/subscribe` works at any point after acceptance.

use chrono::Utc;
use chrono_tz::Tz;
use teloxide_core::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use super::{Caller, Press, display_name, escape, help_text, send, send_with};
use crate::bot::callbacks::{Callback, TzChoice};
use crate::bot::{BotContext, BotError};
use crate::domain::filter::parse_timezone;
use crate::domain::i18n::{Arg, Lang, t, t_args};
use crate::domain::sharing::Arrival;
use crate::store::{NewUser, User};

pub const AWAITING_TIMEZONE: &str = "timezone";

/// Zones offered as buttons; anything else is typed.
pub const COMMON_ZONES: [Tz; 12] = [
    Tz::UTC,
    Tz::Europe__London,
    Tz::Europe__Berlin,
    Tz::Europe__Madrid,
    Tz::America__New_York,
    Tz::America__Chicago,
    Tz::America__Los_Angeles,
    Tz::America__Mexico_City,
    Tz::America__Sao_Paulo,
    Tz::Asia__Dubai,
    Tz::Asia__Singapore,
    Tz::Asia__Tokyo,
];

/// Telegram's rule for deep-link payloads: up to 64 of A-Z a-z 0-9 _ -.
fn valid_payload(payload: &str) -> bool {
    (1..=64).contains(&payload.len())
        && payload
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Registers a Telegram user (id, username and names — nothing else) or refreshes their names.
pub async fn register(ctx: &BotContext, caller: &Caller<'_>) -> Result<User, BotError> {
    Ok(register_new(ctx, caller).await?.0)
}

/// As `register`, and whether this call created the user.
async fn register_new(ctx: &BotContext, caller: &Caller<'_>) -> Result<(User, bool), BotError> {
    let from = caller.from;
    let new = NewUser {
        telegram_id: from.id.0 as i64,
        username: from.username.clone(),
        first_name: Some(from.first_name.clone()),
        last_name: from.last_name.clone(),
        language_code: from.language_code.clone(),
    };
    let (user, created) = ctx
        .store
        .upsert_user(&new, caller.telegram_lang, Utc::now())
        .await?;
    if created {
        tracing::info!("new user registered");
    }
    if !user.is_active {
        ctx.store.reactivate_chat(user.telegram_id).await?;
    }
    Ok((user, created))
}

pub async fn start(
    ctx: &BotContext,
    caller: &Caller<'_>,
    payload: Option<&str>,
) -> Result<(), BotError> {
    let (user, created) = register_new(ctx, caller).await?;
    // A deep link is recorded once; a malformed one is ignored, never fatal. A referral link
    // counts only for a new user, so nobody is attributed to a link after the fact.
    match payload {
        Some(payload) if valid_payload(payload) => match Arrival::of(payload) {
            Arrival::Campaign(campaign) => {
                ctx.store.set_referral_if_absent(user.id, campaign).await?;
            }
            Arrival::Referral(code) if created => {
                super::sharing::referred(ctx, &user, code).await?
            }
            Arrival::Referral(_) | Arrival::BadReferral => {}
        },
        Some(_) => tracing::debug!("ignored a malformed /start payload"),
        None => {}
    }
    let lang = ctx.store.preferences(user.id).await?.language;
    let name = Arg::from(escape(&display_name(&user)));
    if user.disclaimer_accepted_at.is_none() {
        let welcome = t_args(lang, "start-welcome", [("name", name)]);
        send(ctx, caller.chat_id, welcome).await?;
        return send_disclaimer(ctx, caller.chat_id, lang).await;
    }
    let subscribed = ctx.store.subscription(user.id).await?.subscribed;
    let key = if subscribed {
        "start-welcome-back-subscribed"
    } else {
        "start-welcome-back"
    };
    send(ctx, caller.chat_id, t_args(lang, key, [("name", name)])).await
}

pub async fn send_disclaimer(ctx: &BotContext, chat_id: i64, lang: Lang) -> Result<(), BotError> {
    let keyboard = InlineKeyboardMarkup::new([[InlineKeyboardButton::callback(
        t(lang, "disclaimer-accept-button"),
        Callback::AcceptDisclaimer.encode(),
    )]]);
    send_with(ctx, chat_id, t(lang, "disclaimer-text"), keyboard).await
}

/// The accepted disclaimer stays at the top of the onboarding message as the record of it.
async fn accepted_header(ctx: &BotContext, user: &User, lang: Lang) -> Result<String, BotError> {
    let subscribed = ctx.store.subscription(user.id).await?.subscribed;
    let key = if subscribed {
        "disclaimer-accepted-subscribed"
    } else {
        "disclaimer-accepted"
    };
    Ok(format!(
        "{}\n\n{}",
        t(lang, "disclaimer-text"),
        t(lang, key)
    ))
}

fn button(text: String, callback: Callback) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(text, callback.encode())
}

pub async fn accept_disclaimer(
    ctx: &BotContext,
    caller: &Caller<'_>,
    press: &Press<'_>,
) -> Result<(), BotError> {
    ctx.store
        .accept_disclaimer(press.user.id, Utc::now())
        .await?;
    ctx.store
        .set_onboarding_step(press.user.id, "language")
        .await?;
    ctx.replies.answer(&press.query.id, None).await?;
    let lang = caller.lang;
    let text = format!(
        "{}\n\n{}",
        accepted_header(ctx, press.user, lang).await?,
        t(lang, "onboarding-language-question")
    );
    let keyboard = InlineKeyboardMarkup::new([
        Lang::ALL
            .into_iter()
            .map(|l| button(t(l, "language-name"), Callback::OnboardLanguage(Some(l))))
            .collect::<Vec<_>>(),
        vec![button(
            t(lang, "onboarding-skip"),
            Callback::OnboardLanguage(None),
        )],
    ]);
    ctx.replies
        .edit(caller.chat_id, press.message_id, text, Some(keyboard))
        .await
}

pub async fn chose_language(
    ctx: &BotContext,
    caller: &Caller<'_>,
    press: &Press<'_>,
    choice: Option<Lang>,
) -> Result<(), BotError> {
    let mut prefs = ctx.store.preferences(press.user.id).await?;
    if let Some(lang) = choice {
        prefs.language = lang;
        ctx.store
            .save_preferences(press.user.id, &prefs, Utc::now())
            .await?;
    }
    ctx.store
        .set_onboarding_step(press.user.id, "timezone")
        .await?;
    ctx.replies.answer(&press.query.id, None).await?;
    let lang = prefs.language;
    let text = format!(
        "{}\n\n{}",
        accepted_header(ctx, press.user, lang).await?,
        t_args(
            lang,
            "onboarding-timezone-question",
            [("tz", Arg::from(prefs.timezone.name()))]
        )
    );
    let mut rows: Vec<Vec<InlineKeyboardButton>> = COMMON_ZONES
        .chunks(3)
        .map(|zones| {
            zones
                .iter()
                .map(|tz| {
                    button(
                        tz.name().to_owned(),
                        Callback::OnboardTimezone(TzChoice::Zone(*tz)),
                    )
                })
                .collect()
        })
        .collect();
    rows.push(vec![
        button(
            t(lang, "timezone-type-button"),
            Callback::OnboardTimezone(TzChoice::Type),
        ),
        button(
            t(lang, "onboarding-skip"),
            Callback::OnboardTimezone(TzChoice::Skip),
        ),
    ]);
    ctx.replies
        .edit(
            caller.chat_id,
            press.message_id,
            text,
            Some(InlineKeyboardMarkup::new(rows)),
        )
        .await
}

pub async fn chose_timezone(
    ctx: &BotContext,
    caller: &Caller<'_>,
    press: &Press<'_>,
    choice: TzChoice,
) -> Result<(), BotError> {
    ctx.replies.answer(&press.query.id, None).await?;
    let mut prefs = ctx.store.preferences(press.user.id).await?;
    let lang = prefs.language;
    match choice {
        TzChoice::Type => {
            ctx.store
                .set_chat_state(
                    caller.telegram_id(),
                    AWAITING_TIMEZONE,
                    "onboarding",
                    Utc::now(),
                )
                .await?;
            let text = format!(
                "{}\n\n{}",
                accepted_header(ctx, press.user, lang).await?,
                t(lang, "timezone-type-prompt")
            );
            return ctx
                .replies
                .edit(caller.chat_id, press.message_id, text, None)
                .await;
        }
        TzChoice::Zone(tz) => {
            prefs.timezone = tz;
            ctx.store
                .save_preferences(press.user.id, &prefs, Utc::now())
                .await?;
        }
        TzChoice::Skip => {}
    }
    ctx.store.set_onboarding_step(press.user.id, "done").await?;
    let text = format!(
        "{}\n\n{}",
        accepted_header(ctx, press.user, lang).await?,
        done_text(lang, prefs.timezone)
    );
    ctx.replies
        .edit(caller.chat_id, press.message_id, text, None)
        .await
}

/// The end of onboarding: the settings chosen, then what the bot can do.
fn done_text(lang: Lang, tz: Tz) -> String {
    format!(
        "{}\n\n{}",
        t_args(
            lang,
            "onboarding-done",
            [
                ("language", Arg::from(t(lang, "language-name"))),
                ("tz", Arg::from(tz.name())),
            ],
        ),
        help_text(lang, false)
    )
}

/// A time zone typed after "Type it" (in onboarding or `/settings`). A name that is not in the
/// IANA database is explained and the question stays open; nothing changes.
pub async fn typed_timezone(
    ctx: &BotContext,
    caller: &Caller<'_>,
    origin: &str,
    text: &str,
) -> Result<(), BotError> {
    let Some(user) = caller.user() else {
        ctx.store.clear_chat_state(caller.telegram_id()).await?;
        return send(ctx, caller.chat_id, t(caller.lang, "need-start")).await;
    };
    let tz = match parse_timezone(text.trim()) {
        Ok(tz) => tz,
        Err(_) => {
            let reply = t_args(
                caller.lang,
                "timezone-unknown",
                [("input", Arg::from(escape(&clip(text.trim(), 40))))],
            );
            return send(ctx, caller.chat_id, reply).await;
        }
    };
    let mut prefs = ctx.store.preferences(user.id).await?;
    prefs.timezone = tz;
    ctx.store
        .save_preferences(user.id, &prefs, Utc::now())
        .await?;
    ctx.store.clear_chat_state(caller.telegram_id()).await?;
    let onboarding = origin == "onboarding";
    let reply = if onboarding {
        ctx.store.set_onboarding_step(user.id, "done").await?;
        done_text(caller.lang, tz)
    } else {
        t_args(caller.lang, "timezone-set", [("tz", Arg::from(tz.name()))])
    };
    send(ctx, caller.chat_id, reply).await
}

pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() > max {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_link_payloads_follow_telegrams_rule() {
        assert!(valid_payload("campaign-42_x"));
        assert!(!valid_payload(""));
        assert!(!valid_payload("has space"));
        assert!(!valid_payload("<script>"));
        assert!(!valid_payload(&"a".repeat(65)));
    }
}
