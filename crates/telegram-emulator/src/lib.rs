//! Telegram Bot API emulator: a local stand-in for api.telegram.org.
//!
//! It speaks the Bot API wire format (`{base}/bot{token}/{method}`, JSON, form and multipart
//! bodies, `{"ok":…}` answers), enforces Telegram's limits and error strings, queues updates for
//! getUpdates or a webhook, and lets tests play the users' side: write to the bot, press its
//! buttons, block it. Faults (5xx, slow answers, dropped connections, scripted 429s) can be
//! injected with a seeded RNG.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use telegram_emulator::{Emulator, EmulatorConfig};
//! let tg = Emulator::start(EmulatorConfig::default()).await?;
//! let alice = tg.create_user("Alice", Some("alice"), Some("en"));
//! tg.send_text(alice.id, alice.id, "/start");
//! // … point the bot at tg.base_url(), then:
//! let replies = tg
//!     .wait_for_messages(alice.id, 1, std::time::Duration::from_secs(5))
//!     .await;
//! # let _ = replies; tg.stop().await; Ok(()) }
//! ```
//!
//! Layout: `server` (HTTP, dispatch, faults) → `methods/*` (one file per method group) →
//! `state` (users, chats, messages) and `updates` (queue, long polls, webhook settings).
//! `users`, `inline` and `payments` are the simulated users' side; `control` exposes it over
//! HTTP; `webapp` signs Mini App launch data.

mod config;
mod control;
mod control_features;
mod core;
mod counters;
mod error;
mod faults;
mod handle;
mod handle_features;
pub mod html;
mod inline;
mod limits;
pub mod markdown;
mod methods;
mod model;
mod params;
mod payments;
mod server;
mod state;
pub mod types;
mod updates;
mod users;
pub mod webapp;
mod webhook;

pub use config::{
    EmulatorConfig, Faults, Limits, TELEGRAM_GLOBAL_BURST, TELEGRAM_GLOBAL_PER_SEC,
    TELEGRAM_GROUP_PER_MIN, TELEGRAM_PAID_BROADCAST_PER_SEC, TELEGRAM_PER_CHAT_BURST,
    TELEGRAM_PER_CHAT_PER_SEC,
};
pub use error::EmulatorError;
pub use handle::{Emulator, EmulatorHandle};
pub use inline::{INLINE_QUERY_TIMEOUT, MAX_INLINE_QUERY_LEN};
pub use model::{
    Button, ButtonKind, CallbackAnswer, ChatMessage, Counters, EmulatorEvent, InlineAnswer,
    Payment, PhotoInfo, PreCheckoutAnswer, WebhookState,
};
pub use payments::PRE_CHECKOUT_TIMEOUT;
pub use types::{TgBotCommand, TgMenuButton, TgUser};
pub use webapp::{init_data_hash, launch_url, sign_init_data};
pub use webhook::SECRET_HEADER;
