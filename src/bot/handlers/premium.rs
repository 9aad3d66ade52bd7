//! `/premium`, `/paysupport` and the payment updates: the bot's side of `billing`. The pre-checkout
//! query is answered at once (Telegram waits 10 s); a payment is acknowledged in the user's
//! language once it is granted, and a replayed one says nothing.

use chrono::Utc;
use teloxide_core::types::{
    InlineKeyboardButton, InlineKeyboardMarkup, Message, PreCheckoutQuery, RefundedPayment,
    SuccessfulPayment,
};

use super::info::{local_time, plan_line};
use super::{Caller, escape, send};
use crate::accounts::Actor;
use crate::billing::{Charge, Checkout, Paid};
use crate::bot::{BotContext, BotError};
use crate::domain::i18n::{Arg, Lang, t, t_args};
use crate::domain::signal::SignalKind;
use crate::domain::tier::TierRule;
use crate::store::Account;

/// A `/paysupport` question longer than this is refused (Telegram's message limit leaves room
/// for the header the operators see).
const MAX_QUESTION_CHARS: usize = 2000;

pub async fn show(
    ctx: &BotContext,
    caller: &Caller<'_>,
    account: &Account,
) -> Result<(), BotError> {
    let lang = caller.lang;
    let now = Utc::now();
    let mut lines = vec![
        t(lang, "premium-title"),
        plan_line(lang, &account.subscription, now, account.prefs.timezone),
        String::new(),
        t_args(
            lang,
            "premium-tier-free",
            [(
                "features",
                Arg::from(features(lang, &ctx.settings.tiers.free, None)),
            )],
        ),
        t_args(
            lang,
            "premium-tier-premium",
            [(
                "features",
                Arg::from(features(
                    lang,
                    &ctx.settings.tiers.premium,
                    Some(&ctx.settings.tiers.free),
                )),
            )],
        ),
        String::new(),
    ];
    let plans = ctx.billing.plans();
    if plans.is_empty() {
        lines.push(t(lang, "premium-not-for-sale"));
        return send(ctx, caller.chat_id, lines.join("\n")).await;
    }
    lines.push(t(lang, "premium-plans"));
    let mut rows = Vec::new();
    for plan in plans.iter() {
        let (stars, days) = (Arg::from(plan.stars), Arg::from(plan.period_days()));
        lines.push(if plan.renews {
            t_args(lang, "premium-plan-monthly", [("stars", stars.clone())])
        } else {
            t_args(
                lang,
                "premium-plan-once",
                [("stars", stars.clone()), ("days", days.clone())],
            )
        });
        match ctx
            .billing
            .invoice_link(plan, caller.telegram_id(), lang, now)
            .await
        {
            Ok(link) => match reqwest::Url::parse(&link) {
                Ok(url) => rows.push(vec![InlineKeyboardButton::url(
                    t_args(lang, "premium-pay", [("stars", stars), ("days", days)]),
                    url,
                )]),
                Err(_) => tracing::warn!("Telegram answered an invoice link that is not a URL"),
            },
            Err(err) => {
                tracing::warn!(error = %err, plan = %plan.id, "cannot create an invoice link")
            }
        }
    }
    lines.push(String::new());
    if rows.is_empty() {
        lines.push(t(lang, "premium-links-failed"));
        return send(ctx, caller.chat_id, lines.join("\n")).await;
    }
    lines.push(t(lang, "premium-how"));
    ctx.replies
        .send(
            caller.chat_id,
            lines.join("\n"),
            Some(InlineKeyboardMarkup::new(rows)),
        )
        .await
        .map(drop)
}

/// A tier's rules in one line; for premium, against the free ones.
fn features(lang: Lang, rule: &TierRule, free: Option<&TierRule>) -> String {
    let mut parts = Vec::new();
    if SignalKind::ALL.iter().all(|kind| rule.allows(*kind)) {
        parts.push(t(lang, "premium-feature-all-types"));
    } else {
        let types: Vec<&str> = rule.signal_types.iter().map(|k| k.as_str()).collect();
        parts.push(t_args(
            lang,
            "premium-feature-types",
            [("types", Arg::from(types.join(", ")))],
        ));
    }
    parts.push(t_args(
        lang,
        "premium-feature-history",
        [("days", Arg::from(rule.history_days))],
    ));
    if rule.charts {
        parts.push(t(lang, "premium-feature-charts"));
    }
    if rule.protect_content {
        parts.push(t(lang, "premium-feature-protected"));
    }
    match free {
        Some(free) if free.delivery_delay_secs > rule.delivery_delay_secs => {
            parts.push(t(lang, "premium-feature-instant"));
        }
        None if rule.delivery_delay_secs > 0 => parts.push(t_args(
            lang,
            "premium-feature-delay",
            [(
                "minutes",
                Arg::from(rule.delivery_delay_secs.div_ceil(60) as i64),
            )],
        )),
        _ => {}
    }
    parts.join(" · ")
}

