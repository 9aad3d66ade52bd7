//! Handlers, one small function per thing a user can do. `message` and `callback` route; every
//! handler answers bad input with a specific reply and leaves the database as it was.

mod account;
mod admin;
mod charts;
mod filter;
mod info;
mod onboarding;
mod performance;
mod positions;
mod premium;
mod price_alerts;
mod settings;
mod sharing;
mod signal_buttons;
mod subscription;

use chrono::Utc;
use teloxide_core::types::{
    CallbackQuery, ChatMemberUpdated, InlineKeyboardMarkup, InlineQuery, Message, MessageKind,
    PreCheckoutQuery,
};

use super::callbacks::Callback;
use super::commands::{self, Command, Group, Parsed};
use super::ratelimit::Verdict;
use super::{BotContext, BotError};
use crate::domain::i18n::{Arg, Lang, t, t_args};
use crate::store::{Account, CallerRecord, ChatState, User};

/// How long a question (a typed time zone, a TOTP code) stays open.
const INPUT_TTL: chrono::Duration = chrono::Duration::minutes(10);

/// Who is talking, and in which language to answer.
pub struct Caller<'a> {
    pub from: &'a teloxide_core::types::User,
    pub chat_id: i64,
    pub lang: Lang,
    /// The language Telegram reports for the user, the default for a new user.
    pub telegram_lang: Lang,
    /// The user with preferences and subscription as they were when the update arrived.
    pub account: Option<Account>,
    /// The question the bot asked this chat, if any (may be stale: see `INPUT_TTL`).
    pending: Option<ChatState>,
}

impl Caller<'_> {
    pub fn telegram_id(&self) -> i64 {
        self.from.id.0 as i64
    }

    pub fn user(&self) -> Option<&User> {
        self.account.as_ref().map(|account| &account.user)
    }

    /// For handlers reached only by registered users.
    pub fn account(&self) -> Result<&Account, BotError> {
        self.account
            .as_ref()
            .ok_or(BotError::Store(crate::store::StoreError::NotFound))
    }
}

/// Who is talking. `prefetched` is the chat's record if it was read with the update (see
/// `InboxUpdate::caller`); it is the sender's only in a private chat, where chat and user are one.
async fn identify<'a>(
    ctx: &BotContext,
    from: &'a teloxide_core::types::User,
    chat_id: i64,
    prefetched: Option<CallerRecord>,
) -> Result<Caller<'a>, BotError> {
    let telegram_lang = from
        .language_code
        .as_deref()
        .and_then(Lang::from_code)
        .unwrap_or_default();
    let telegram_id = from.id.0 as i64;
    let record = match prefetched {
        Some(record) if chat_id == telegram_id => record,
        _ => ctx.store.caller_record(telegram_id).await?,
    };
    let lang = record
        .account
        .as_ref()
        .map_or(telegram_lang, |account| account.prefs.language);
    Ok(Caller {
        from,
        chat_id,
        lang,
        telegram_lang,
        account: record.account,
        pending: record.pending,
    })
}

