//! `GET /api/openapi.json`: the OpenAPI 3.1 document of the HTTP API, built from [`OPERATIONS`].
//!
//! A test (`tests/it/ops/openapi.rs`) lists the routes the real router serves and fails when an
//! operation here has no route or a route has no operation: adding a route means adding a line
//! here.

mod schemas;

use std::sync::OnceLock;

use axum::Json;
use serde_json::{Map, Value, json};

/// How a caller proves who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    None,
    /// `X-API-Key` (signal engine).
    ApiKey,
    /// `X-API-Key` or an admin JWT.
    ApiKeyOrJwt,
    /// Admin JWT (`Authorization: Bearer`).
    Jwt,
}

/// One documented operation. `request` and `response` name schemas in `schemas::components`.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    pub tag: &'static str,
    pub auth: Auth,
    pub request: Option<&'static str>,
    /// The success status and the schema of its body (`None`: text or empty).
    pub success: (u16, Option<&'static str>),
    /// Error statuses this operation can answer, all with the `Error` body.
    pub errors: &'static [u16],
    /// Query parameters: name, schema type, description.
    pub query: &'static [(&'static str, &'static str, &'static str)],
}

const fn op(method: &'static str, path: &'static str, summary: &'static str) -> Operation {
    Operation {
        method,
        path,
        summary,
        tag: "signals",
        auth: Auth::None,
        request: None,
        success: (200, None),
        errors: &[],
        query: &[],
    }
}

