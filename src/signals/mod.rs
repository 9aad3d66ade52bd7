//! Use cases of signals: accepting one from the engine (`ingest`), and closing it with an outcome
//! (`outcomes`: engine closes, reported outcomes, price updates, expiry).

pub mod ingest;
pub mod outcomes;
