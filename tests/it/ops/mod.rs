//! Operating Herald: alerts, docs, exports, health and readiness, metrics, OpenAPI, outgoing
//! webhooks, reload, replicas, webhook mode.

mod alerts;
mod docs;
mod exports;
pub mod health;
mod metrics;
mod openapi;
mod outgoing_webhooks;
mod reload;
mod replicas;
mod webhook;
