//! The signal use cases, called by the HTTP edge and the scheduler:
//! - `ingest`: accepting a signal from the engine, an engine's close included;
//! - `outcomes`: closing the signals the engine did not close (reported outcomes, price updates,
//!   expiry), and the performance figures of `/api/stats`.
//!
//! Both commit a fan-out job with each signal, which `fanout` expands into delivery rows in the
//! background (deciding each recipient with `planning`); both record closes with `closing` and
//! keep the performance category in `similar`, so neither reaches into the other. Each use case has its own error
//! enum; the edge turns it into its answer (an HTTP status, a log line).

pub mod closing;
pub mod fanout;
pub mod ingest;
pub mod outcomes;
mod planning;
pub mod similar;

pub use similar::SimilarCache;