/// Every operation of the HTTP API (the Telegram webhook route is not part of it: only Telegram
/// calls it, at the path of `HERALD_WEBHOOK_URL`).
pub const OPERATIONS: &[Operation] = &[
    Operation {
        tag: "signals",
        auth: Auth::ApiKey,
        request: Some("SignalRequest"),
        success: (202, Some("SignalAccepted")),
        errors: &[400, 401, 409, 413, 422, 429],
        ..op(
            "post",
            "/api/signals",
            "Submit a signal (idempotent on `id`; 200 for a repeat)",
        )
    },
    Operation {
        tag: "signals",
        auth: Auth::ApiKeyOrJwt,
        success: (200, Some("SignalPage")),
        errors: &[400, 401, 422, 429],
        query: &[
            ("asset", "string", "only this asset, e.g. BTC/USD"),
            ("type", "string", "buy, sell, close or alert"),
            ("since", "string", "RFC 3339 time, inclusive"),
            ("until", "string", "RFC 3339 time, exclusive"),
            ("cursor", "string", "the `next` value of the previous page"),
            ("limit", "integer", "1 to 200, default 50"),
        ],
        ..op("get", "/api/signals", "List signals, newest first")
    },
    Operation {
        tag: "signals",
        auth: Auth::ApiKeyOrJwt,
        success: (200, Some("SignalDetail")),
        errors: &[401, 404, 429],
        ..op(
            "get",
            "/api/signals/{id}",
            "One signal with its delivery counts",
        )
    },
    Operation {
        tag: "performance",
        auth: Auth::ApiKey,
        request: Some("OutcomeRequest"),
        success: (201, None),
        errors: &[400, 401, 404, 409, 413, 422, 429],
        ..op(
            "post",
            "/api/signals/{id}/outcome",
            "Close a buy or sell at an exit price (200 for an identical retry)",
        )
    },
    Operation {
        tag: "performance",
        auth: Auth::ApiKey,
        request: Some("PriceUpdates"),
        errors: &[400, 401, 413, 422, 429],
        ..op(
            "post",
            "/api/prices",
            "Price updates (one or a batch); open signals whose target or stop is crossed close",
        )
    },
    Operation {
        tag: "performance",
        auth: Auth::ApiKeyOrJwt,
        errors: &[400, 401, 422, 429],
        query: &[
            ("period", "string", "today, 7d, 30d or all (default all)"),
            ("asset", "string", "only this asset, e.g. BTC/USD"),
            (
                "tz",
                "string",
                "IANA zone whose midnight starts \"today\" (default UTC)",
            ),
        ],
        ..op(
            "get",
            "/api/performance",
            "Statistics with every breakdown and the equity curve",
        )
    },
    Operation {
        tag: "performance",
        auth: Auth::ApiKey,
        errors: &[401, 429],
        ..op("get", "/api/stats", "Delivery and performance figures")
    },
    Operation {
        tag: "operations",
        success: (200, Some("Health")),
        ..op(
            "get",
            "/api/health",
            "Liveness: 200 while the process serves",
        )
    },
    Operation {
        tag: "operations",
        success: (200, Some("Ready")),
        errors: &[503],
        ..op(
            "get",
            "/api/ready",
            "Readiness: database, Telegram and migrations",
        )
    },
    Operation {
        tag: "operations",
        ..op("get", "/metrics", "Prometheus metrics (text format)")
    },
    Operation {
        tag: "operations",
        ..op("get", "/api/openapi.json", "This document")
    },
    Operation {
        tag: "admin",
        request: Some("LoginRequest"),
        success: (200, Some("Token")),
        errors: &[400, 401, 422, 429],
        ..op(
            "post",
            "/api/auth/login",
            "Admin login: name + password + TOTP code → a 15-minute token",
        )
    },
    Operation {
        tag: "admin",
        auth: Auth::Jwt,
        success: (200, Some("UserPage")),
        errors: &[400, 401, 403, 422, 429],
        query: &[
            (
                "q",
                "string",
                "a Telegram id, or text in the username or names",
            ),
            ("tier", "string", "free or premium"),
            (
                "active",
                "boolean",
                "only active (true) or inactive (false) users",
            ),
            ("cursor", "string", "the `next` value of the previous page"),
            ("limit", "integer", "1 to 200, default 50"),
        ],
        ..op("get", "/api/users", "List users, searchable")
    },
    Operation {
        tag: "admin",
        auth: Auth::Jwt,
        success: (200, Some("UserDetail")),
        errors: &[401, 403, 404, 429],
        ..op(
            "get",
            "/api/users/{id}",
            "One user with preferences and delivery counts",
        )
    },
    Operation {
        tag: "admin",
        auth: Auth::Jwt,
        errors: &[401, 403, 404, 429],
        ..op(
            "delete",
            "/api/users/{id}",
            "Erase a user (deliveries stay, anonymised, for statistics)",
        )
    },
    Operation {
        tag: "admin",
        auth: Auth::Jwt,
        request: Some("PreferencesPatch"),
        success: (200, Some("Preferences")),
        errors: &[400, 401, 403, 404, 422, 429],
        ..op(
            "put",
            "/api/users/{id}/preferences",
            "Change preferences (validated like the bot's /filter)",
        )
    },
    Operation {
        tag: "admin",
        auth: Auth::Jwt,
        request: Some("TierRequest"),
        errors: &[400, 401, 403, 404, 422, 429],
        ..op(
            "put",
            "/api/users/{id}/tier",
            "Grant a tier, optionally until a date",
        )
    },
    Operation {
        tag: "admin",
        auth: Auth::Jwt,
        errors: &[401, 403, 404, 429],
        ..op(
            "delete",
            "/api/users/{id}/tier",
            "Revoke a tier (back to free)",
        )
    },
    Operation {
        tag: "admin",
        auth: Auth::Jwt,
        errors: &[401, 403, 404, 429],
        ..op(
            "post",
            "/api/users/{id}/deactivate",
            "Stop all deliveries to a user",
        )
    },
    Operation {
        tag: "admin",
        auth: Auth::Jwt,
        errors: &[401, 403, 404, 429],
        ..op(
            "post",
            "/api/users/{id}/activate",
            "Resume deliveries to a user",
        )
    },
    Operation {
        tag: "admin",
        auth: Auth::Jwt,
        success: (200, Some("AuditPage")),
        errors: &[400, 401, 403, 422, 429],
        query: &[
            ("category", "string", "audit or security"),
            ("action", "string", "e.g. user.settings, auth.login"),
            ("actor", "string", "who acted"),
            ("target", "string", "what was acted on"),
            ("since", "string", "RFC 3339 time, inclusive"),
            ("cursor", "integer", "the `next` value of the previous page"),
            ("limit", "integer", "1 to 200, default 50"),
        ],
        ..op(
            "get",
            "/api/audit",
            "The audit and security log, newest first",
        )
    },
];

