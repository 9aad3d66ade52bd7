//! Signals in, messages out: the signal API and the delivery queue's pacing, retries and outcomes.

mod queue;
mod signals_api;
