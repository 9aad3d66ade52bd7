//! JSON Schemas of the bodies in the OpenAPI document, written from PRODUCT §2 and the handlers.

use serde_json::{Value, json};

pub fn components() -> Value {
    let price = json!({"type": "number", "exclusiveMinimum": 0});
    json!({
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
        "SignalAccepted": {
            "type": "object",
            "required": ["id", "status", "recipients"],
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "status": {"const": "queued"},
                "recipients": {"type": "integer", "minimum": 0},
            },
        },
        "SignalSummary": {
            "type": "object",
            "required": ["signal", "accepted_at", "recipients"],
            "properties": {
                "signal": {"type": "object", "description": "the signal as accepted"},
                "accepted_at": {"type": "string", "format": "date-time"},
                "recipients": {"type": "integer"},
            },
        },
        "SignalPage": {
            "type": "object",
            "required": ["signals", "next"],
            "properties": {
                "signals": {"type": "array", "items": {"$ref": "#/components/schemas/SignalSummary"}},
                "next": {"type": ["string", "null"], "description": "cursor of the next page"},
            },
        },
        "SignalDetail": {
            "allOf": [{"$ref": "#/components/schemas/SignalSummary"}, {
                "type": "object",
                "required": ["deliveries"],
                "properties": {"deliveries": {
                    "type": "object",
                    "description": "count of deliveries per status",
                    "additionalProperties": {"type": "integer"},
                }},
            }],
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
        "Token": {
            "type": "object",
            "required": ["token"],
            "properties": {
                "token": {"type": "string", "description": "HS256 JWT, valid 15 minutes"},
                "expires_at": {"type": "string", "format": "date-time"},
            },
        },
        "User": {
            "type": "object",
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "telegram_id": {"type": "integer"},
                "username": {"type": ["string", "null"]},
                "first_name": {"type": ["string", "null"]},
                "last_name": {"type": ["string", "null"]},
                "is_active": {"type": "boolean"},
                "tier": {"type": "string", "enum": ["free", "premium"]},
                "subscribed": {"type": "boolean"},
            },
        },
        "UserPage": {
            "type": "object",
            "properties": {
                "users": {"type": "array", "items": {"$ref": "#/components/schemas/User"}},
                "next": {"type": ["string", "null"]},
            },
        },
        "UserDetail": {
            "type": "object",
            "properties": {
                "user": {"$ref": "#/components/schemas/User"},
                "preferences": {"$ref": "#/components/schemas/Preferences"},
                "deliveries": {"type": "object", "additionalProperties": {"type": "integer"}},
            },
        },
        "Preferences": {"type": "object", "description": "the user's preferences as stored"},
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
            },
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
        "AuditPage": {
            "type": "object",
            "properties": {
                "events": {"type": "array", "items": {"type": "object"}},
                "next": {"type": ["integer", "null"]},
            },
        },
        "Health": {
            "type": "object",
            "required": ["status", "database", "telegram"],
            "properties": {
                "status": {"enum": ["ok", "degraded"]},
                "database": {"enum": ["ok", "unavailable"]},
                "telegram": {"enum": ["ok", "unavailable"]},
            },
        },
        "Ready": {
            "type": "object",
            "required": ["status", "database", "telegram", "migrations"],
            "properties": {
                "status": {"enum": ["ready", "unavailable", "draining"]},
                "database": {"enum": ["ok", "unavailable"]},
                "telegram": {"enum": ["ok", "unavailable"]},
                "migrations": {"enum": ["current", "pending", "unknown"]},
            },
        },
    })
}
