//! Signals in, messages out: the signal API, the delivery queue's pacing, retries and outcomes,
//! and replies sent through the same way out.

mod channels;
mod charts;
mod fanout;
mod queue;
mod replies;
mod signals_api;