/// `/paysupport`: the user's payments and how refunds work; `/paysupport <question>` sends the
/// question to the operators' chats.
pub async fn support(
    ctx: &BotContext,
    caller: &Caller<'_>,
    account: &Account,
    question: &str,
) -> Result<(), BotError> {
    let lang = caller.lang;
    if question.is_empty() {
        let payments = ctx
            .store
            .list_payments(Some(account.user.id), None, 10)
            .await?;
        let lines: Vec<String> = payments
            .iter()
            .map(|payment| {
                t_args(
                    lang,
                    "paysupport-payment",
                    [
                        (
                            "date",
                            Arg::from(local_time(payment.paid_at, account.prefs.timezone)),
                        ),
                        ("stars", Arg::from(payment.stars)),
                        ("plan", Arg::from(escape(&payment.plan))),
                        (
                            "refunded",
                            Arg::from(if payment.refunded_at.is_some() {
                                "yes"
                            } else {
                                "no"
                            }),
                        ),
                        ("charge", Arg::from(escape(&payment.charge_id))),
                    ],
                )
            })
            .collect();
        let list = if lines.is_empty() {
            t(lang, "paysupport-none")
        } else {
            lines.join("\n")
        };
        let text = t_args(lang, "paysupport-text", [("payments", Arg::from(list))]);
        return send(ctx, caller.chat_id, text).await;
    }
    if question.chars().count() > MAX_QUESTION_CHARS {
        let text = t_args(
            lang,
            "paysupport-too-long",
            [("max", Arg::from(MAX_QUESTION_CHARS))],
        );
        return send(ctx, caller.chat_id, text).await;
    }
    let mut operators = ctx.store.admin_telegram_ids().await?;
    operators.extend(ctx.settings.admin_ids.iter().copied());
    operators.sort_unstable();
    operators.dedup();
    operators.retain(|id| *id != caller.telegram_id());
    let mut reached = 0;
    for operator in operators {
        let text = t_args(
            Lang::default(),
            "paysupport-question",
            [
                ("id", Arg::from(caller.telegram_id())),
                ("text", Arg::from(escape(question))),
            ],
        );
        match ctx.replies.send(operator, text, None).await {
            Ok(_) => reached += 1,
            Err(err) => tracing::warn!(error = %err, "cannot pass a payment question on"),
        }
    }
    let key = if reached > 0 {
        "paysupport-sent"
    } else {
        "paysupport-no-operators"
    };
    send(ctx, caller.chat_id, t(lang, key)).await
}

/// Telegram asks whether to take a payment; the answer must come within 10 seconds.
pub async fn pre_checkout(ctx: &BotContext, query: &PreCheckoutQuery) -> Result<(), BotError> {
    let telegram_id = query.from.id.0 as i64;
    let record = ctx.store.caller_record(telegram_id).await?;
    let lang = record.account.as_ref().map_or_else(
        || {
            query
                .from
                .language_code
                .as_deref()
                .and_then(Lang::from_code)
                .unwrap_or_default()
        },
        |account| account.prefs.language,
    );
    let checkout = Checkout {
        telegram_id,
        currency: &query.currency,
        total_amount: query.total_amount,
        payload: &query.invoice_payload,
    };
    let verdict = ctx
        .billing
        .check_checkout(&checkout, record.account.as_ref(), Utc::now())
        .map(drop)
        .map_err(|declined| {
            tracing::info!(reason = declined.as_str(), "checkout declined");
            crate::ops::metrics::payment("declined", declined.as_str());
            declined.reason(lang)
        });
    ctx.replies
        .answer_pre_checkout(query.id.clone(), verdict)
        .await
}

/// A `successful_payment` message: grant once, then say so.
pub async fn paid(
    ctx: &BotContext,
    message: &Message,
    payment: &SuccessfulPayment,
) -> Result<(), BotError> {
    let Some(from) = message.from.as_ref() else {
        return Ok(());
    };
    let record = ctx.store.caller_record(from.id.0 as i64).await?;
    let Some(account) = record.account else {
        // Paid, then erased before the payment arrived: nothing to grant to; refunds find the charge
        // in Telegram.
        tracing::warn!("a payment from a user Herald does not know; nothing granted");
        return Ok(());
    };
    let charge = Charge {
        charge_id: payment.telegram_payment_charge_id.0.clone(),
        provider_charge_id: payment.provider_payment_charge_id.clone(),
        payload: payment.invoice_payload.clone(),
        total_amount: payment.total_amount,
        subscription_expiration: payment.subscription_expiration_date,
        recurring: payment.is_recurring,
        first_recurring: payment.is_first_recurring,
    };
    let paid = ctx.billing.paid(&account.user, &charge, Utc::now()).await?;
    let Paid::Granted(granted) = paid else {
        return Ok(());
    };
    let (payment, change) = (&granted.payment, &granted.change);
    ctx.reminders_wake.notify_one();
    let lang = account.prefs.language;
    let until = change.after.expires_at.unwrap_or(payment.paid_until);
    let mut text = t_args(
        lang,
        "payment-confirmed",
        [("date", Arg::from(local_time(until, account.prefs.timezone)))],
    );
    text.push('\n');
    text.push_str(&t(
        lang,
        if payment.recurring {
            "payment-renews"
        } else {
            "payment-once"
        },
    ));
    send(ctx, message.chat.id.0, text).await
}

/// A `refunded_payment` message: Telegram gave the Stars back (our refund, or its own).
pub async fn refunded(ctx: &BotContext, refund: &RefundedPayment) -> Result<(), BotError> {
    let charge_id = &refund.telegram_payment_charge_id.0;
    let actor = Actor::Payment { charge_id };
    match ctx.billing.refunded(charge_id, actor, Utc::now()).await {
        Ok(Some(payment)) => {
            ctx.billing.tell_refunded(&payment).await;
            Ok(())
        }
        // Ours, already handled when the admin refunded; or a charge Herald never recorded.
        Ok(None) => Ok(()),
        Err(err) => Err(err.into()),
    }
}
