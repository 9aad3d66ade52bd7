//! Herald's rules, free of I/O: no `sqlx`, `axum`, `reqwest`, `teloxide` or `tokio::net` here.
//! Everything in this module is a pure function of its inputs, so it is tested in place.

pub mod filter;
pub mod i18n;
pub mod performance;
pub mod position;
pub mod preferences;
pub mod price_alert;
pub mod recipients;
pub mod render;
pub mod sharing;
pub mod signal;
pub mod tier;
