//! JSON Schemas of the request bodies and of the error body; the answers' schemas are beside
//! their types (`http::answers`).

use serde_json::{Value, json};

use crate::http::answers;

pub(super) fn components() -> Value {
    let price = json!({"type": "number", "exclusiveMinimum": 0});
    let mut schemas = json!({
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "examples": ["invalid", "unauthorized"]},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            }},
        },
        "SignalRequest": {
            "type": "object",
            "required": ["type", "asset"],
            "properties": {
                "id": {"type": "string", "format": "uuid", "description": "idempotency key"},
                "type": {"enum": ["buy", "sell", "close", "alert"]},
                "asset": {"type": "string", "pattern": "^[A-Za-z0-9/._-]{1,32}$"},
                "entry_price": price,
                "target_price": price,
                "stop_loss": price,
                "timeframe": {"enum": ["1m", "5m", "15m", "30m", "1H", "4H", "1D"]},
                "confidence": {"type": "integer", "minimum": 0, "maximum": 100},
                "source_model": {"type": "string"},
                "market_context": {"type": "string"},
                "notes": {"type": "array", "maxItems": 10, "items": {"type": "string", "maxLength": 200}},
                "generated_at": {"type": "string", "format": "date-time"},
                "closes": {"type": "string", "format": "uuid", "description": "close: the signal it ends"},
                "exit_price": price,
                "message": {"type": "string", "description": "alert: the text"},
            },
        },
        "OutcomeRequest": {
            "type": "object",
            "required": ["exit_price"],
            "additionalProperties": false,
            "properties": {
                "exit_price": price,
                "closed_at": {"type": "string", "format": "date-time"},
                "reason": {"type": "string"},
            },
        },
        "PriceUpdate": {
            "type": "object",
            "required": ["asset", "price"],
            "additionalProperties": false,
            "properties": {
                "asset": {"type": "string"},
                "price": price,
                "at": {"type": "string", "format": "date-time"},
            },
        },
        "PriceUpdates": {
            "oneOf": [
                {"$ref": "#/components/schemas/PriceUpdate"},
                {"type": "array", "maxItems": 1000, "items": {"$ref": "#/components/schemas/PriceUpdate"}},
            ],
        },
        "LoginRequest": {
            "type": "object",
            "required": ["name", "password", "totp"],
            "additionalProperties": false,
            "properties": {
                "name": {"type": "string"},
                "password": {"type": "string"},
                "totp": {"type": "string", "pattern": "^[0-9]{6}$"},
            },
        },
        "PreferencesPatch": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "confidence_threshold": {"type": "integer", "minimum": 0, "maximum": 100},
                "signal_types": {"type": "object", "additionalProperties": {"type": "string", "enum": ["on", "silent", "off"]}},
                "notification_hours": {"type": "object", "properties": {"start": {"type": "integer"}, "end": {"type": "integer"}}},
                "timezone": {"type": "string", "examples": ["Europe/Berlin"]},
                "format": {"type": "string", "enum": ["detailed", "compact"]},
                "performance_updates": {"type": "string", "enum": ["daily", "weekly", "never"]},
                "language": {"type": "string", "enum": ["en", "es"]},
                "assets": {"type": "array", "items": {"type": "string"}},
                "muted_assets": {"type": "array", "items": {"type": "string"}, "description": "never sent, followed or not; [] un-mutes all"},
                "charts": {"type": "boolean", "description": "a chart above buy and sell signals, where the tier includes charts"},
            },
        },
        "NewWebhook": {
            "type": "object",
            "required": ["url", "events"],
            "additionalProperties": false,
            "properties": {
                "url": {"type": "string", "format": "uri", "description": "https (http only to this machine)"},
                "events": {"type": "array", "minItems": 1, "items": {"type": "string",
                    "enum": crate::webhooks::EVENT_TYPES}},
                "description": {"type": "string", "maxLength": 200},
            },
        },
        "InvoiceRequest": {
            "type": "object",
            "required": ["plan"],
            "additionalProperties": false,
            "properties": {"plan": {"type": "string", "examples": ["premium_monthly"]}},
        },
        "TierRequest": {
            "type": "object",
            "required": ["tier"],
            "additionalProperties": false,
            "properties": {
                "tier": {"type": "string", "enum": ["free", "premium"]},
                "expires_at": {"type": "string", "format": "date-time"},
            },
        },
    });
    if let Value::Object(schemas) = &mut schemas {
        schemas.extend(answers::schemas());
    }
    schemas
}
