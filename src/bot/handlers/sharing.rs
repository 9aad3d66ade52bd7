//! Sharing and referrals: `/invite`, an arrival through a referral link, and inline mode — the
//! card a `📤 Share` button (or `@bot` typed in any chat) offers, carrying the sharer's link.

use chrono::Utc;
use rust_decimal::Decimal;
use teloxide_core::types::{
    InlineQuery, InlineQueryResult, InlineQueryResultArticle, InputMessageContent,
    InputMessageContentText, ParseMode,
};

use super::{Caller, escape, identify, send};
use crate::bot::ratelimit::Verdict;
use crate::bot::{BotContext, BotError};
use crate::domain::i18n::{Arg, Lang, t_args};
use crate::domain::render::{Ending, render_share_card};
use crate::domain::sharing::{ShareQuery, referral_link, shareable};
use crate::domain::signal::Price;
use crate::store::{Account, CallerRecord, ReceivedSignal, User};

/// The card carries the sharer's own link, so answers are personal and kept only briefly
/// (a signal that closes meanwhile becomes shareable within seconds).
const CACHE_SECS: u32 = 10;
/// `@bot` with nothing typed offers this many of the user's latest closed signals.
const LATEST: i64 = 5;

/// A new user whose first /start carried `code`: recorded as referred by its holder (an unknown
/// code, or one of their own, records nothing).
pub async fn referred(ctx: &BotContext, user: &User, code: &str) -> Result<(), BotError> {
    if ctx.store.record_referral(user.id, code).await? {
        tracing::info!("a new user joined through a referral link");
    }
    Ok(())
}

/// `/invite`: the user's link, how many joined through it and how many of them paid.
pub async fn invite(
    ctx: &BotContext,
    caller: &Caller<'_>,
    account: &Account,
) -> Result<(), BotError> {
    let user_id = account.user.id;
    let code = ctx.store.referral_code(user_id).await?;
    let counts = ctx.store.referral_counts(user_id).await?;
    let link = referral_link(&ctx.bot_username, &code);
    let text = t_args(
        caller.lang,
        "invite-text",
        [
            ("link", Arg::from(escape(&link))),
            ("joined", Arg::from(counts.joined)),
            ("paid", Arg::from(counts.paid)),
        ],
    );
    send(ctx, caller.chat_id, text).await
}

/// An inline query: the cards the user may send, or none (not registered, nothing shareable,
/// a query we do not know). Open signals are never offered before the free tier has them.
pub async fn inline(
    ctx: &BotContext,
    query: &InlineQuery,
    prefetched: Option<CallerRecord>,
) -> Result<(), BotError> {
    let telegram_id = query.from.id.0 as i64;
    let now = Utc::now().timestamp_millis() as f64 / 1000.0;
    // Clients send a query per keystroke; over the budget they are left unanswered.
    if ctx.press_rate.check(telegram_id, now) != Verdict::Allow {
        return Ok(());
    }
    let caller = identify(ctx, &query.from, telegram_id, prefetched).await?;
    let results = match &caller.account {
        Some(account) => cards(ctx, &account.user, caller.lang, &query.query).await?,
        None => Vec::new(),
    };
    ctx.replies
        .answer_inline(query.id.clone(), results, CACHE_SECS)
        .await
}

async fn cards(
    ctx: &BotContext,
    user: &User,
    lang: Lang,
    query: &str,
) -> Result<Vec<InlineQueryResult>, BotError> {
    let received = match ShareQuery::parse(query) {
        ShareQuery::Other => return Ok(Vec::new()),
        ShareQuery::Signal(id) => ctx
            .store
            .received_signal(user.id, id)
            .await?
            .into_iter()
            .collect(),
        ShareQuery::Latest => ctx.store.received_outcomes(user.id, LATEST).await?,
    };
    let now = Utc::now();
    let free = &ctx.settings.tiers.free;
    let shared: Vec<ReceivedSignal> = received
        .into_iter()
        .filter(|r| {
            let stored = &r.stored;
            shareable(
                &stored.signal,
                stored.accepted_at,
                r.outcome.is_some(),
                free,
                now,
            )
        })
        .collect();
    if shared.is_empty() {
        return Ok(Vec::new());
    }
    // Made only once there is something to share it with.
    let code = ctx.store.referral_code(user.id).await?;
    let link = referral_link(&ctx.bot_username, &code);
    Ok(shared.iter().map(|r| article(lang, r, &link)).collect())
}

fn article(lang: Lang, received: &ReceivedSignal, link: &str) -> InlineQueryResult {
    let ending = received
        .outcome
        .as_ref()
        .map(|outcome| Ending {
            exit_price: outcome
                .exit_price
                .as_deref()
                .and_then(|p| p.parse::<Decimal>().ok())
                .and_then(Price::new),
            reason: Some(outcome.reason),
            closed_at: Some(outcome.closed_at),
        })
        .unwrap_or_default();
    let signal = &received.stored.signal;
    let card = render_share_card(lang, signal, &ending, link);
    let content = InputMessageContent::Text(
        InputMessageContentText::new(card.html).parse_mode(ParseMode::Html),
    );
    let mut article =
        InlineQueryResultArticle::new(signal.id.simple().to_string(), card.title, content);
    if !card.description.is_empty() {
        article = article.description(card.description);
    }
    InlineQueryResult::Article(article)
}
