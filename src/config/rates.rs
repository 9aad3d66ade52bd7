//! How fast Herald sends and may be talked to: the global send rate, each user's command rate,
//! and the dispatcher's knobs.

use std::time::Duration;

use super::ConfigError;
use super::file::FileConfig;
use super::reader::Reader;

/// Telegram allows up to 1000 messages/s with paid broadcasts (`allow_paid_broadcast`).
pub const TELEGRAM_PAID_RATE: u32 = 1000;
/// Higher rates only make sense against a local Bot API server or the emulator (benchmarks).
pub const MAX_GLOBAL_RATE: u32 = 100_000;
/// Higher only for benchmarks, where simulated users send commands back to back.
const MAX_COMMAND_RATE: u32 = 100_000;
/// Commands one user may send per minute unless `HERALD_COMMAND_RATE` says otherwise.
pub const DEFAULT_COMMAND_RATE: u32 = 20;
/// Telegram's broadcast limit without paid broadcasts: about 30 messages per second
/// (<https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this>).
const DEFAULT_GLOBAL_RATE: u32 = 30;

/// Knobs of the dispatcher; defaults follow Telegram's documented limits.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// Telegram: "avoid sending more than one message per second" to one chat.
    pub per_chat_interval: Duration,
    /// Telegram: at most 20 messages per minute to the same group.
    pub group_per_minute: u32,
    /// Attempts for 5xx/network failures before a delivery is `failed`.
    pub max_attempts: u32,
    /// Requests to Telegram in flight at once, at most: the dispatcher keeps as many in flight as
    /// fill the rate at the latency it observes, up to this.
    pub max_in_flight: usize,
    /// `HERALD_PAID_BROADCAST`: deliveries carry `allow_paid_broadcast` (0.1 Star per message
    /// past the free 30/s), which lets the global rate go up to 1000/s.
    pub paid_broadcast: bool,
    /// `HERALD_FANOUT_CHUNK`: audience members read and written per fan-out transaction after a
    /// signal's first (small) chunk.
    pub fanout_chunk: usize,
}

/// Large enough that a million recipients take 200 transactions, small enough that one holds
/// the write lock (SQLite) for a few tens of milliseconds.
const DEFAULT_FANOUT_CHUNK: usize = 5_000;

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            per_chat_interval: Duration::from_secs(1),
            group_per_minute: 20,
            max_attempts: 8,
            max_in_flight: 512,
            paid_broadcast: false,
            fanout_chunk: DEFAULT_FANOUT_CHUNK,
        }
    }
}

/// What this section reads; `Config` keeps the fields flat.
pub(super) struct Rates {
    pub global_rate: u32,
    pub command_rate: u32,
    pub paid_broadcast: bool,
    pub fanout_chunk: usize,
}

/// Telegram's free bulk limit; above it only paid broadcasts go through.
pub const TELEGRAM_FREE_RATE: u32 = 30;

/// `api_url` is the Bot API's address: the limits below are Telegram's own, and a local Bot API
/// server or the emulator may be driven faster.
pub(super) fn load(
    reader: &Reader,
    file: &FileConfig,
    api_url: &str,
) -> Result<Rates, ConfigError> {
    let global_rate = reader.number(
        "HERALD_GLOBAL_RATE",
        file.global_rate,
        DEFAULT_GLOBAL_RATE,
        1..=MAX_GLOBAL_RATE,
        "messages per second",
    )?;
    let paid_broadcast = reader.boolean("HERALD_PAID_BROADCAST", file.paid_broadcast, false)?;
    let official = reqwest::Url::parse(api_url)
        .ok()
        .and_then(|url| url.host_str().map(|host| host == "api.telegram.org"))
        .unwrap_or(false);
    if official && !paid_broadcast && global_rate > TELEGRAM_FREE_RATE {
        return Err(ConfigError::new(
            "HERALD_GLOBAL_RATE",
            format!(
                "{global_rate}/s is above Telegram's {TELEGRAM_FREE_RATE}/s: set HERALD_PAID_BROADCAST=true to send up to {TELEGRAM_PAID_RATE}/s with paid broadcasts (0.1 Star per message)"
            ),
        ));
    }
    if official && global_rate > TELEGRAM_PAID_RATE {
        return Err(ConfigError::new(
            "HERALD_GLOBAL_RATE",
            format!(
                "{global_rate}/s is above Telegram's paid-broadcast limit of {TELEGRAM_PAID_RATE}/s"
            ),
        ));
    }
    if global_rate > TELEGRAM_PAID_RATE {
        tracing::warn!(
            global_rate,
            "HERALD_GLOBAL_RATE is above Telegram's paid-broadcast limit of 1000/s; only a local Bot API server or the emulator accepts that"
        );
    }
    let command_rate = reader.number(
        "HERALD_COMMAND_RATE",
        file.command_rate,
        DEFAULT_COMMAND_RATE,
        1..=MAX_COMMAND_RATE,
        "commands per user per minute",
    )?;
    let fanout_chunk = reader.number(
        "HERALD_FANOUT_CHUNK",
        None,
        DEFAULT_FANOUT_CHUNK,
        1..=100_000,
        "recipients per fan-out chunk",
    )?;
    Ok(Rates {
        global_rate,
        command_rate,
        paid_broadcast,
        fanout_chunk,
    })
}
