//! The in-process API: start an emulator, drive simulated users, inspect what the bot did.
//! Wave-2 features (channels, Mini Apps, inline mode, payments) are in `handle_features`.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::broadcast;

use crate::config::{EmulatorConfig, Faults, Limits};
use crate::core::Core;
use crate::error::EmulatorError;
use crate::methods::default_scope_commands;
use crate::model::{CallbackAnswer, ChatMessage, Counters, EmulatorEvent, WebhookState};
use crate::server;
use crate::types::{TgBotCommand, TgUser};

/// Starts emulators. Each one is independent: its own port, state and randomness.
#[derive(Clone, Copy, Debug)]
pub struct Emulator;

impl Emulator {
    /// Starts an emulator on 127.0.0.1 with an OS-chosen port.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<EmulatorHandle> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        Self::start_on(config, listener).await
    }

    /// Starts an emulator on a listener the caller bound.
    pub async fn start_on(
        config: EmulatorConfig,
        listener: TcpListener,
    ) -> std::io::Result<EmulatorHandle> {
        let addr = listener.local_addr()?;
        let core = Arc::new(Core::new(&config));
        let router = server::router(core.clone());
        core.tasks
            .spawn(server::serve(core.clone(), listener, router));
        Ok(EmulatorHandle { core, addr })
    }
}

/// A running emulator. Cheap to clone; every clone drives the same instance.
///
/// Dropping the handles does not stop the server (the end of the runtime does):
/// call [`EmulatorHandle::stop`] to free the port.
#[derive(Clone)]
pub struct EmulatorHandle {
    pub(crate) core: Arc<Core>,
    addr: SocketAddr,
}

impl fmt::Debug for EmulatorHandle {
    // The token stays out of debug output, like out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("addr", &self.addr)
            .field("bot", &self.core.bot.username)
            .finish_non_exhaustive()
    }
}

