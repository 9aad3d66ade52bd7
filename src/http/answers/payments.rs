//! Answers of the admin API over Stars payments.

use serde::Serialize;
use serde_json::{Value, json};

use super::{Schema, exactly, reference, text_or_null, time, time_or_null};
use crate::store::Payment;

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
