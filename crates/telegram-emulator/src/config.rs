//! Configuration: identity of the emulated bot, Telegram's flood limits, injected faults.

use serde::{Deserialize, Serialize};

/// How one emulator instance is set up.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EmulatorConfig {
    /// The bot token clients must put in `/bot{token}/`. The part before `:` is the bot's user id,
    /// as with real tokens.
    pub token: String,
    pub bot_username: String,
    pub limits: Limits,
    /// Seeds every random choice (fault injection, ids), so runs are reproducible.
    pub seed: u64,
    /// Telegram's test environment, where Mini Apps may be served over plain http ("you can
    /// use HTTP links without TLS to test your Mini App"); the production one takes https only.
    pub test_environment: bool,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            token: "123456:TEST-TOKEN".to_owned(),
            bot_username: "herald_test_bot".to_owned(),
            limits: Limits::telegram(),
            seed: 0,
            test_environment: false,
        }
    }
}

/// One message per second per chat: "avoid sending more than one message per second. We may
/// allow short bursts that go over this limit" — <https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this>.
pub const TELEGRAM_PER_CHAT_PER_SEC: f64 = 1.0;
/// The "short burst" a single chat may take before 429s; Telegram does not document a number.
pub const TELEGRAM_PER_CHAT_BURST: u32 = 3;
/// "The API will not allow more than 30 messages per second or so" for bulk notifications (same FAQ).
pub const TELEGRAM_GLOBAL_PER_SEC: f64 = 30.0;
/// One second's worth of tokens: a client pacing itself at exactly 30/s never sees a 429, even
/// with scheduling jitter, while anything faster is refused within about a second.
pub const TELEGRAM_GLOBAL_BURST: u32 = 30;
/// "Your bot will not be able to send more than 20 messages per minute to the same group" (same
/// FAQ); channels are held to it too.
pub const TELEGRAM_GROUP_PER_MIN: u32 = 20;
/// Paid broadcasts allow "up to 1000 messages per second" (`allow_paid_broadcast`, sendMessage docs).
pub const TELEGRAM_PAID_BROADCAST_PER_SEC: f64 = 1000.0;

/// Flood limits, applied to every sending method (sendMessage, sendPhoto, editMessageText).
///
/// Each limit is a token bucket: a request needs one token from every bucket it touches (the
/// global one — or the paid one for sends with `allow_paid_broadcast` —, its chat's, and for groups
/// and channels the per-minute one); a refused request takes none.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    pub enabled: bool,
    pub per_chat_per_sec: f64,
    pub per_chat_burst: u32,
    /// The free bulk limit, for sends without `allow_paid_broadcast`.
    pub global_per_sec: f64,
    pub global_burst: u32,
    /// Applied to groups and channels (negative chat ids) on top of the per-chat limit.
    pub group_per_min: u32,
    /// Sends with `allow_paid_broadcast` draw from this bucket instead of the global one.
    #[serde(default = "paid_per_sec")]
    pub paid_per_sec: f64,
    #[serde(default = "paid_burst")]
    pub paid_burst: u32,
}

fn paid_per_sec() -> f64 {
    TELEGRAM_PAID_BROADCAST_PER_SEC
}

fn paid_burst() -> u32 {
    TELEGRAM_PAID_BROADCAST_PER_SEC as u32
}

impl Limits {
    /// Telegram's published free limits.
    pub fn telegram() -> Self {
        Limits {
            enabled: true,
            per_chat_per_sec: TELEGRAM_PER_CHAT_PER_SEC,
            per_chat_burst: TELEGRAM_PER_CHAT_BURST,
            global_per_sec: TELEGRAM_GLOBAL_PER_SEC,
            global_burst: TELEGRAM_GLOBAL_BURST,
            group_per_min: TELEGRAM_GROUP_PER_MIN,
            paid_per_sec: paid_per_sec(),
            paid_burst: paid_burst(),
        }
    }

    /// No limits at all, for throughput benchmarks.
    pub fn unlimited() -> Self {
        Limits {
            enabled: false,
            ..Limits::telegram()
        }
    }

    /// Telegram's limits with the global rate raised to what paid broadcast allows, for every send
    /// with or without `allow_paid_broadcast` (for clients that do not pass the flag).
    pub fn paid_broadcast() -> Self {
        Limits {
            global_per_sec: TELEGRAM_PAID_BROADCAST_PER_SEC,
            global_burst: TELEGRAM_PAID_BROADCAST_PER_SEC as u32,
            ..Limits::telegram()
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::telegram()
    }
}

/// Random faults, each drawn independently per sending request with the given probability
/// (0.0–1.0). All zero by default.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Faults {
    /// Answer 500 or 502 without performing the send.
    pub server_error_rate: f64,
    /// Perform the send, then wait `slow_ms` before answering.
    pub slow_rate: f64,
    pub slow_ms: u64,
    /// Close the connection without an answer; the send did not happen.
    pub drop_before_rate: f64,
    /// Perform the send, then close the connection without an answer: the client cannot know
    /// that the message was delivered.
    pub drop_after_rate: f64,
}

impl Faults {
    pub(crate) fn any(&self) -> bool {
        self.server_error_rate > 0.0
            || self.slow_rate > 0.0
            || self.drop_before_rate > 0.0
            || self.drop_after_rate > 0.0
    }
}