impl EmulatorHandle {
    /// `http://127.0.0.1:PORT`; the Bot API lives at `{base_url}/bot{token}/{method}`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn token(&self) -> String {
        self.core.token.clone()
    }

    /// The bot's own User (`is_bot: true`), as getMe and bot messages show it.
    pub fn bot_user(&self) -> TgUser {
        self.core.bot.clone()
    }

    /// A new user with a private chat whose id equals the user id. Ids are unique and positive.
    pub fn create_user(
        &self,
        first_name: &str,
        username: Option<&str>,
        language_code: Option<&str>,
    ) -> TgUser {
        self.core.create_user(first_name, username, language_code)
    }

    /// A new basic group (negative id) with these members.
    pub fn create_group(&self, title: &str, members: &[i64]) -> i64 {
        self.core.lock().add_group(title, members)
    }

    /// The user writes `text` in `chat_id`; queues the Update and returns the message id.
    ///
    /// # Panics
    /// If the user or chat does not exist, the user is not a member or is deactivated: that is a
    /// mistake in the test. [`EmulatorHandle::try_send_text`] returns it instead.
    pub fn send_text(&self, user_id: i64, chat_id: i64, text: &str) -> i64 {
        match self.try_send_text(user_id, chat_id, text) {
            Ok(id) => id,
            Err(e) => panic!("send_text: {e}"),
        }
    }

    pub fn try_send_text(
        &self,
        user_id: i64,
        chat_id: i64,
        text: &str,
    ) -> Result<i64, EmulatorError> {
        self.core.user_text(user_id, chat_id, text)
    }

    /// The user replies to message `reply_to` of `chat_id` with `text`; the bot's Update carries
    /// `reply_to_message`. Returns the new message's id; errors if there is no such message (or
    /// it was deleted), as the apps offer Reply only on a message in view.
    pub fn send_reply(
        &self,
        user_id: i64,
        chat_id: i64,
        reply_to: i64,
        text: &str,
    ) -> Result<i64, EmulatorError> {
        self.core.user_reply(user_id, chat_id, reply_to, text)
    }

    /// Messages `(user, chat, text)` sent at the same moment: one getUpdates answer carries them
    /// all, as when they pile up while the bot is not polling. Returns their message ids.
    pub fn send_texts_together(&self, texts: &[(i64, i64, &str)]) -> Vec<i64> {
        match self.core.user_texts(texts) {
            Ok(ids) => ids,
            Err(e) => panic!("send_texts_together: {e}"),
        }
    }

    /// The user presses the button with `callback_data` on bot message `message_id`; queues a
    /// callback_query Update and returns its id. Errors if there is no such message or button.
    pub fn press_button(
        &self,
        user_id: i64,
        chat_id: i64,
        message_id: i64,
        callback_data: &str,
    ) -> Result<String, EmulatorError> {
        self.core
            .user_press(user_id, chat_id, message_id, callback_data, true)
    }

    /// Like [`EmulatorHandle::press_button`] in the user's private chat, but with any data, on
    /// the keyboard or not: a tampered client, for testing that the bot does not trust callback
    /// data.
    pub fn press_forged(
        &self,
        user_id: i64,
        message_id: i64,
        data: &str,
    ) -> Result<String, EmulatorError> {
        self.core
            .user_press(user_id, user_id, message_id, data, false)
    }

    /// The user blocks the bot: sends answer 403 and a `my_chat_member` (member → kicked)
    /// update is queued.
    ///
    /// # Panics
    /// If the user does not exist.
    pub fn block_bot(&self, user_id: i64) {
        if let Err(e) = self.core.set_blocked(user_id, true) {
            panic!("block_bot: {e}");
        }
    }

    /// Undoes [`EmulatorHandle::block_bot`], queueing a kicked → member update.
    ///
    /// # Panics
    /// If the user does not exist.
    pub fn unblock_bot(&self, user_id: i64) {
        if let Err(e) = self.core.set_blocked(user_id, false) {
            panic!("unblock_bot: {e}");
        }
    }

    /// The user deletes their account: sends answer 403 `Forbidden: user is deactivated`.
    ///
    /// # Panics
    /// If the user does not exist.
    pub fn deactivate_user(&self, user_id: i64) {
        if let Err(e) = self.core.deactivate(user_id) {
            panic!("deactivate_user: {e}");
        }
    }

    /// Every bot message the chat holds, oldest first; deleted ones are kept and flagged.
    pub fn messages(&self, chat_id: i64) -> Vec<ChatMessage> {
        self.core.bot_messages(chat_id)
    }

    /// Successful answerCallbackQuery calls, oldest first.
    pub fn callback_answers(&self) -> Vec<CallbackAnswer> {
        self.core.lock().answers.clone()
    }

    /// Commands set for the default scope and this language (`None`: all languages).
    pub fn commands(&self, language_code: Option<&str>) -> Vec<TgBotCommand> {
        default_scope_commands(&self.core, language_code.unwrap_or(""))
    }

    /// Resolves as soon as the chat holds at least `count` bot messages (deleted ones count).
    pub async fn wait_for_messages(
        &self,
        chat_id: i64,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<ChatMessage>, EmulatorError> {
        let mut changes = self.core.watch_messages();
        let have = || {
            let state = self.core.lock();
            state.chats.get(&chat_id).map_or(0, |c| c.bot_messages)
        };
        let wait = async {
            while have() < count {
                if changes.changed().await.is_err() {
                    break;
                }
            }
        };
        match tokio::time::timeout(timeout, wait).await {
            Ok(()) if have() >= count => Ok(self.messages(chat_id)),
            _ => Err(EmulatorError::Timeout {
                chat_id,
                have: have(),
                want: count,
            }),
        }
    }

    /// Events from now on. A receiver that falls more than 4096 events behind loses the oldest.
    pub fn subscribe(&self) -> broadcast::Receiver<EmulatorEvent> {
        self.core.subscribe()
    }

    pub fn counters(&self) -> Counters {
        self.core.counters.snapshot()
    }

    /// Replaces the flood limits at once; every bucket starts full again.
    pub fn set_limits(&self, limits: Limits) {
        self.core.set_limits(limits);
    }

    pub fn limits(&self) -> Limits {
        self.core.lock().limiter.limits().clone()
    }

    pub fn set_faults(&self, faults: Faults) {
        self.core.faults.set(faults);
    }

    pub fn faults(&self) -> Faults {
        self.core.faults.get()
    }

    /// The next `count` sends to `chat_id` answer 429 with this `retry_after`, before any other
    /// check and without sending.
    pub fn fail_next_sends(&self, chat_id: i64, count: u32, retry_after: u32) {
        self.core
            .faults
            .fail_next_sends(chat_id, count, retry_after);
    }

    /// Updates queued and not yet confirmed (getUpdates) or delivered (webhook).
    pub fn pending_updates(&self) -> usize {
        self.core.updates.pending_count()
    }

    pub fn webhook_info(&self) -> Option<WebhookState> {
        self.core.webhook_state()
    }

    /// Stops accepting connections, ends long polls and webhook deliveries, lets requests in
    /// flight finish (up to a few seconds), and frees the port.
    pub async fn stop(self) {
        self.core.cancel.cancel();
        self.core.tasks.close();
        self.core.tasks.wait().await;
    }
}