pub async fn message(
    ctx: &BotContext,
    message: &Message,
    prefetched: Option<CallerRecord>,
) -> Result<(), BotError> {
    // Groups and channels are not conversations with a user; signals go to private chats.
    if !message.chat.is_private() {
        return Ok(());
    }
    // A card the user sent through inline mode (ours or another bot's) is content, not a
    // message to us: Telegram shows the bot messages sent via it, and it needs no answer.
    if message.via_bot.is_some() {
        return Ok(());
    }
    // Payments are Telegram's word, not the user's: never rate-limited, never a hint.
    if let Some(payment) = message.successful_payment() {
        return premium::paid(ctx, message, payment).await;
    }
    if let MessageKind::RefundedPayment(refund) = &message.kind {
        return premium::refunded(ctx, &refund.refunded_payment).await;
    }
    let Some(from) = message.from.as_ref() else {
        return Ok(());
    };
    let sent_at = message.date.timestamp() as f64;
    let verdict = ctx.rate.check(from.id.0 as i64, sent_at);
    if verdict == Verdict::Ignore {
        return Ok(());
    }
    let caller = identify(ctx, from, message.chat.id.0, prefetched).await?;
    if verdict == Verdict::SlowDown {
        return send(ctx, caller.chat_id, t(caller.lang, "rate-limited")).await;
    }
    let Some(text) = message.text() else {
        return send(ctx, caller.chat_id, t(caller.lang, "plain-text-hint")).await;
    };
    let parsed = commands::parse(text, &ctx.bot_username);
    if parsed == Some(Parsed::NotForUs) {
        return Ok(());
    }
    let pending = match caller.pending.clone() {
        Some(state) if Utc::now() - state.created_at > INPUT_TTL => {
            ctx.store.clear_chat_state(caller.telegram_id()).await?;
            None
        }
        other => other,
    };
    match parsed {
        None => {
            // A reply to a position's confirmation is the user's own entry, whatever else the
            // bot asked.
            if let (Some(account), Some(replied_to)) =
                (&caller.account, positions::replied_to_bot(message))
                && positions::replied(ctx, &caller, account, replied_to, text).await?
            {
                return Ok(());
            }
            match pending {
                Some(state) => input(ctx, &caller, &state, text).await,
                None => send(ctx, caller.chat_id, t(caller.lang, "plain-text-hint")).await,
            }
        }
        Some(parsed) => {
            // A new command abandons whatever question was open.
            if pending.is_some() {
                ctx.store.clear_chat_state(caller.telegram_id()).await?;
            }
            match parsed {
                Parsed::Command(command) => dispatch(ctx, &caller, command).await,
                Parsed::Unknown(name) => unknown(ctx, &caller, &name).await,
                Parsed::NotForUs => Ok(()),
            }
        }
    }
}

/// A plain-text answer to a question the bot asked.
async fn input(
    ctx: &BotContext,
    caller: &Caller<'_>,
    state: &crate::store::ChatState,
    text: &str,
) -> Result<(), BotError> {
    match state.awaiting.as_str() {
        onboarding::AWAITING_TIMEZONE => {
            onboarding::typed_timezone(ctx, caller, &state.payload, text).await
        }
        admin::AWAITING_CODE => admin::code(ctx, caller, &state.payload, text).await,
        _ => {
            ctx.store.clear_chat_state(caller.telegram_id()).await?;
            send(ctx, caller.chat_id, t(caller.lang, "plain-text-hint")).await
        }
    }
}

async fn dispatch(ctx: &BotContext, caller: &Caller<'_>, command: Command) -> Result<(), BotError> {
    if command.is_admin() {
        return if admin::is_admin(ctx, caller) {
            admin::begin(ctx, caller, command).await
        } else {
            unknown(ctx, caller, command.name()).await
        };
    }
    match command {
        Command::Start { payload } => onboarding::start(ctx, caller, payload.as_deref()).await,
        Command::Subscribe => {
            let user = onboarding::register(ctx, caller).await?;
            subscription::subscribe(ctx, &user, caller.chat_id).await
        }
        command => {
            let Some(account) = &caller.account else {
                return send(ctx, caller.chat_id, t(caller.lang, "need-start")).await;
            };
            let user = &account.user;
            match command {
                Command::Help => help(ctx, caller).await,
                Command::Settings => settings::open(ctx, caller, account).await,
                Command::Unsubscribe => {
                    subscription::unsubscribe(ctx, user, caller.chat_id, caller.lang).await
                }
                Command::Signals { args } => info::signals(ctx, caller, account, &args).await,
                Command::Performance { args } => {
                    performance::command(ctx, user, caller.chat_id, caller.lang, &args).await
                }
                Command::Status => info::status(ctx, caller, account).await,
                Command::Filter { args } => filter::run(ctx, caller, account, &args).await,
                Command::Alert { args } => price_alerts::set(ctx, caller, account, &args).await,
                Command::Alerts => price_alerts::list(ctx, caller, account).await,
                Command::Positions { args } => {
                    positions::command(ctx, caller, account, &args).await
                }
                Command::Language { args } => account::language(ctx, caller, user, &args).await,
                Command::Privacy => send(ctx, caller.chat_id, t(caller.lang, "privacy-text")).await,
                Command::Delete => account::ask_delete(ctx, caller).await,
                Command::Premium => premium::show(ctx, caller, account).await,
                Command::Invite => sharing::invite(ctx, caller, account).await,
                Command::PaySupport { args } => premium::support(ctx, caller, account, &args).await,
                // Routed above.
                Command::Start { .. }
                | Command::Subscribe
                | Command::Broadcast { .. }
                | Command::Users
                | Command::Stats
                | Command::Grant { .. } => Ok(()),
            }
        }
    }
}

