//! Integration tests: every rule, driven over real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;

mod blocking;
mod commands;
mod control;
mod edit;
mod faults;
mod formatting;
mod instances;
mod limits;
mod photo;
mod send;
mod teloxide;
mod updates;
mod webhook;
mod wire;
