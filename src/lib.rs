//! Herald delivers AI trading signals to Telegram users in real time.
//!
//! The life of one signal:
//! 1. `http::signals` receives `POST /api/signals` and hands the body to `signals::ingest`.
//! 2. `domain::signal::parse_signal` checks every rule and returns a typed `Signal`.
//! 3. `ingest` asks `store` for subscribers and `domain::recipients::decide` for each one
//!    (`signals::planning`).
//! 4. `store` writes the signal and one delivery row per recipient in one transaction; only then
//!    does the API answer 202.
//! 5. `delivery::dispatcher` (on the elected leader) claims due rows, marks them `sending`, books
//!    their slots with `telegram::limits` and renders them with `delivery::message`.
//! 6. `telegram::Outbound` sends; `telegram::retry` turns a failure into retry / blocked / failed,
//!    and `store` records it.
//!
//! Users talk to the bot through `bot`: updates are stored in an inbox first, then handled.
//!
//! The edges (`http`, `bot`, `scheduler`, `cli`) parse input and render output; what they do is
//! a use case (`signals`, `accounts`, `broadcasts`, `price_alerts`, `positions`), which calls `domain` and `store` and has its
//! own error enum, mapped at the edge to an HTTP status or a bot reply.

pub mod accounts;
pub mod app;
pub mod auth;
pub mod billing;
pub mod bot;
pub mod broadcasts;
pub mod charts;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod delivery;
pub mod domain;
pub mod http;
pub mod ops;
pub mod positions;
pub mod price_alerts;
pub mod scheduler;
pub mod signals;
pub mod store;
pub mod telegram;
pub mod webhooks;
