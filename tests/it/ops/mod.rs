//! Operating Herald: alerts, docs, exports, health and readiness, metrics, OpenAPI, reload, replicas,
//! webhook mode.

mod alerts;
mod docs;
mod exports;
pub mod health;
mod metrics;
mod openapi;
mod reload;
mod replicas;
mod webhook;
