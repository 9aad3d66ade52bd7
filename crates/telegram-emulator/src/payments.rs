//! Telegram Stars payments as Telegram's side runs them: invoice links the bot created, checkouts
//! waiting for the bot's pre-checkout answer, and the payments made, renewed and refunded.
//!
//! A payment goes: the user pays a link ([`Core::pay_invoice`]) → a `pre_checkout_query` update →
//! the bot answers within [`PRE_CHECKOUT_TIMEOUT`] → on `ok`, a `successful_payment` message from
//! the user. A subscription renews each period with a further `successful_payment` and no
//! pre-checkout query; `refundStarPayment` adds a `refunded_payment` message.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::core::{Core, unix_now};
use crate::error::EmulatorError;
use crate::model::{EmulatorEvent, Payment, PreCheckoutAnswer};
use crate::state::PaymentNote;
use crate::types::{TgPreCheckoutQuery, TgRefundedPayment, TgSuccessfulPayment, TgUpdateKind};

/// "The Bot API must receive an answer within 10 seconds after the pre-checkout query was sent"
/// (answerPreCheckoutQuery docs); after that the payment fails.
pub const PRE_CHECKOUT_TIMEOUT: Duration = Duration::from_secs(10);

/// An invoice link created by createInvoiceLink.
#[derive(Clone, Debug)]
pub(crate) struct Invoice {
    pub currency: String,
    pub total_amount: u32,
    pub payload: String,
    /// Seconds between renewals, for subscriptions.
    pub subscription_period: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CheckoutState {
    Waiting,
    /// Answered, or failed for want of an answer.
    Closed,
}

#[derive(Debug)]
struct Checkout {
    user_id: i64,
    link: String,
    asked: Instant,
    state: CheckoutState,
}

#[derive(Debug)]
pub(crate) struct PaymentBook {
    /// Link → invoice.
    pub invoices: HashMap<String, Invoice>,
    checkouts: HashMap<String, Checkout>,
    pub payments: Vec<Payment>,
    pub answers: Vec<PreCheckoutAnswer>,
    pub pre_checkout_timeout: Duration,
}

impl Default for PaymentBook {
    fn default() -> Self {
        PaymentBook {
            invoices: HashMap::new(),
            checkouts: HashMap::new(),
            payments: Vec::new(),
            answers: Vec::new(),
            pre_checkout_timeout: PRE_CHECKOUT_TIMEOUT,
        }
    }
}

impl PaymentBook {
    fn invoice(&self, link: &str) -> Result<Invoice, EmulatorError> {
        self.invoices
            .get(link)
            .cloned()
            .ok_or_else(|| EmulatorError::UnknownInvoice(link.to_owned()))
    }
}

/// Why answerPreCheckoutQuery cannot be applied.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AnswerRefused {
    /// Unknown, already answered, or answered too late.
    InvalidQuery,
}

impl Core {
    /// The user pays `link`: queues the `pre_checkout_query` the bot must answer, and fails the
    /// payment if no answer comes in time. Returns the query id.
    pub(crate) fn pay_invoice(
        self: &Arc<Self>,
        user_id: i64,
        link: &str,
    ) -> Result<String, EmulatorError> {
        let mut state = self.lock();
        let from = state.active_user(user_id)?;
        let invoice = state.payments.invoice(link)?;
        let id = state.new_callback_id();
        state.payments.checkouts.insert(
            id.clone(),
            Checkout {
                user_id,
                link: link.to_owned(),
                asked: Instant::now(),
                state: CheckoutState::Waiting,
            },
        );
        let timeout = state.payments.pre_checkout_timeout;
        drop(state);
        self.queue(TgUpdateKind::PreCheckoutQuery(TgPreCheckoutQuery {
            id: id.clone(),
            from,
            currency: invoice.currency,
            total_amount: invoice.total_amount,
            invoice_payload: invoice.payload,
        }));
        // Outside a runtime the deadline is still enforced when the bot answers.
        if tokio::runtime::Handle::try_current().is_ok() {
            let core = Arc::clone(self);
            let query_id = id.clone();
            self.tasks.spawn(async move {
                tokio::select! {
                    () = tokio::time::sleep(timeout) => core.expire_checkout(&query_id),
                    () = core.cancel.cancelled() => {}
                }
            });
        }
        Ok(id)
    }

    fn expire_checkout(&self, query_id: &str) {
        let mut state = self.lock();
        let Some(checkout) = state.payments.checkouts.get_mut(query_id) else {
            return;
        };
        if checkout.state != CheckoutState::Waiting {
            return;
        }
        checkout.state = CheckoutState::Closed;
        let user_id = checkout.user_id;
        drop(state);
        self.emit(|| EmulatorEvent::PaymentFailed {
            user_id,
            pre_checkout_query_id: query_id.to_owned(),
            reason: "the bot did not answer the pre-checkout query in time".to_owned(),
        });
    }

