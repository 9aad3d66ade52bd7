//! Premium bought with Telegram Stars, through the emulator as a user pays: `/premium`, the
//! pre-checkout query, the payment, a renewal, a replay, forged and stale offers, refunds.

use chrono::{DateTime, Utc};
use herald::billing::{PayloadKey, Plan};
use herald::domain::i18n::{Arg, Lang, t, t_args};
use herald::domain::preferences::Tier;
use herald::store::{Backend, NewUpdate};
use reqwest::StatusCode;
use serde_json::{Value, json};
use telegram_emulator::ChatMessage;

use crate::both_backends;
use crate::harness::app::{ENCRYPTION_KEY, Options, TestApp};
use crate::harness::chat::{Chat, text};
use crate::harness::security::{JWT_SECRET, admin_token, bearer};

pub const PLANS: &str = "[plans.premium_monthly]\nstars = 500\nperiod = \"30d\"\n\
    [plans.premium_year]\nstars = 4500\nperiod = \"365d\"\n";

pub async fn spawn_selling(backend: Backend) -> TestApp {
    TestApp::spawn_with(
        backend,
        Options {
            env: vec![
                ("HERALD_JWT_SECRET", JWT_SECRET.to_owned()),
                ("HERALD_ENCRYPTION_KEY", ENCRYPTION_KEY.to_owned()),
            ],
            file: Some(PLANS.to_owned()),
            ..Options::default()
        },
    )
    .await
}

