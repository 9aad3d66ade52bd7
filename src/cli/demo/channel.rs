//! The demo's free channel: signals posted once to `@herald_demo_free`, in Spanish and compact,
//! as `herald channel add @herald_demo_free --lang es --format compact` would set it up.

use chrono::Utc;
use telegram_emulator::EmulatorHandle;

use crate::domain::i18n::Lang;
use crate::domain::preferences::{MessageFormat, Tier};
use crate::domain::signal::SignalKind;
use crate::store::{Channel, Store};

pub const NAME: &str = "Channel @herald_demo_free";

pub const HOW: &str = "Signals are also posted to the free channel @herald_demo_free (Spanish, compact), as `herald channel add @herald_demo_free --lang es --format compact` sets up.";

/// Creates the channel in the emulator (the bot its administrator) and registers it; its id.
pub async fn register(emulator: &EmulatorHandle, store: &Store) -> anyhow::Result<i64> {
    let chat_id = emulator.create_channel("Herald Free Signals", "herald_demo_free", &[]);
    store
        .save_channel(&Channel {
            chat_id,
            title: "Herald Free Signals".into(),
            username: Some("herald_demo_free".into()),
            tier: Tier::Free,
            signal_types: vec![SignalKind::Buy, SignalKind::Sell],
            assets: Vec::new(),
            language: Lang::Es,
            format: MessageFormat::Compact,
            added_at: Utc::now(),
        })
        .await?;
    Ok(chat_id)
}
