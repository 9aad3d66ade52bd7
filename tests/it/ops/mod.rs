//! Operating Herald: alerts, docs, health and readiness, metrics, OpenAPI, reload, replicas, webhook mode.

mod alerts;
mod docs;
pub mod health;
mod metrics;
mod openapi;
mod reload;
mod replicas;
mod webhook;
