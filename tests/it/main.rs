//! Herald's one integration-test binary: every test spawns what it needs (a database of its own,
//! and where needed the whole app with its own Bot API emulator) and runs on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bot;
mod console;
mod delivery;
mod harness;
mod ops;
mod payments;
mod performance;
mod positions;
mod security;
mod store;
