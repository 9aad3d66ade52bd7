//! Herald delivers AI trading signals to Telegram users in real time.
pub mod domain;
