//! Herald's one integration-test binary: every test spawns what it needs (a database of its own,
//! and where needed the whole app with its own Bot API emulator) and runs on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bot_commands;
mod harness;
mod performance_command;
mod performance_outcomes;
mod performance_reports;
mod performance_support;
mod performance_world;
mod signals_api;
mod store_conformance;
