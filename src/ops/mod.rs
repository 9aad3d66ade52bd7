//! Running Herald in production: alerts to admins, Telegram's health, Prometheus metrics, logs
//! and the shutdown signal.

pub mod alerts;
pub mod health;
pub mod metrics;
pub mod shutdown;
pub mod telemetry;
