//! The bodies the API answers with, each a typed struct beside its JSON Schema, so a field cannot
//! be added to one and not the other. The OpenAPI document takes its response schemas from here
//! (`schemas`), and `tests/it/ops/openapi.rs` checks real answers against them.

mod figures;
mod payments;
mod signals;
mod users;

pub use figures::{
    AuditPage, DeliveryFigures, Health, PerformanceReport, Ready, SignalFigures, StatsReport, Token,
};
pub use payments::PaymentPage;
pub use signals::{OutcomeAnswer, SignalAccepted, SignalDetail, SignalPage, SignalSummary};
pub use users::{Activity, PreferencesChanged, SubscriptionChanged, UserDetail, UserPage};

use serde_json::{Map, Value, json};

use crate::signals::outcomes::PricesAnswer;

/// A response body and the name and JSON Schema it has in the OpenAPI document.
pub trait Schema {
    const NAME: &'static str;
    fn schema() -> Value;
}

/// The schema of an object that always has exactly these properties, as a serialized struct
/// does.
pub(super) fn exactly(properties: Value) -> Value {
    let required: Vec<String> = properties
        .as_object()
        .map(|properties| properties.keys().cloned().collect())
        .unwrap_or_default();
    json!({
        "type": "object",
        "required": required,
        "additionalProperties": false,
        "properties": properties,
    })
}

/// `{"$ref": …}` to another schema of the document.
pub(super) fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// An object counting things by name (statuses, kinds).
pub(super) fn counts(description: &str) -> Value {
    json!({"type": "object", "description": description,
        "additionalProperties": {"type": "integer", "minimum": 0}})
}

pub(super) fn time() -> Value {
    json!({"type": "string", "format": "date-time"})
}

pub(super) fn time_or_null() -> Value {
    json!({"type": ["string", "null"], "format": "date-time"})
}

pub(super) fn text_or_null() -> Value {
    json!({"type": ["string", "null"]})
}

impl Schema for PricesAnswer {
    const NAME: &'static str = "PricesAnswer";
    fn schema() -> Value {
        exactly(json!({
            "accepted": {"type": "integer", "minimum": 0},
            "closed": {"type": "array", "items": exactly(json!({
                "signal_id": {"type": "string", "format": "uuid"},
                "reason": {"type": "string"},
                "exit_price": {"type": ["string", "null"]},
                "return_pct": {"type": ["number", "null"]},
                "closed_at": time(),
            }))},
        }))
    }
}

fn entry<T: Schema>() -> (String, Value) {
    (T::NAME.to_owned(), T::schema())
}

/// Every response schema, by name.
pub fn schemas() -> Map<String, Value> {
    [
        entry::<SignalAccepted>(),
        entry::<SignalSummary>(),
        entry::<SignalPage>(),
        entry::<SignalDetail>(),
        entry::<OutcomeAnswer>(),
        entry::<PricesAnswer>(),
        entry::<PerformanceReport>(),
        entry::<crate::domain::performance::Summary>(),
        entry::<crate::domain::performance::Figures>(),
        entry::<StatsReport>(),
        entry::<Token>(),
        entry::<crate::store::Subscription>(),
        entry::<crate::store::UserSummary>(),
        entry::<UserPage>(),
        entry::<UserDetail>(),
        entry::<PreferencesChanged>(),
        entry::<SubscriptionChanged>(),
        entry::<Activity>(),
        entry::<AuditPage>(),
        entry::<Health>(),
        entry::<Ready>(),
        entry::<crate::store::Payment>(),
        entry::<PaymentPage>(),
        entry::<crate::http::mini_app::MiniAppMe>(),
        entry::<crate::http::mini_app::InvoiceLink>(),
        entry::<crate::http::webhooks_api::WebhookCreated>(),
        entry::<crate::http::webhooks_api::WebhookList>(),
    ]
    .into_iter()
    .collect()
}
