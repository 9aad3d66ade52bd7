//! Answers over Stars payments (the admin API's and the Mini App's) and outgoing webhooks.

use serde::Serialize;
use serde_json::{Value, json};

use super::{Schema, exactly, reference, text_or_null, time, time_or_null};
use crate::http::mini_app::{InvoiceLink, MiniAppMe};
use crate::http::webhooks_api::{WebhookCreated, WebhookList};
use crate::store::{Payment, Subscription};

impl Schema for Payment {
    const NAME: &'static str = "Payment";
    fn schema() -> Value {
        exactly(json!({
            "charge_id": {"type": "string", "description": "telegram_payment_charge_id"},
            "user_id": {"type": ["string", "null"], "format": "uuid",
                "description": "null once the user erased their data"},
            "telegram_id": {"type": "integer"},
            "plan": {"type": "string"},
            "tier": {"type": "string"},
            "stars": {"type": "integer", "minimum": 1},
            "recurring": {"type": "boolean"},
            "first_recurring": {"type": "boolean"},
            "paid_at": time(),
            "paid_until": time(),
            "granted_at": time_or_null(),
            "refunded_at": time_or_null(),
            "refunded_by": text_or_null(),
        }))
    }
}

/// `GET /api/payments`.
#[derive(Debug, Serialize)]
pub struct PaymentPage {
    pub payments: Vec<Payment>,
    /// `before` of the next page.
    pub next: Option<chrono::DateTime<chrono::Utc>>,
}

impl Schema for PaymentPage {
    const NAME: &'static str = "PaymentPage";
    fn schema() -> Value {
        exactly(json!({
            "payments": {"type": "array", "items": reference(Payment::NAME)},
            "next": time_or_null(),
        }))
    }
}

impl Schema for MiniAppMe {
    const NAME: &'static str = "MiniAppMe";
    fn schema() -> Value {
        exactly(json!({
            "user": exactly(json!({
                "telegram_id": {"type": "integer"},
                "first_name": text_or_null(),
            })),
            "language": {"type": "string", "enum": ["en", "es"]},
            "preferences": super::users::preferences(),
            "subscription": reference(Subscription::NAME),
            "plans": {"type": "array", "items": exactly(json!({
                "id": {"type": "string"},
                "stars": {"type": "integer", "minimum": 1},
                "days": {"type": "integer", "minimum": 1},
                "renews": {"type": "boolean"},
            }))},
        }))
    }
}

impl Schema for InvoiceLink {
    const NAME: &'static str = "InvoiceLink";
    fn schema() -> Value {
        exactly(json!({"link": {"type": "string", "format": "uri"}}))
    }
}

fn webhook_properties() -> serde_json::Map<String, Value> {
    let Value::Object(properties) = json!({
        "id": {"type": "string", "format": "uuid"},
        "url": {"type": "string"},
        "events": {"type": "array", "items": {"type": "string"}},
        "description": text_or_null(),
        "created_at": time(),
        "disabled_at": time_or_null(),
        "disabled_reason": text_or_null(),
    }) else {
        unreachable!("an object literal")
    };
    properties
}

impl Schema for WebhookCreated {
    const NAME: &'static str = "WebhookCreated";
    fn schema() -> Value {
        let mut properties = webhook_properties();
        properties.insert(
            "secret".into(),
            json!({"type": "string", "pattern": "^whsec_", "description": "shown once"}),
        );
        exactly(Value::Object(properties))
    }
}

impl Schema for WebhookList {
    const NAME: &'static str = "WebhookList";
    fn schema() -> Value {
        exactly(
            json!({"webhooks": {"type": "array", "items": exactly(Value::Object(webhook_properties()))}}),
        )
    }
}