/// `GET /api/openapi.json`.
pub async fn serve() -> Json<Value> {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    Json(DOCUMENT.get_or_init(document).clone())
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for operation in OPERATIONS {
        let entry = paths
            .entry(operation.path.to_owned())
            .or_insert_with(|| json!({}));
        if let Value::Object(methods) = entry {
            methods.insert(operation.method.to_owned(), describe(operation));
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Herald",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Delivers AI trading signals to Telegram users. Errors share one body: \
                {\"error\": {\"code\", \"message\", \"fields\"}}. Rate-limited answers are 429 with Retry-After.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "jwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
            "schemas": schemas::components(),
        },
    })
}

fn describe(operation: &Operation) -> Value {
    let mut responses = Map::new();
    let (status, body) = operation.success;
    responses.insert(
        status.to_string(),
        match (body, operation.path) {
            (Some(schema), _) => json_response("OK", schema),
            (None, "/metrics") => json!({"description": "OK",
                "content": {"text/plain": {"schema": {"type": "string"}}}}),
            (None, _) => {
                json!({"description": "OK", "content": {"application/json": {"schema": {}}}})
            }
        },
    );
    for status in operation.errors {
        let schema = if *status == 503 && operation.path == "/api/ready" {
            "Ready"
        } else {
            "Error"
        };
        responses.insert(status.to_string(), json_response(reason(*status), schema));
    }
    let mut out = json!({
        "summary": operation.summary,
        "tags": [operation.tag],
        "operationId": format!("{}{}", operation.method, operation.path.replace(['/', '{', '}', '.'], "_")),
        "responses": responses,
    });
    let security = match operation.auth {
        Auth::None => json!([]),
        Auth::ApiKey => json!([{"apiKey": []}]),
        Auth::ApiKeyOrJwt => json!([{"apiKey": []}, {"jwt": []}]),
        Auth::Jwt => json!([{"jwt": []}]),
    };
    out["security"] = security;
    let mut parameters: Vec<Value> = path_parameters(operation.path)
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    parameters.extend(operation.query.iter().map(|(name, kind, description)| {
        json!({"name": name, "in": "query", "required": false,
               "description": description, "schema": {"type": kind}})
    }));
    if !parameters.is_empty() {
        out["parameters"] = Value::Array(parameters);
    }
    if let Some(schema) = operation.request {
        out["requestBody"] = json!({"required": true, "content": {"application/json":
            {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    }
    out
}

fn json_response(description: &str, schema: &str) -> Value {
    json!({"description": description, "content": {"application/json":
        {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}})
}

/// `{id}` segments of a path template.
pub fn path_parameters(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Malformed request",
        401 => "Missing or wrong credentials",
        403 => "Forbidden",
        404 => "Not found",
        409 => "Conflict",
        413 => "Body too large",
        422 => "A rule is broken; `fields` names each",
        429 => "Rate limited; see Retry-After",
        503 => "Unavailable",
        _ => "Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_resolves() {
        let doc = document();
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for reference in text.split("#/components/schemas/").skip(1) {
            let name: String = reference
                .chars()
                .take_while(|c| c.is_alphanumeric())
                .collect();
            assert!(schemas.contains_key(&name), "missing schema {name}");
        }
        assert_eq!(
            doc["paths"]["/api/signals/{id}"]["get"]["parameters"][0]["name"],
            "id"
        );
    }
}
