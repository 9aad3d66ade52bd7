//! createInvoiceLink, answerPreCheckoutQuery and refundStarPayment (Telegram Stars).

use std::sync::Arc;

use serde_json::Value;

use super::Reply;
use super::callback::INVALID_QUERY;
use crate::core::Core;
use crate::error::ApiError;
use crate::html::utf16_len;
use crate::params::Params;
use crate::payments::{AnswerRefused, Invoice, RefundRefused};

/// Invoice `title`: "Product name, 1-32 characters".
pub(crate) const MAX_TITLE_LEN: usize = 32;
/// Invoice `description`: "1-255 characters".
pub(crate) const MAX_DESCRIPTION_LEN: usize = 255;
/// Invoice `payload`: "1-128 bytes".
pub(crate) const MAX_PAYLOAD_BYTES: usize = 128;
/// `subscription_period`: "Currently, it must always be 2592000 (30 days)".
pub(crate) const SUBSCRIPTION_PERIOD: i64 = 2_592_000;
/// Telegram Stars, the only currency of digital goods.
pub(crate) const STARS: &str = "XTR";
/// The most Stars a subscription may cost per period (Telegram's `stars_subscription_amount_max`).
pub(crate) const MAX_SUBSCRIPTION_STARS: i64 = 10_000;
/// The most Stars one invoice may cost.
pub(crate) const MAX_INVOICE_STARS: i64 = 100_000;

fn required<'a>(params: &'a Params, name: &str) -> Result<std::borrow::Cow<'a, str>, ApiError> {
    params
        .non_empty(name)
        .ok_or_else(|| ApiError::bad(format!("Parameter \"{name}\" is required")))
}

/// `prices`: a non-empty array of `{label, amount}`; returns the amounts.
fn prices(params: &Params) -> Result<Vec<i64>, ApiError> {
    required(params, "prices")?;
    let value = params
        .json_value("prices")
        .map_err(|_| ApiError::bad("Can't parse prices JSON object"))?
        .unwrap_or(Value::Null);
    let list = value
        .as_array()
        .ok_or_else(|| ApiError::bad("Expected an Array of labeled prices"))?;
    let price_error = |detail: &str| ApiError::bad(format!("Can't parse labeled price: {detail}"));
    let mut amounts = Vec::with_capacity(list.len());
    for price in list {
        let object = price
            .as_object()
            .ok_or_else(|| price_error("LabeledPrice must be an Object"))?;
        match object.get("label") {
            Some(Value::String(label)) if !label.is_empty() => {}
            Some(Value::String(_)) => {
                return Err(price_error("LabeledPrice label must be non-empty"));
            }
            _ => return Err(price_error("Can't find field \"label\"")),
        }
        let amount = object
            .get("amount")
            .and_then(Value::as_i64)
            .ok_or_else(|| price_error("Can't find field \"amount\""))?;
        amounts.push(amount);
    }
    if amounts.is_empty() {
        return Err(ApiError::bad("There must be at least one price"));
    }
    Ok(amounts)
}

