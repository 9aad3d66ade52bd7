//! Running Herald in production: Telegram's health, Prometheus metrics, logs, the open-file
//! limit and the shutdown signal.

pub mod health;
pub mod metrics;
mod open_files;
pub mod shutdown;
pub mod telemetry;

pub use open_files::{fit_to_open_files, raise_open_file_limit};
