//! Answers of the signal endpoints.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Schema, counts, exactly, reference, time};
use crate::domain::signal::Signal;
use crate::store::{DeliveryCounts, DeliveryStatus, StoredOutcome, StoredSignal};

/// `POST /api/signals`: 202 for a new signal, 200 for a repeat of one.
#[derive(Debug, Serialize)]
pub struct SignalAccepted {
    pub id: Uuid,
    pub status: &'static str,
    pub recipients: i64,
}

impl SignalAccepted {
    pub fn queued(stored: &StoredSignal) -> Self {
        Self {
            id: stored.signal.id,
            status: "queued",
            recipients: stored.recipients,
        }
    }
}

impl Schema for SignalAccepted {
    const NAME: &'static str = "SignalAccepted";
    fn schema() -> Value {
        exactly(json!({
            "id": {"type": "string", "format": "uuid"},
            "status": {"const": "queued"},
            "recipients": {"type": "integer", "minimum": 0},
        }))
    }
}

#[derive(Debug, Serialize)]
pub struct SignalSummary {
    pub signal: Signal,
    pub accepted_at: DateTime<Utc>,
    pub recipients: i64,
}

impl From<&StoredSignal> for SignalSummary {
    fn from(stored: &StoredSignal) -> Self {
        Self {
            signal: stored.signal.clone(),
            accepted_at: stored.accepted_at,
            recipients: stored.recipients,
        }
    }
}

fn summary_properties() -> Value {
    json!({
        "signal": {"type": "object", "description": "the signal as accepted"},
        "accepted_at": time(),
        "recipients": {"type": "integer", "minimum": 0},
    })
}

impl Schema for SignalSummary {
    const NAME: &'static str = "SignalSummary";
    fn schema() -> Value {
        exactly(summary_properties())
    }
}

/// `GET /api/signals`, newest first.
#[derive(Debug, Serialize)]
pub struct SignalPage {
    pub signals: Vec<SignalSummary>,
    /// The cursor of the next page, when there may be one.
    pub next: Option<String>,
}

impl Schema for SignalPage {
    const NAME: &'static str = "SignalPage";
    fn schema() -> Value {
        exactly(json!({
            "signals": {"type": "array", "items": reference(SignalSummary::NAME)},
            "next": {"type": ["string", "null"], "description": "cursor of the next page"},
        }))
    }
}

/// `GET /api/signals/{id}`: the summary with a count for every delivery status.
#[derive(Debug, Serialize)]
pub struct SignalDetail {
    #[serde(flatten)]
    pub summary: SignalSummary,
    pub deliveries: BTreeMap<&'static str, i64>,
}

impl SignalDetail {
    pub fn new(stored: &StoredSignal, counts: &DeliveryCounts) -> Self {
        Self {
            summary: SignalSummary::from(stored),
            deliveries: DeliveryStatus::ALL
                .into_iter()
                .map(|status| (status.as_str(), counts.get(&status).copied().unwrap_or(0)))
                .collect(),
        }
    }
}

impl Schema for SignalDetail {
    const NAME: &'static str = "SignalDetail";
    fn schema() -> Value {
        let mut properties = summary_properties();
        properties["deliveries"] = counts("count of deliveries per status");
        exactly(properties)
    }
}

/// `POST /api/signals/{id}/outcome`.
#[derive(Debug, Serialize)]
pub struct OutcomeAnswer {
    pub outcome: StoredOutcome,
}

impl Schema for OutcomeAnswer {
    const NAME: &'static str = "OutcomeAnswer";
    fn schema() -> Value {
        exactly(json!({"outcome": exactly(json!({
            "signal_id": {"type": "string", "format": "uuid"},
            "reason": {"type": "string"},
            "note": {"type": ["string", "null"]},
            "entry_price": {"type": "string"},
            "exit_price": {"type": ["string", "null"]},
            "return_pct": {"type": ["number", "null"]},
            "opened_at": time(),
            "closed_at": time(),
            "closed_by": {"type": ["string", "null"], "format": "uuid",
                "description": "the close signal that announced it"},
        }))}))
    }
}
