//! Running Herald in production: Telegram's health, Prometheus metrics, logs
//! and the shutdown signal.

pub mod health;
pub mod metrics;
pub mod shutdown;
pub mod telemetry;