    /// answerPreCheckoutQuery: `Some(reason)` declines. On `ok` the payment is made.
    pub(crate) fn answer_checkout(
        &self,
        query_id: &str,
        error_message: Option<String>,
    ) -> Result<(), AnswerRefused> {
        let mut state = self.lock();
        let timeout = state.payments.pre_checkout_timeout;
        let checkout = state
            .payments
            .checkouts
            .get_mut(query_id)
            .filter(|c| c.state == CheckoutState::Waiting && c.asked.elapsed() <= timeout)
            .ok_or(AnswerRefused::InvalidQuery)?;
        checkout.state = CheckoutState::Closed;
        let (user_id, link) = (checkout.user_id, checkout.link.clone());
        let ok = error_message.is_none();
        state.payments.answers.push(PreCheckoutAnswer {
            pre_checkout_query_id: query_id.to_owned(),
            ok,
            error_message: error_message.clone(),
        });
        drop(state);
        self.emit(|| EmulatorEvent::PreCheckoutAnswered {
            pre_checkout_query_id: query_id.to_owned(),
            ok,
        });
        match error_message {
            Some(reason) => self.emit(|| EmulatorEvent::PaymentFailed {
                user_id,
                pre_checkout_query_id: query_id.to_owned(),
                reason,
            }),
            None => {
                // The invoice cannot vanish once created; a failure here is a bug, not the bot's.
                if let Err(e) = self.charge(user_id, &link, None) {
                    tracing::warn!(error = %e, "payment after pre-checkout failed");
                }
            }
        }
        Ok(())
    }

    /// The next period of the subscription `charge_id` belongs to: a new `successful_payment`.
    pub(crate) fn renew_subscription(
        &self,
        user_id: i64,
        charge_id: &str,
    ) -> Result<Payment, EmulatorError> {
        let state = self.lock();
        let paid = state
            .payments
            .payments
            .iter()
            .find(|p| p.telegram_payment_charge_id == charge_id && p.user_id == user_id)
            .ok_or_else(|| EmulatorError::UnknownCharge(charge_id.to_owned()))?;
        if paid.refunded || paid.subscription_expiration_date.is_none() {
            return Err(EmulatorError::NotRenewable(charge_id.to_owned()));
        }
        let link = paid.invoice_link.clone();
        // Renewals follow the latest period paid, whichever charge the test names.
        let paid_until = state
            .payments
            .payments
            .iter()
            .filter(|p| p.user_id == user_id && p.invoice_link == link && !p.refunded)
            .filter_map(|p| p.subscription_expiration_date)
            .max();
        drop(state);
        self.charge(user_id, &link, paid_until)
    }

    /// Records a payment of `link` and queues its `successful_payment` message. `renewing_until`
    /// is the end of the period paid so far, for a renewal.
    fn charge(
        &self,
        user_id: i64,
        link: &str,
        renewing_until: Option<i64>,
    ) -> Result<Payment, EmulatorError> {
        let mut state = self.lock();
        let invoice = state.payments.invoice(link)?;
        let now = unix_now();
        let charge_id = state.new_token("stx", 64);
        let earlier = state
            .payments
            .payments
            .iter()
            .filter(|p| p.user_id == user_id)
            .count();
        let recurring = invoice.subscription_period.is_some();
        let payment = Payment {
            telegram_payment_charge_id: charge_id.clone(),
            provider_payment_charge_id: format!("{user_id}_{}", earlier + 1),
            user_id,
            invoice_link: link.to_owned(),
            currency: invoice.currency,
            total_amount: invoice.total_amount,
            invoice_payload: invoice.payload,
            subscription_expiration_date: invoice
                .subscription_period
                .map(|period| renewing_until.unwrap_or(now).max(now) + period),
            is_recurring: recurring,
            is_first_recurring: recurring && renewing_until.is_none(),
            date: now,
            refunded: false,
        };
        state.payments.payments.push(payment.clone());
        drop(state);
        let note = PaymentNote::Successful(TgSuccessfulPayment {
            currency: payment.currency.clone(),
            total_amount: payment.total_amount,
            invoice_payload: payment.invoice_payload.clone(),
            subscription_expiration_date: payment.subscription_expiration_date,
            is_recurring: payment.is_recurring,
            is_first_recurring: payment.is_first_recurring,
            telegram_payment_charge_id: charge_id.clone(),
            provider_payment_charge_id: payment.provider_payment_charge_id.clone(),
        });
        self.post_payment_note(user_id, note)?;
        self.emit(|| EmulatorEvent::PaymentCompleted {
            user_id,
            telegram_payment_charge_id: charge_id,
        });
        Ok(payment)
    }

    /// refundStarPayment: marks the charge refunded and queues the `refunded_payment` message.
    pub(crate) fn refund(&self, user_id: i64, charge_id: &str) -> Result<(), RefundRefused> {
        let mut state = self.lock();
        let payment = state
            .payments
            .payments
            .iter_mut()
            .find(|p| p.telegram_payment_charge_id == charge_id && p.user_id == user_id)
            .ok_or(RefundRefused::NotFound)?;
        if payment.refunded {
            return Err(RefundRefused::AlreadyRefunded);
        }
        payment.refunded = true;
        let note = PaymentNote::Refunded(TgRefundedPayment {
            currency: payment.currency.clone(),
            total_amount: payment.total_amount,
            invoice_payload: payment.invoice_payload.clone(),
            telegram_payment_charge_id: charge_id.to_owned(),
            provider_payment_charge_id: None,
        });
        drop(state);
        self.post_payment_note(user_id, note)
            .map_err(|_| RefundRefused::NotFound)?;
        self.emit(|| EmulatorEvent::Refunded {
            user_id,
            telegram_payment_charge_id: charge_id.to_owned(),
        });
        Ok(())
    }

    /// A payment service message from the user in their private chat, and its update.
    fn post_payment_note(&self, user_id: i64, note: PaymentNote) -> Result<(), EmulatorError> {
        let rendered = self
            .lock()
            .post(user_id, Some(user_id), &self.bot, |msg| {
                msg.payment = Some(note)
            })
            .ok_or(EmulatorError::UnknownChat(user_id))?;
        self.queue(TgUpdateKind::Message(rendered));
        Ok(())
    }
}

/// Why refundStarPayment is refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RefundRefused {
    NotFound,
    AlreadyRefunded,
}
