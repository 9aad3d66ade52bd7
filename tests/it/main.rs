//! Herald's one integration-test binary: every test spawns what it needs (a database of its own,
//! and where needed the whole app with its own Bot API emulator) and runs on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bot_account;
mod bot_admin;
mod bot_chat;
mod bot_commands;
mod bot_load;
mod bot_onboarding;
mod bot_settings;
mod delivery;
mod harness;
mod ops_alerts;
mod ops_docs;
mod ops_health;
mod ops_metrics;
mod ops_openapi;
mod ops_reload;
mod ops_replicas;
mod ops_support;
mod ops_webhook;
mod security_encryption;
mod security_fuzz_smoke;
mod security_hostile;
mod security_login;
mod security_logs;
mod security_matrix;
mod security_network;
mod security_retention;
mod security_support;
mod security_users;
mod signals_api;
mod store_conformance;
