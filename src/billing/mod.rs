//! Premium bought with Telegram Stars: the use cases behind `/premium`, the pre-checkout query,
//! `successful_payment`, `refunded_payment` and the admin refund, the same whichever edge asks.
//!
//! A payment goes: an invoice link per plan (`invoice_link`, its payload signed by `payload`) →
//! the user pays → Telegram asks `check_checkout` (answered within 10 s) → `paid` stores the
//! charge (once: its id is unique) and grants the tier through the one grant path
//! (`accounts::grant`) → renewals arrive as further payments → `refunded` (or `refund`, from the
//! admin API) revokes.

mod payload;
mod plans;

pub use payload::{OFFER_LIFETIME, Offer, PayloadKey};
pub use plans::{Plan, PlanFile, Plans, SUBSCRIPTION_PERIOD_SECS, load as load_plans};

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::accounts::{self, Actor, Grant, TierChange, TierError};
use crate::domain::i18n::{Arg, Lang, t, t_args};
use crate::store::{Account, NewPayment, Payment, Store, StoreError, User};
use crate::telegram::{Invoice, Outbound, SendFailure};

#[derive(Clone)]
pub struct Billing {
    store: Store,
    outbound: Outbound,
    plans: Arc<Plans>,
    key: PayloadKey,
}

/// Why a checkout is declined; each has a reason in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declined {
    /// Not a payload of ours, another user's, or a plan whose price changed or is gone.
    NotOurs,
    /// Offered longer ago than [`OFFER_LIFETIME`].
    Stale,
    /// The amount or currency is not the plan's.
    WrongAmount,
    /// Not registered, or erased.
    UnknownUser,
    Inactive,
}

impl Declined {
    fn key(self) -> &'static str {
        match self {
            Self::NotOurs => "checkout-not-ours",
            Self::Stale => "checkout-stale",
            Self::WrongAmount => "checkout-not-ours",
            Self::UnknownUser => "checkout-unknown-user",
            Self::Inactive => "checkout-inactive",
        }
    }

    pub fn reason(self, lang: Lang) -> String {
        t(lang, self.key())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotOurs => "not_ours",
            Self::Stale => "stale",
            Self::WrongAmount => "wrong_amount",
            Self::UnknownUser => "unknown_user",
            Self::Inactive => "inactive",
        }
    }
}

/// A pre-checkout query, as far as the decision goes.
#[derive(Debug, Clone)]
pub struct Checkout<'a> {
    pub telegram_id: i64,
    pub currency: &'a str,
    pub total_amount: u32,
    pub payload: &'a str,
}

/// A `successful_payment` message.
#[derive(Debug, Clone)]
pub struct Charge {
    pub charge_id: String,
    pub provider_charge_id: String,
    pub payload: String,
    pub total_amount: u32,
    pub subscription_expiration: Option<DateTime<Utc>>,
    pub recurring: bool,
    pub first_recurring: bool,
}

/// What became of a payment.
#[derive(Debug)]
pub enum Paid {
    /// Granted now; the user is told.
    Granted(Box<Granted>),
    /// A charge handled before (a replayed update): nothing changes, nothing is said.
    AlreadyGranted,
}

#[derive(Debug)]
pub struct Granted {
    pub payment: Payment,
    pub change: TierChange,
}

