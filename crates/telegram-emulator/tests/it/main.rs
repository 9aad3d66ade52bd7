//! Integration tests: every rule, driven over real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;

mod blocking;
mod buttons;
mod channels;
mod commands;
mod control;
mod control_features;
mod edit;
mod faults;
mod formatting;
mod inline;
mod instances;
mod limits;
mod menu;
mod paid_broadcast;
mod payments;
mod photo;
mod send;
mod teloxide;
mod updates;
mod webapp;
mod webhook;
mod wire;