/// Checks every parameter as Telegram does and returns the invoice a link will stand for.
fn invoice(params: &Params) -> Result<Invoice, ApiError> {
    let title = required(params, "title")?;
    let description = required(params, "description")?;
    let payload = required(params, "payload")?;
    let currency = required(params, "currency")?.into_owned();
    let amounts = prices(params)?;
    // The server's wording for these is not published; these name the documented rule.
    if utf16_len(&title) > MAX_TITLE_LEN {
        return Err(ApiError::bad("invoice title must be 1-32 characters long"));
    }
    if utf16_len(&description) > MAX_DESCRIPTION_LEN {
        return Err(ApiError::bad(
            "invoice description must be 1-255 characters long",
        ));
    }
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(ApiError::bad("INVOICE_PAYLOAD_INVALID"));
    }
    let period = params
        .int("subscription_period")
        .map_err(|_| ApiError::bad("SUBSCRIPTION_PERIOD_INVALID"))?
        .filter(|p| *p != 0);
    let provider_token = params.non_empty("provider_token");
    let total: i64 = amounts.iter().sum();
    if currency == STARS {
        let fiat_only = [
            "max_tip_amount",
            "suggested_tip_amounts",
            "need_name",
            "need_phone_number",
            "need_email",
            "need_shipping_address",
            "send_phone_number_to_provider",
            "send_email_to_provider",
            "is_flexible",
        ];
        if amounts.len() != 1
            || provider_token.is_some()
            || fiat_only.iter().any(|name| params.flag(name))
        {
            return Err(ApiError::bad("STARS_INVOICE_INVALID"));
        }
        if !(1..=MAX_INVOICE_STARS).contains(&total) {
            return Err(ApiError::bad("CURRENCY_TOTAL_AMOUNT_INVALID"));
        }
        if period.is_some_and(|p| p != SUBSCRIPTION_PERIOD) {
            return Err(ApiError::bad("SUBSCRIPTION_PERIOD_INVALID"));
        }
        if period.is_some() && total > MAX_SUBSCRIPTION_STARS {
            return Err(ApiError::bad("SUBSCRIPTION_AMOUNT_INVALID"));
        }
    } else {
        if period.is_some() {
            return Err(ApiError::bad("SUBSCRIPTION_PERIOD_INVALID"));
        }
        if provider_token.is_none() {
            return Err(ApiError::bad("PAYMENT_PROVIDER_INVALID"));
        }
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ApiError::bad("CURRENCY_INVALID"));
        }
        if total <= 0 {
            return Err(ApiError::bad("CURRENCY_TOTAL_AMOUNT_INVALID"));
        }
    }
    let total_amount =
        u32::try_from(total).map_err(|_| ApiError::bad("CURRENCY_TOTAL_AMOUNT_INVALID"))?;
    Ok(Invoice {
        currency,
        total_amount,
        payload: payload.into_owned(),
        subscription_period: period,
    })
}

/// Answers the link (`https://t.me/$…`) a user opens to pay.
pub(crate) fn create_invoice_link(core: &Arc<Core>, params: &Params) -> Result<Reply, ApiError> {
    let invoice = invoice(params)?;
    let mut state = core.lock();
    let link = format!("https://t.me/${}", state.new_token("", 32));
    state.payments.invoices.insert(link.clone(), invoice);
    drop(state);
    Reply::json(&link)
}

/// `ok: false` needs an `error_message` for the user; either way the query is answered once,
/// within the deadline.
pub(crate) fn answer_pre_checkout_query(
    core: &Arc<Core>,
    params: &Params,
) -> Result<Reply, ApiError> {
    let error_message = if params.flag("ok") {
        None
    } else {
        Some(required(params, "error_message")?.into_owned())
    };
    let id = params
        .non_empty("pre_checkout_query_id")
        .ok_or_else(|| ApiError::bad_request(INVALID_QUERY))?;
    match core.answer_checkout(&id, error_message) {
        Ok(()) => Reply::json(&true),
        Err(AnswerRefused::InvalidQuery) => Err(ApiError::bad_request(INVALID_QUERY)),
    }
}

pub(crate) fn refund_star_payment(core: &Arc<Core>, params: &Params) -> Result<Reply, ApiError> {
    let user_id = super::user_id(params, "user_id")?;
    let charge_id = required(params, "telegram_payment_charge_id")?;
    if !core.lock().users.contains_key(&user_id) {
        return Err(ApiError::bad("user not found"));
    }
    match core.refund(user_id, &charge_id) {
        Ok(()) => Reply::json(&true),
        Err(RefundRefused::NotFound) => Err(ApiError::bad("CHARGE_NOT_FOUND")),
        Err(RefundRefused::AlreadyRefunded) => Err(ApiError::bad("CHARGE_ALREADY_REFUNDED")),
    }
}
