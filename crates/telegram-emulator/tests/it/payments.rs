//! Telegram Stars: invoice links, the pre-checkout deadline, successful and refunded payments,
//! subscription renewals — and that teloxide-core parses every update they produce.

use std::time::Duration;

use serde_json::{Value, json};
use telegram_emulator::EmulatorEvent;
use teloxide_core::types::{Update, UpdateKind};

use crate::harness::{Tg, next_event};

fn monthly() -> Value {
    json!({"title": "Premium", "description": "Signals without delay", "payload": "plan:monthly:42",
           "currency": "XTR", "prices": [{"label": "Premium", "amount": 500}],
           "subscription_period": 2592000})
}

/// Reads and confirms every pending update.
async fn updates(tg: &Tg) -> Vec<Value> {
    let list = tg.ok("getUpdates", json!({})).await;
    let list = list.as_array().unwrap().clone();
    if let Some(last) = list.last() {
        let next = last["update_id"].as_i64().unwrap() + 1;
        tg.ok("getUpdates", json!({"offset": next})).await;
    }
    list
}

fn parses(update: &Value) -> UpdateKind {
    // As a webhook receiver reads it: teloxide's Update only parses from text.
    serde_json::from_str::<Update>(&update.to_string())
        .unwrap_or_else(|e| panic!("teloxide cannot parse {update}: {e}"))
        .kind
}

#[tokio::test]
async fn invoice_links_are_checked_as_telegram_does() {
    let tg = Tg::start().await;
    let link = tg.ok("createInvoiceLink", monthly()).await;
    assert!(
        link.as_str().unwrap().starts_with("https://t.me/$"),
        "{link}"
    );

    let with = |patch: Value| {
        let mut body = monthly();
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                body.as_object_mut().unwrap().remove(k);
            } else {
                body[k] = v.clone();
            }
        }
        body
    };
    let cases = [
        (
            json!({"title": null}),
            "Bad Request: Parameter \"title\" is required",
        ),
        (
            json!({"title": "x".repeat(33)}),
            "Bad Request: invoice title must be 1-32 characters long",
        ),
        (
            json!({"description": "x".repeat(256)}),
            "Bad Request: invoice description must be 1-255 characters long",
        ),
        (
            json!({"payload": "x".repeat(129)}),
            "Bad Request: INVOICE_PAYLOAD_INVALID",
        ),
        (
            json!({"prices": []}),
            "Bad Request: There must be at least one price",
        ),
        (
            json!({"prices": "nope"}),
            "Bad Request: Can't parse prices JSON object",
        ),
        (
            json!({"prices": [{"label": "", "amount": 1}]}),
            "Bad Request: Can't parse labeled price: LabeledPrice label must be non-empty",
        ),
        (
            json!({"prices": [{"label": "a", "amount": 1}, {"label": "b", "amount": 1}]}),
            "Bad Request: STARS_INVOICE_INVALID",
        ),
        (
            json!({"provider_token": "284685063:TEST:x"}),
            "Bad Request: STARS_INVOICE_INVALID",
        ),
        (
            json!({"subscription_period": 604800}),
            "Bad Request: SUBSCRIPTION_PERIOD_INVALID",
        ),
        (
            json!({"prices": [{"label": "a", "amount": 10001}]}),
            "Bad Request: SUBSCRIPTION_AMOUNT_INVALID",
        ),
        (
            json!({"prices": [{"label": "a", "amount": 0}]}),
            "Bad Request: CURRENCY_TOTAL_AMOUNT_INVALID",
        ),
        (
            json!({"currency": "USD"}),
            "Bad Request: SUBSCRIPTION_PERIOD_INVALID",
        ),
        (
            json!({"currency": "USD", "subscription_period": null}),
            "Bad Request: PAYMENT_PROVIDER_INVALID",
        ),
    ];
    for (patch, expected) in cases {
        let (status, description) = tg.err("createInvoiceLink", with(patch.clone())).await;
        assert_eq!((status, description.as_str()), (400, expected), "{patch}");
    }
    // A one-off Stars invoice needs no period.
    tg.ok(
        "createInvoiceLink",
        with(json!({"subscription_period": null})),
    )
    .await;
}

