//! `GET /api/openapi.json`: the OpenAPI 3.1 document of the HTTP API, built from the route table
//! (`routes.rs`). Each row carries its [`Doc`]; what the row's shape already says is derived, not
//! written again: the security scheme from its access rule, 401/403/429 from the guard, 404 from
//! an `{id}` in the path, 400/413/422 from a request body, 400/422 from query parameters.
//! Response schemas come from the typed answers (`answers`), so the two cannot drift.

mod schemas;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::Json;
use serde_json::{Map, Value, json};

use super::answers::reference;
use super::routes::{Access, Route, routes};

/// What the document says of one route beyond what its row already shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Doc {
    pub tag: &'static str,
    pub summary: &'static str,
    /// The schema of the request body, when the route reads one.
    pub request: Option<&'static str>,
    pub query: &'static [Param],
    /// The success answer first, then any status the row's shape does not imply.
    pub answers: &'static [Answer],
}

/// A query parameter; none is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    pub name: &'static str,
    /// The JSON Schema type: `string`, `integer` or `boolean`.
    pub kind: &'static str,
    pub description: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: Body,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// JSON of this schema.
    Json(&'static str),
    /// JSON that is not described further (this document).
    AnyJson,
    /// Plain text (Prometheus metrics).
    Text,
    /// RFC 4180 CSV with a header line (exports).
    Csv,
    /// No body.
    Empty,
}

impl Doc {
    pub const fn new(tag: &'static str, summary: &'static str) -> Self {
        Self {
            tag,
            summary,
            request: None,
            query: &[],
            answers: &[],
        }
    }

    pub const fn request(self, schema: &'static str) -> Self {
        Self {
            request: Some(schema),
            ..self
        }
    }

    pub const fn query(self, query: &'static [Param]) -> Self {
        Self { query, ..self }
    }

    pub const fn answers(self, answers: &'static [Answer]) -> Self {
        Self { answers, ..self }
    }
}

impl Param {
    pub const fn new(name: &'static str, kind: &'static str, description: &'static str) -> Self {
        Self {
            name,
            kind,
            description,
        }
    }
}

/// `status` with a JSON body of schema `schema`.
pub const fn json(status: u16, schema: &'static str) -> Answer {
    Answer {
        status,
        body: Body::Json(schema),
    }
}

/// `status` with the error body.
pub const fn error(status: u16) -> Answer {
    json(status, "Error")
}

pub const fn answer(status: u16, body: Body) -> Answer {
    Answer { status, body }
}

/// `GET /api/openapi.json`.
pub async fn serve() -> Json<Value> {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    Json(DOCUMENT.get_or_init(document).clone())
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for route in routes() {
        let entry = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| json!({}));
        if let Value::Object(methods) = entry {
            methods.insert(route.method.as_str().to_ascii_lowercase(), describe(&route));
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
                "miniApp": {"type": "apiKey", "in": "header", "name": "Authorization",
                    "description": "`tma <initData>`: the Mini App's launch data, signed by Telegram for this bot"},
            },
            "schemas": schemas::components(),
        },
    })
}

/// The error statuses a row implies by its shape.
fn implied_errors(route: &Route) -> Vec<u16> {
    let mut statuses = match route.access {
        Access::Probe => vec![],
        Access::Public => vec![429],
        Access::ApiKey(_) | Access::KeyOrAdmin(_) | Access::Admin | Access::MiniApp => {
            vec![401, 403, 429]
        }
    };
    if route.ip_restricted() {
        statuses.push(403);
    }
    if path_parameters(route.path).next().is_some() {
        statuses.push(404);
    }
    if route.doc.request.is_some() {
        statuses.extend([400, 413, 422]);
    }
    if !route.doc.query.is_empty() {
        statuses.extend([400, 422]);
    }
    statuses
}

fn describe(route: &Route) -> Value {
    let doc = &route.doc;
    let mut responses: BTreeMap<String, Value> = implied_errors(route)
        .into_iter()
        .map(|status| (status.to_string(), response(status, Body::Json("Error"))))
        .collect();
    for answer in doc.answers {
        responses.insert(
            answer.status.to_string(),
            response(answer.status, answer.body),
        );
    }
    let security = match route.access {
        Access::Probe | Access::Public => json!([]),
        Access::ApiKey(_) => json!([{"apiKey": []}]),
        Access::KeyOrAdmin(_) => json!([{"apiKey": []}, {"jwt": []}]),
        Access::Admin => json!([{"jwt": []}]),
        Access::MiniApp => json!([{"miniApp": []}]),
    };
    let method = route.method.as_str().to_ascii_lowercase();
    let mut out = json!({
        "summary": doc.summary,
        "tags": [doc.tag],
        "operationId": format!("{method}{}", route.path.replace(['/', '{', '}', '.'], "_")),
        "responses": responses,
        "security": security,
    });
    let mut parameters: Vec<Value> = path_parameters(route.path)
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    parameters.extend(doc.query.iter().map(|param| {
        json!({"name": param.name, "in": "query", "required": false,
               "description": param.description, "schema": {"type": param.kind}})
    }));
    if !parameters.is_empty() {
        out["parameters"] = Value::Array(parameters);
    }
    if let Some(schema) = doc.request {
        out["requestBody"] = json!({"required": true, "content": {"application/json":
            {"schema": reference(schema)}}});
    }
    out
}

fn response(status: u16, body: Body) -> Value {
    let description = reason(status);
    match body {
        Body::Json(schema) => json!({"description": description,
            "content": {"application/json": {"schema": reference(schema)}}}),
        Body::AnyJson => json!({"description": description,
            "content": {"application/json": {"schema": {}}}}),
        Body::Text => json!({"description": description,
            "content": {"text/plain": {"schema": {"type": "string"}}}}),
        Body::Csv => json!({"description": description,
            "content": {"text/csv": {"schema": {"type": "string"}}}}),
        Body::Empty => json!({"description": description}),
    }
}

/// `{id}` segments of a path template.
pub fn path_parameters(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "Done; no body",
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
mod tests;