async fn unknown(ctx: &BotContext, caller: &Caller<'_>, name: &str) -> Result<(), BotError> {
    let hint = t_args(
        caller.lang,
        "unknown-command",
        [("command", Arg::from(escape(name)))],
    );
    send(ctx, caller.chat_id, hint).await
}

pub async fn callback(
    ctx: &BotContext,
    query: &CallbackQuery,
    prefetched: Option<CallerRecord>,
) -> Result<(), BotError> {
    let now = Utc::now().timestamp_millis() as f64 / 1000.0;
    let verdict = ctx.press_rate.check(query.from.id.0 as i64, now);
    let chat_id = query
        .message
        .as_ref()
        .map_or(query.from.id.0 as i64, |m| m.chat().id.0);
    let caller = identify(ctx, &query.from, chat_id, prefetched).await?;
    if verdict != Verdict::Allow {
        // Every query is answered, or the client keeps spinning.
        let text = (verdict == Verdict::SlowDown).then(|| t(caller.lang, "rate-limited"));
        return ctx.replies.answer(&query.id, text).await;
    }
    let message_id = query.message.as_ref().map(|m| i64::from(m.id().0));
    // The performance report's Refresh button carries its own (period, asset) format.
    if let (Some(user), Some(data)) = (caller.user(), query.data.as_deref())
        && data.starts_with(performance::CALLBACK_PREFIX)
    {
        return performance::refresh(ctx, user, query, caller.lang).await;
    }
    let parsed = query.data.as_deref().and_then(Callback::parse);
    if parsed.is_some() && caller.user().is_none() {
        // A button of ours, pressed after /delete (or before /start): say how to come back.
        return ctx
            .replies
            .answer(&query.id, Some(t(caller.lang, "callback-no-account")))
            .await;
    }
    let (Some(user), Some(callback), Some(message_id)) = (caller.user(), parsed, message_id) else {
        // Stale buttons (an old menu, a message too old to act on) and forged data: a
        // harmless answer.
        return expired(ctx, &caller, query).await;
    };
    let press = Press {
        query,
        message_id,
        user,
    };
    match callback {
        Callback::AcceptDisclaimer => onboarding::accept_disclaimer(ctx, &caller, &press).await,
        Callback::Ack(_) => signal_buttons::ack(ctx, &caller, &press).await,
        Callback::Took(id) => signal_buttons::took(ctx, &caller, &press, id).await,
        Callback::Mute(asset) => signal_buttons::mute(ctx, &caller, &press, asset).await,
        Callback::Unmute(asset) => signal_buttons::unmute(ctx, &caller, &press, asset).await,
        Callback::AskClose(id) => positions::ask_close(ctx, &caller, &press, id).await,
        Callback::ClosePosition(id) => positions::close(ctx, &caller, &press, id).await,
        Callback::Positions => positions::list_pressed(ctx, &caller, &press).await,
        Callback::Chart(signal_id) => charts::pressed(ctx, &caller, &press, signal_id).await,
        Callback::OnboardLanguage(lang) => {
            onboarding::chose_language(ctx, &caller, &press, lang).await
        }
        Callback::OnboardTimezone(choice) => {
            onboarding::chose_timezone(ctx, &caller, &press, choice).await
        }
        Callback::Settings(action) => settings::on_press(ctx, &caller, &press, action).await,
        Callback::Language(lang) => account::language_pressed(ctx, &caller, &press, lang).await,
        Callback::Delete(confirmed) => {
            account::delete_pressed(ctx, &caller, &press, confirmed).await
        }
        Callback::Premium => {
            ctx.replies.answer(&query.id, None).await?;
            premium::show(ctx, &caller, caller.account()?).await
        }
        Callback::DeletePriceAlert(id) => {
            price_alerts::delete_pressed(ctx, &caller, &press, id).await
        }
    }
}