#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    #[error("no such payment")]
    UnknownPayment,
    #[error("the payment was already refunded")]
    AlreadyRefunded,
    #[error("telegram refused: {0}")]
    Telegram(SendFailure),
    #[error(transparent)]
    Tier(#[from] TierError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Billing {
    pub fn new(store: Store, outbound: Outbound, plans: Arc<Plans>, bot_token: &str) -> Self {
        Self {
            store,
            outbound,
            plans,
            key: PayloadKey::from_bot_token(bot_token),
        }
    }

    pub fn plans(&self) -> &Plans {
        &self.plans
    }

    /// A fresh invoice link for `plan`, for this user only, titled in their language.
    pub async fn invoice_link(
        &self,
        plan: &Plan,
        telegram_id: i64,
        lang: Lang,
        now: DateTime<Utc>,
    ) -> Result<String, SendFailure> {
        let days = Arg::from(plan.period_days());
        let description_key = if plan.renews {
            "invoice-description-monthly"
        } else {
            "invoice-description-once"
        };
        self.outbound
            .invoice_link(Invoice {
                title: t_args(lang, "invoice-title", [("days", days.clone())]),
                description: t_args(lang, description_key, [("days", days.clone())]),
                payload: self.key.sign(plan, telegram_id, now),
                label: t_args(lang, "invoice-label", [("days", days)]),
                stars: plan.stars,
                renews: plan.renews,
            })
            .await
    }

    /// Whether to take this payment: a payload we signed for this user, for a plan still sold at
    /// this price, offered recently, by an active registered user.
    pub fn check_checkout(
        &self,
        checkout: &Checkout<'_>,
        account: Option<&Account>,
        now: DateTime<Utc>,
    ) -> Result<&Plan, Declined> {
        let offer = self
            .key
            .verify(checkout.payload, |id| self.plans.get(id).map(|p| p.stars))
            .filter(|offer| offer.telegram_id == checkout.telegram_id)
            .ok_or(Declined::NotOurs)?;
        let plan = self.plans.get(&offer.plan).ok_or(Declined::NotOurs)?;
        if checkout.currency != "XTR" || checkout.total_amount != plan.stars {
            return Err(Declined::WrongAmount);
        }
        if now - offer.issued > OFFER_LIFETIME || offer.issued - now > chrono::Duration::minutes(5)
        {
            return Err(Declined::Stale);
        }
        let account = account.ok_or(Declined::UnknownUser)?;
        if !account.user.is_active {
            return Err(Declined::Inactive);
        }
        Ok(plan)
    }

    /// Records a payment and grants what it bought, once per charge. Telegram took the Stars,
    /// so a payment is honoured even when its plan has left the configuration since: a
    /// subscription by its expiration date, a one-off by 30 days.
    pub async fn paid(
        &self,
        user: &User,
        charge: &Charge,
        now: DateTime<Utc>,
    ) -> Result<Paid, BillingError> {
        if let Some(known) = self.store.payment(&charge.charge_id).await?
            && known.granted_at.is_some()
        {
            return Ok(Paid::AlreadyGranted);
        }
        let offer = self
            .key
            .verify(&charge.payload, |_| Some(charge.total_amount));
        if offer.is_none() {
            tracing::warn!("a payment's payload is not one Herald signed; honoured anyway");
        }
        let plan_id = offer.map_or_else(|| "unknown".to_owned(), |offer| offer.plan);
        let plan = self.plans.get(&plan_id);
        let tier = plan.map_or(crate::domain::preferences::Tier::Premium, |p| p.tier);
        let paid_until = match charge.subscription_expiration {
            Some(until) => until,
            None => {
                let period = plan.map_or(chrono::Duration::days(30), |p| p.period);
                let current = self.store.subscription(user.id).await?;
                let from = match current.expires_at {
                    Some(end) if current.tier == tier && end > now => end,
                    _ => now,
                };
                from + period
            }
        };
        let (payment, _new) = self
            .store
            .record_payment(&NewPayment {
                charge_id: charge.charge_id.clone(),
                provider_charge_id: charge.provider_charge_id.clone(),
                user_id: user.id,
                telegram_id: user.telegram_id,
                plan: plan_id,
                tier,
                stars: charge.total_amount,
                recurring: charge.recurring,
                first_recurring: charge.first_recurring,
                paid_at: now,
                paid_until,
            })
            .await?;
        if payment.granted_at.is_some() {
            return Ok(Paid::AlreadyGranted);
        }
        let actor = Actor::Payment {
            charge_id: &payment.charge_id,
        };
        // The stored end, not a new one: a retry after a crash grants the same date again.
        let grant = Grant::Through {
            tier,
            until: payment.paid_until,
        };
        let change = accounts::grant(&self.store, user.id, grant, actor, now).await?;
        self.store
            .mark_payment_granted(&payment.charge_id, now)
            .await?;
        let renewal = payment.recurring && !payment.first_recurring;
        crate::ops::metrics::payment(if renewal { "renewed" } else { "paid" }, "");
        crate::ops::metrics::stars_received(&payment.plan, charge.total_amount);
        self.store
            .audit(
                crate::store::AuditEvent::audit("payment.received")
                    .by_user(user.id)
                    .target("payment", payment.charge_id.clone())
                    .change(json!(null), payment_json(&payment)),
            )
            .await;
        Ok(Paid::Granted(Box::new(Granted { payment, change })))
    }

    /// Telegram reported a refund (`refunded_payment`): marks it and revokes the tier, once.
    /// Returns the payment when this was news.
    pub async fn refunded(
        &self,
        charge_id: &str,
        by: Actor<'_>,
        now: DateTime<Utc>,
    ) -> Result<Option<Payment>, BillingError> {
        let label = match by {
            Actor::ApiAdmin { name, .. } => format!("admin:{name}"),
            _ => "telegram".to_owned(),
        };
        if !self
            .store
            .mark_payment_refunded(charge_id, now, &label)
            .await?
        {
            return Ok(None);
        }
        let payment = self
            .store
            .payment(charge_id)
            .await?
            .ok_or(BillingError::UnknownPayment)?;
        if let Some(user_id) = payment.user_id {
            match accounts::revoke(&self.store, user_id, by).await {
                Ok(_) | Err(TierError::Account(accounts::AccountError::UnknownUser)) => {}
                Err(err) => return Err(err.into()),
            }
        }
        crate::ops::metrics::payment("refunded", "");
        self.store
            .audit(
                crate::store::AuditEvent::audit("payment.refunded")
                    .target("payment", charge_id.to_owned())
                    .detail(label),
            )
            .await;
        Ok(Some(payment))
    }

    /// An admin gives the Stars back: Telegram first (it may refuse), then the same as a
    /// reported refund, and the user is told.
    pub async fn refund(
        &self,
        charge_id: &str,
        by: Actor<'_>,
        now: DateTime<Utc>,
    ) -> Result<Payment, BillingError> {
        let payment = self
            .store
            .payment(charge_id)
            .await?
            .ok_or(BillingError::UnknownPayment)?;
        if payment.refunded_at.is_some() {
            return Err(BillingError::AlreadyRefunded);
        }
        self.outbound
            .refund_stars(payment.telegram_id, charge_id)
            .await
            .map_err(BillingError::Telegram)?;
        let refunded = self.refunded(charge_id, by, now).await?;
        match &refunded {
            Some(refunded) => self.tell_refunded(refunded).await,
            // Telegram's `refunded_payment` for this very refund got there first (and told the
            // user): the refund is still this admin's.
            None => {
                if let Actor::ApiAdmin { name, .. } = by {
                    self.store
                        .attribute_refund(charge_id, &format!("admin:{name}"))
                        .await?;
                }
            }
        }
        Ok(self.store.payment(charge_id).await?.unwrap_or(payment))
    }

    /// Tells the user a payment was refunded, in their language.
    pub async fn tell_refunded(&self, payment: &Payment) {
        let lang = match payment.user_id {
            Some(user_id) => match self.store.preferences(user_id).await {
                Ok(prefs) => prefs.language,
                Err(_) => return,
            },
            // An erased user hears nothing more from the bot.
            None => return,
        };
        let text = t_args(
            lang,
            "payment-refunded",
            [("stars", Arg::from(payment.stars))],
        );
        if let Err(err) = self
            .outbound
            .send_message(payment.telegram_id, text, None)
            .await
        {
            tracing::warn!(error = %err, "cannot tell a user of their refund");
        }
    }
}

/// A payment as the audit trail shows it.
pub fn payment_json(payment: &Payment) -> serde_json::Value {
    json!({
        "charge_id": payment.charge_id,
        "plan": payment.plan,
        "tier": payment.tier,
        "stars": payment.stars,
        "recurring": payment.recurring,
        "paid_until": payment.paid_until,
    })
}
