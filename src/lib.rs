//! Herald delivers AI trading signals to Telegram users in real time.
pub mod config;
pub mod domain;
pub mod store;