/// A button press on one of the bot's messages, by a registered user.
pub struct Press<'a> {
    pub query: &'a CallbackQuery,
    pub message_id: i64,
    pub user: &'a User,
}

pub async fn expired(
    ctx: &BotContext,
    caller: &Caller<'_>,
    query: &CallbackQuery,
) -> Result<(), BotError> {
    ctx.replies
        .answer(&query.id, Some(t(caller.lang, "callback-expired")))
        .await
}

/// Someone typed `@bot …` or pressed a `📤 Share` button.
pub async fn inline(
    ctx: &BotContext,
    query: &InlineQuery,
    prefetched: Option<CallerRecord>,
) -> Result<(), BotError> {
    sharing::inline(ctx, query, prefetched).await
}

/// Telegram asks whether to take a payment.
pub async fn pre_checkout(ctx: &BotContext, query: &PreCheckoutQuery) -> Result<(), BotError> {
    premium::pre_checkout(ctx, query).await
}

/// Telegram tells us when a user blocks (kicked) or unblocks (member) the bot.
pub async fn membership(ctx: &BotContext, change: &ChatMemberUpdated) -> Result<(), BotError> {
    if !change.chat.is_private() {
        return Ok(());
    }
    let chat_id = change.chat.id.0;
    if change.new_chat_member.is_banned() {
        ctx.store
            .chat_blocked(chat_id, "user blocked the bot")
            .await?;
        tracing::info!("a user blocked the bot; deliveries to them stopped");
    } else if change.new_chat_member.is_member() {
        ctx.store.reactivate_chat(chat_id).await?;
    }
    Ok(())
}

/// The command list, grouped; generated from `Command::VISIBLE` (admins also see theirs).
pub fn help_text(lang: Lang, admin: bool) -> String {
    let mut text = t(lang, "help-title");
    for group in Group::ALL {
        text.push_str(&format!("\n\n<b>{}</b>", t(lang, group.key())));
        for (name, key, _) in Command::VISIBLE.iter().filter(|(.., g)| *g == group) {
            text.push_str(&format!("\n/{name} — {}", t(lang, key)));
        }
    }
    if admin {
        text.push_str(&format!("\n\n<b>{}</b>", t(lang, "help-group-admin")));
        for (name, key) in Command::ADMIN {
            text.push_str(&format!("\n/{name} — {}", t(lang, key)));
        }
    }
    text.push_str("\n\n");
    text.push_str(&t(lang, "help-footer"));
    text
}

async fn help(ctx: &BotContext, caller: &Caller<'_>) -> Result<(), BotError> {
    let text = help_text(caller.lang, admin::is_admin(ctx, caller));
    send(ctx, caller.chat_id, text).await
}

pub async fn send(ctx: &BotContext, chat_id: i64, html: String) -> Result<(), BotError> {
    ctx.replies.send(chat_id, html, None).await.map(drop)
}

pub async fn send_with(
    ctx: &BotContext,
    chat_id: i64,
    html: String,
    keyboard: InlineKeyboardMarkup,
) -> Result<(), BotError> {
    ctx.replies
        .send(chat_id, html, Some(keyboard))
        .await
        .map(drop)
}

/// Escapes text from outside for Telegram's HTML parse mode.
pub fn escape(text: &str) -> String {
    crate::domain::render::escape(text)
}

fn display_name(user: &User) -> String {
    user.first_name
        .clone()
        .or_else(|| user.username.clone())
        .unwrap_or_else(|| "trader".to_owned())
}