/// The `url` of the button labelled `label` (the pay buttons of `/premium`).
pub fn url_button(message: &ChatMessage, label: &str) -> String {
    message
        .reply_markup
        .as_ref()
        .and_then(|m| m.get("inline_keyboard"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .find(|b| b.get("text").and_then(Value::as_str) == Some(label))
        .and_then(|b| b.get("url").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| panic!("no button {label}: {:?}", message.reply_markup))
}

fn pay_label(lang: Lang, stars: u32, days: i64) -> String {
    t_args(
        lang,
        "premium-pay",
        [("stars", Arg::from(stars)), ("days", Arg::from(days))],
    )
}

/// A user who has started the bot and opened `/premium`; returns the chat and the offer.
async fn premium_offer<'a>(app: &'a TestApp, name: &str, lang: &str) -> (Chat<'a>, ChatMessage) {
    let chat = Chat::new(app, name, lang);
    chat.start_and_accept().await;
    let offer = chat.say("/premium").await;
    (chat, offer)
}

/// Pays `link` and waits for the bot's answer to the payment.
async fn pay(chat: &Chat<'_>, link: &str) -> ChatMessage {
    let before = chat.messages().len();
    chat.app.emulator.pay_invoice(chat.id, link).unwrap();
    chat.app.wait_for(chat.id, before + 1).await[before].clone()
}

async fn tier_of(app: &TestApp, chat: &Chat<'_>) -> (Tier, Option<DateTime<Utc>>) {
    let user = chat.user().await;
    let subscription = app.store.subscription(user.id).await.unwrap();
    (subscription.tier, subscription.expires_at)
}

fn unix(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap()
}

async fn buy_renew_replay(backend: Backend) {
    let app = spawn_selling(backend).await;
    let (chat, offer) = premium_offer(&app, "Pia", "en").await;
    let shown = text(&offer);
    assert!(shown.contains("500 ⭐ a month"), "{shown}");
    assert!(shown.contains("4500 ⭐ for 365 days"), "{shown}");
    assert!(shown.contains("Plan: Free"), "{shown}");
    let link = url_button(&offer, &pay_label(Lang::En, 500, 30));

    let confirmed = pay(&chat, &link).await;
    let payment = app.emulator.payments().remove(0);
    let until = unix(payment.subscription_expiration_date.unwrap());
    assert!(text(&confirmed).starts_with("⭐ Thank you! Premium is active until"));
    assert!(text(&confirmed).contains("renews by itself every 30 days"));
    assert_eq!(tier_of(&app, &chat).await, (Tier::Premium, Some(until)));
    assert!(app.emulator.pre_checkout_answers()[0].ok);
    let stored = app
        .store
        .payment(&payment.telegram_payment_charge_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (stored.stars, stored.plan.as_str()),
        (500, "premium_monthly")
    );
    assert!(stored.granted_at.is_some() && stored.recurring);
    let status = chat.say("/status").await;
    assert!(
        text(&status).contains("Plan: ⭐ Premium until"),
        "{}",
        text(&status)
    );
    // Its ⭐ Premium button opens /premium.
    let before = chat.messages().len();
    app.emulator
        .press_button(chat.id, chat.id, status.message_id, "premium")
        .unwrap();
    let shown = app.wait_for(chat.id, before + 1).await;
    assert!(
        text(&shown[before]).starts_with("⭐ Premium"),
        "{}",
        text(&shown[before])
    );

    // The same payment again, as a second update (a redelivery): granted once, nothing said.
    let update = json!({"update_id": 900_000_001, "message": {
        "message_id": 9999, "date": Utc::now().timestamp(),
        "chat": {"id": chat.id, "type": "private", "first_name": "Pia"},
        "from": {"id": chat.id, "is_bot": false, "first_name": "Pia"},
        "successful_payment": {"currency": "XTR", "total_amount": 500,
            "invoice_payload": payment.invoice_payload,
            "subscription_expiration_date": payment.subscription_expiration_date.unwrap() + 99_999,
            "is_recurring": true, "is_first_recurring": true,
            "telegram_payment_charge_id": payment.telegram_payment_charge_id,
            "provider_payment_charge_id": payment.provider_payment_charge_id}}});
    let now = Utc::now();
    app.store
        .store_updates(
            &[NewUpdate {
                update_id: 900_000_001,
                chat_id: Some(chat.id),
                payload: update.to_string(),
            }],
            "replay",
            now,
            now,
            None,
        )
        .await
        .unwrap();
    app.eventually("the replayed update to be handled", || async {
        app.store.unhandled_updates(10).await.unwrap().is_empty()
    })
    .await;
    let messages_after_replay = chat.messages().len();
    assert_eq!(tier_of(&app, &chat).await, (Tier::Premium, Some(until)));
    assert_eq!(
        app.store.list_payments(None, None, 10).await.unwrap().len(),
        1
    );

    // Telegram charges the next month: the end moves by 30 days.
    let renewal = app
        .emulator
        .renew_subscription(chat.id, &payment.telegram_payment_charge_id)
        .unwrap();
    let renewed = app.wait_for(chat.id, messages_after_replay + 1).await;
    assert!(text(renewed.last().unwrap()).starts_with("⭐ Thank you!"));
    let renewed_until = unix(renewal.subscription_expiration_date.unwrap());
    assert_eq!(renewed_until - until, chrono::Duration::days(30));
    assert_eq!(
        tier_of(&app, &chat).await,
        (Tier::Premium, Some(renewed_until))
    );
    assert_eq!(
        app.store.list_payments(None, None, 10).await.unwrap().len(),
        2
    );
    app.stop().await;
}
both_backends!(
    a_plan_bought_renews_and_a_replay_grants_once,
    buy_renew_replay
);

/// createInvoiceLink as anyone holding the token could call it, with a payload of their making.
async fn link_with_payload(app: &TestApp, payload: &str, stars: u32) -> String {
    let url = format!(
        "{}/bot{}/createInvoiceLink",
        app.emulator.base_url(),
        app.emulator.token()
    );
    let body: Value = app
        .client
        .post(url)
        .json(
            &json!({"title": "Premium", "description": "30 days", "payload": payload,
            "currency": "XTR", "prices": [{"label": "Premium", "amount": stars}],
            "subscription_period": 2_592_000}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["result"].as_str().unwrap().to_owned()
}

async fn declined(chat: &Chat<'_>, link: &str) -> String {
    let answers = chat.app.emulator.pre_checkout_answers().len();
    chat.app.emulator.pay_invoice(chat.id, link).unwrap();
    chat.app
        .eventually("the pre-checkout answer", || async {
            chat.app.emulator.pre_checkout_answers().len() > answers
        })
        .await;
    let answer = chat.app.emulator.pre_checkout_answers().remove(answers);
    assert!(!answer.ok, "{answer:?}");
    answer.error_message.unwrap()
}

async fn forged_and_stale(backend: Backend) {
    let app = spawn_selling(backend).await;
    let (chat, offer) = premium_offer(&app, "Rui", "es").await;
    let (other, _) = premium_offer(&app, "Sol", "en").await;
    let monthly = Plan {
        id: "premium_monthly".into(),
        stars: 500,
        period: chrono::Duration::days(30),
        renews: true,
        tier: Tier::Premium,
    };
    let key = PayloadKey::from_bot_token(&app.emulator.token());
    let now = Utc::now();
    let not_ours = t(Lang::Es, "checkout-not-ours");
    // Made up, signed with another key, another user's, at a price the plan does not have.
    let made_up = format!(
        "h1.premium_monthly.{}.{}.AAAAAAAAAAAAAAAAAAAAAA",
        chat.id,
        now.timestamp()
    );
    let other_key = PayloadKey::from_bot_token("1:another-bot").sign(&monthly, chat.id, now);
    let others = key.sign(&monthly, other.id, now);
    let cheaper = key.sign(
        &Plan {
            stars: 1,
            ..monthly.clone()
        },
        chat.id,
        now,
    );
    for (payload, stars) in [
        (made_up, 500),
        (other_key, 500),
        (others, 500),
        (cheaper, 1),
    ] {
        let link = link_with_payload(&app, &payload, stars).await;
        assert_eq!(declined(&chat, &link).await, not_ours, "{payload}");
    }
    // Ours, but offered eight days ago.
    let stale = key.sign(&monthly, chat.id, now - chrono::Duration::days(8));
    let link = link_with_payload(&app, &stale, 500).await;
    assert_eq!(declined(&chat, &link).await, t(Lang::Es, "checkout-stale"));
    assert!(app.emulator.payments().is_empty());
    assert_eq!(tier_of(&app, &chat).await.0, Tier::Free);

    // The genuine offer, in Spanish, still goes through.
    let link = url_button(&offer, &pay_label(Lang::Es, 500, 30));
    let confirmed = pay(&chat, &link).await;
    assert!(
        text(&confirmed).starts_with("⭐ ¡Gracias!"),
        "{}",
        text(&confirmed)
    );
    app.stop().await;
}
both_backends!(
    forged_stale_and_foreign_offers_are_declined,
    forged_and_stale
);

async fn refunds(backend: Backend) {
    let app = spawn_selling(backend).await;
    let (chat, offer) = premium_offer(&app, "Tom", "en").await;
    // The one-off year: a year from now.
    let link = url_button(&offer, &pay_label(Lang::En, 4500, 365));
    let confirmed = pay(&chat, &link).await;
    assert!(text(&confirmed).contains("does not renew"));
    let (tier, until) = tier_of(&app, &chat).await;
    let year = until.unwrap() - Utc::now();
    assert_eq!(tier, Tier::Premium);
    assert!(year > chrono::Duration::days(364) && year <= chrono::Duration::days(365));
    let charge = app.emulator.payments()[0]
        .telegram_payment_charge_id
        .clone();

    let token = admin_token(&app, "ops").await;
    let (status, page) = admin(&app, &token, reqwest::Method::GET, "/api/payments").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["payments"][0]["charge_id"], charge.as_str());
    assert_eq!(page["payments"][0]["refunded_at"], Value::Null);

    let before = chat.messages().len();
    let path = format!("/api/payments/{charge}/refund");
    let (status, refunded) = admin(&app, &token, reqwest::Method::POST, &path).await;
    assert_eq!(status, StatusCode::OK, "{refunded}");
    assert_eq!(refunded["refunded_by"], "admin:ops");
    assert!(app.emulator.payments()[0].refunded);
    assert_eq!(tier_of(&app, &chat).await, (Tier::Free, None));
    let told = app.wait_for(chat.id, before + 1).await;
    assert_eq!(
        text(&told[before]),
        "↩️ Your payment of 4500 ⭐ was refunded and your plan is back to Free."
    );
    // Telegram's refunded_payment message follows; it changes nothing and says nothing more.
    app.eventually("the refunded_payment update to be handled", || async {
        app.store.unhandled_updates(10).await.unwrap().is_empty()
    })
    .await;
    let (status, _) = admin(&app, &token, reqwest::Method::POST, &path).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = admin(
        &app,
        &token,
        reqwest::Method::POST,
        "/api/payments/nope/refund",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(chat.messages().len(), before + 1);
    let audit = app
        .store
        .list_audit(&herald::store::AuditQuery {
            action: Some("payment.refunded".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    app.stop().await;
}
both_backends!(an_admin_refund_revokes_and_tells_the_user, refunds);

async fn admin(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
) -> (StatusCode, Value) {
    let response = app
        .client
        .request(method, format!("{}{path}", app.api))
        .header("authorization", bearer(token))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn not_for_sale(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chat = Chat::new(&app, "Uma", "en");
    chat.start_and_accept().await;
    let offer = chat.say("/premium").await;
    assert!(text(&offer).ends_with(&t(Lang::En, "premium-not-for-sale")));
    assert!(offer.reply_markup.is_none());
    let support = text(&chat.say("/paysupport").await);
    assert!(support.contains("none yet"), "{support}");
    app.stop().await;
}
both_backends!(without_plans_premium_is_not_for_sale, not_for_sale);

mod mini_app;
