//! Telegram Stars payments: prices, the pre-checkout query, and the payment service messages.

use serde::{Deserialize, Serialize};

use super::{TgUser, is_false};

/// <https://core.telegram.org/bots/api#labeledprice>
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TgLabeledPrice {
    pub label: String,
    pub amount: i64,
}

/// <https://core.telegram.org/bots/api#precheckoutquery>
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TgPreCheckoutQuery {
    pub id: String,
    pub from: TgUser,
    pub currency: String,
    pub total_amount: u32,
    pub invoice_payload: String,
}

/// <https://core.telegram.org/bots/api#successfulpayment>
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TgSuccessfulPayment {
    pub currency: String,
    pub total_amount: u32,
    pub invoice_payload: String,
    /// Subscriptions only: when the period just paid for ends (unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_expiration_date: Option<i64>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_recurring: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_first_recurring: bool,
    pub telegram_payment_charge_id: String,
    pub provider_payment_charge_id: String,
}

/// <https://core.telegram.org/bots/api#refundedpayment>
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TgRefundedPayment {
    pub currency: String,
    pub total_amount: u32,
    pub invoice_payload: String,
    pub telegram_payment_charge_id: String,
    /// The Bot API server omits it when empty, as it is for Stars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_payment_charge_id: Option<String>,
}
