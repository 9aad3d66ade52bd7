//! From a queued delivery row to a message in a Telegram chat, within Telegram's limits.

pub mod dispatcher;
pub mod limits;
pub mod message;
pub mod outcome;

pub use dispatcher::Dispatcher;
