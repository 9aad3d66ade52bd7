//! The shared core of one emulator: state, update queue, faults, counters and notifications.
//! Everything is per instance; several emulators can run in one process.

use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Instant;

use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::{EmulatorConfig, Limits};
use crate::counters::CounterSet;
use crate::faults::FaultInjector;
use crate::model::{EmulatorEvent, WebhookState};
use crate::state::State;
use crate::types::TgUser;
use crate::updates::UpdateQueue;

/// Events kept for slow subscribers before they start missing some.
const EVENT_CAPACITY: usize = 4096;

/// Bot id used when the token does not start with a number.
const FALLBACK_BOT_ID: i64 = 123_456;

#[derive(Debug)]
pub(crate) struct Core {
    pub token: String,
    /// Mini App URLs may be http (Telegram's test environment).
    pub test_environment: bool,
    pub bot: TgUser,
    pub state: Mutex<State>,
    pub updates: UpdateQueue,
    pub faults: FaultInjector,
    pub counters: CounterSet,
    events: broadcast::Sender<EmulatorEvent>,
    /// Bumped whenever a chat gains a bot message; `wait_for_messages` waits on it.
    messages_version: watch::Sender<u64>,
    pub cancel: CancellationToken,
    pub tasks: TaskTracker,
    /// Client for webhook deliveries, built on first use.
    http: OnceLock<reqwest::Client>,
}

impl Core {
    pub(crate) fn new(config: &EmulatorConfig) -> Self {
        let id = config
            .token
            .split(':')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(FALLBACK_BOT_ID);
        let bot = TgUser {
            id,
            is_bot: true,
            first_name: display_name(&config.bot_username),
            last_name: None,
            username: Some(config.bot_username.clone()),
            language_code: None,
        };
        Core {
            token: config.token.clone(),
            test_environment: config.test_environment,
            bot,
            state: Mutex::new(State::new(config.limits.clone(), config.seed)),
            updates: UpdateQueue::new(),
            faults: FaultInjector::new(config.seed),
            counters: CounterSet::new(),
            events: broadcast::Sender::new(EVENT_CAPACITY),
            messages_version: watch::Sender::new(0),
            cancel: CancellationToken::new(),
            tasks: TaskTracker::new(),
            http: OnceLock::new(),
        }
    }

    pub(crate) fn http_client(&self) -> &reqwest::Client {
        self.http.get_or_init(reqwest::Client::new)
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // Every mutation is a few field writes; a panic mid-way cannot leave a state worth
        // refusing to serve, so a poisoned lock is used as is.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Publishes an event, building it only if someone listens.
    pub(crate) fn emit(&self, event: impl FnOnce() -> EmulatorEvent) {
        if self.events.receiver_count() > 0 {
            let _ = self.events.send(event());
        }
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<EmulatorEvent> {
        self.events.subscribe()
    }

    pub(crate) fn messages_changed(&self) {
        self.messages_version
            .send_modify(|v| *v = v.wrapping_add(1));
    }

    pub(crate) fn watch_messages(&self) -> watch::Receiver<u64> {
        self.messages_version.subscribe()
    }
}

impl Core {
    pub(crate) fn set_limits(&self, limits: Limits) {
        self.lock().limiter.set(limits, Instant::now());
    }

    pub(crate) fn webhook_state(&self) -> Option<WebhookState> {
        let q = self.updates.lock();
        let hook = q.webhook.as_ref()?;
        Some(WebhookState {
            url: hook.url.clone(),
            secret_token: hook.secret_token.clone(),
            max_connections: hook.max_connections,
            allowed_updates: q.allowed.clone(),
            pending_update_count: q.pending.len(),
            delivered: hook.delivered,
            last_error_date: hook.last_error_date,
            last_error_message: hook.last_error_message.clone(),
        })
    }
}

/// "herald_test_bot" → "Herald Test": the name a bot's profile would show.
fn display_name(username: &str) -> String {
    let base = username
        .strip_suffix("_bot")
        .or_else(|| username.strip_suffix("bot"))
        .unwrap_or(username);
    let words: Vec<String> = base
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|c| c.to_uppercase().chain(cs).collect())
                .unwrap_or_default()
        })
        .collect();
    if words.is_empty() {
        username.to_owned()
    } else {
        words.join(" ")
    }
}

/// Current unix time in seconds.
pub(crate) fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bot_identity_from_config() {
        let core = Core::new(&EmulatorConfig::default());
        assert_eq!(core.bot.id, 123_456);
        assert!(core.bot.is_bot);
        assert_eq!(core.bot.first_name, "Herald Test");
        assert_eq!(display_name("x"), "X");
    }
}
