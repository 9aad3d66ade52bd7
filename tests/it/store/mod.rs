//! The store contract, run as one story on both backends.

mod conformance;
