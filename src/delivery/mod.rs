//! From a queued delivery row to a message in a Telegram chat: the queue-driven dispatcher and the
//! messages it sends, with their buttons. Pacing, sending and reading Telegram's answers are `telegram`'s.

pub mod buttons;
pub mod charts;
pub mod dispatcher;
pub mod message;
mod photo;
mod recorder;

pub use dispatcher::Dispatcher;