#[tokio::test]
async fn a_subscription_is_paid_renewed_and_refunded() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let link = tg.ok("createInvoiceLink", monthly()).await;
    let link = link.as_str().unwrap();
    let mut events = tg.emu.subscribe();

    let query_id = tg.emu.pay_invoice(alice, link).unwrap();
    let pending = updates(&tg).await;
    let query = &pending[0]["pre_checkout_query"];
    assert_eq!(query["id"], query_id.as_str());
    assert_eq!(query["from"]["id"], alice);
    assert_eq!(
        (
            &query["currency"],
            &query["total_amount"],
            &query["invoice_payload"]
        ),
        (&json!("XTR"), &json!(500), &json!("plan:monthly:42"))
    );
    assert!(matches!(
        parses(&pending[0]),
        UpdateKind::PreCheckoutQuery(_)
    ));

    let (_, refused) = tg
        .err(
            "answerPreCheckoutQuery",
            json!({"pre_checkout_query_id": query_id, "ok": false}),
        )
        .await;
    assert_eq!(
        refused,
        "Bad Request: Parameter \"error_message\" is required"
    );
    tg.ok(
        "answerPreCheckoutQuery",
        json!({"pre_checkout_query_id": query_id, "ok": true}),
    )
    .await;
    next_event(&mut events, |e| {
        matches!(e, EmulatorEvent::PaymentCompleted { .. })
    })
    .await;
    let (_, twice) = tg
        .err(
            "answerPreCheckoutQuery",
            json!({"pre_checkout_query_id": query_id, "ok": true}),
        )
        .await;
    assert!(twice.contains("query ID is invalid"), "{twice}");

    let paid = updates(&tg).await;
    let message = &paid[0]["message"];
    assert_eq!(message["from"]["id"], alice);
    assert_eq!(message["chat"]["id"], alice);
    let payment = &message["successful_payment"];
    let charge = payment["telegram_payment_charge_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(payment["is_recurring"], true);
    assert_eq!(payment["is_first_recurring"], true);
    let expires = payment["subscription_expiration_date"].as_i64().unwrap();
    assert!((expires - message["date"].as_i64().unwrap() - 2_592_000).abs() <= 1);
    match parses(&paid[0]) {
        UpdateKind::Message(m) => {
            let p = m.successful_payment().expect("teloxide sees the payment");
            assert_eq!(p.total_amount, 500);
            assert!(p.subscription_expiration_date.is_some());
        }
        other => panic!("{other:?}"),
    }

    let renewal = tg.emu.renew_subscription(alice, &charge).unwrap();
    assert_ne!(renewal.telegram_payment_charge_id, charge);
    assert!(renewal.is_recurring && !renewal.is_first_recurring);
    assert_eq!(
        renewal.subscription_expiration_date,
        Some(expires + 2_592_000)
    );
    let renewed = updates(&tg).await;
    assert_eq!(
        renewed[0]["message"]["successful_payment"]["is_first_recurring"],
        Value::Null
    );

    tg.ok(
        "refundStarPayment",
        json!({"user_id": alice, "telegram_payment_charge_id": charge}),
    )
    .await;
    let refund = updates(&tg).await;
    let refunded = &refund[0]["message"]["refunded_payment"];
    assert_eq!(refunded["telegram_payment_charge_id"], charge.as_str());
    assert_eq!(refunded["total_amount"], 500);
    assert!(matches!(parses(&refund[0]), UpdateKind::Message(_)));
    next_event(&mut events, |e| matches!(e, EmulatorEvent::Refunded { .. })).await;

    let again = json!({"user_id": alice, "telegram_payment_charge_id": charge});
    assert_eq!(
        tg.err("refundStarPayment", again).await.1,
        "Bad Request: CHARGE_ALREADY_REFUNDED"
    );
    let unknown = json!({"user_id": alice, "telegram_payment_charge_id": "stxNOPE"});
    assert_eq!(
        tg.err("refundStarPayment", unknown).await.1,
        "Bad Request: CHARGE_NOT_FOUND"
    );
    let nobody = json!({"telegram_payment_charge_id": "stxNOPE"});
    assert_eq!(
        tg.err("refundStarPayment", nobody).await.1,
        "Bad Request: Invalid user_id specified"
    );

    let payments = tg.emu.payments();
    assert_eq!(payments.len(), 2);
    assert!(payments[0].refunded && !payments[1].refunded);
    assert_ne!(
        payments[0].provider_payment_charge_id,
        payments[1].provider_payment_charge_id
    );
    assert!(tg.emu.renew_subscription(alice, "stxNOPE").is_err());
}

#[tokio::test]
async fn a_late_or_declined_answer_fails_the_payment() {
    let tg = Tg::start().await;
    let alice = tg.user("Alice");
    let link = tg.ok("createInvoiceLink", monthly()).await;
    let mut events = tg.emu.subscribe();
    tg.emu.set_pre_checkout_timeout(Duration::from_millis(200));

    let late = tg.emu.pay_invoice(alice, link.as_str().unwrap()).unwrap();
    next_event(&mut events, |e| {
        matches!(e, EmulatorEvent::PaymentFailed { pre_checkout_query_id, .. } if *pre_checkout_query_id == late)
    })
    .await;
    let (_, description) = tg
        .err(
            "answerPreCheckoutQuery",
            json!({"pre_checkout_query_id": late, "ok": true}),
        )
        .await;
    assert!(description.contains("query is too old"), "{description}");

    tg.emu
        .set_pre_checkout_timeout(telegram_emulator::PRE_CHECKOUT_TIMEOUT);
    let declined = tg.emu.pay_invoice(alice, link.as_str().unwrap()).unwrap();
    tg.ok(
        "answerPreCheckoutQuery",
        json!({"pre_checkout_query_id": declined, "ok": false, "error_message": "Plan unknown"}),
    )
    .await;
    next_event(
        &mut events,
        |e| matches!(e, EmulatorEvent::PaymentFailed { reason, .. } if reason == "Plan unknown"),
    )
    .await;
    assert!(tg.emu.payments().is_empty());
    let answers = tg.emu.pre_checkout_answers();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].error_message.as_deref(), Some("Plan unknown"));
    assert!(tg.emu.pay_invoice(alice, "https://t.me/$nope").is_err());
}

#[tokio::test]
async fn teloxide_creates_links_and_refunds() {
    use teloxide_core::prelude::*;
    use teloxide_core::types::LabeledPrice;

    let tg = Tg::start().await;
    let bot = Bot::new(tg.emu.token()).set_api_url(tg.emu.base_url().parse().unwrap());
    let link = bot
        .create_invoice_link(
            "Premium",
            "Monthly",
            "p",
            "XTR",
            [LabeledPrice::new("Premium", 500)],
        )
        .subscription_period(teloxide_core::types::Seconds::from_seconds(2_592_000))
        .await
        .unwrap();
    assert!(link.starts_with("https://t.me/$"));
    let err = bot
        .refund_star_payment(UserId(tg.user("Bob") as u64), "stxNOPE".to_owned().into())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("CHARGE_NOT_FOUND"), "{err}");
}
