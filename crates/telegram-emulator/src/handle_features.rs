//! The in-process API for channels, Mini Apps, the menu button, inline mode and Stars payments.

use std::time::Duration;

use crate::error::EmulatorError;
use crate::handle::EmulatorHandle;
use crate::model::{ChatMessage, InlineAnswer, Payment, PreCheckoutAnswer};
use crate::types::TgMenuButton;

impl EmulatorHandle {
    /// A public channel `@username` (id -100…) whose subscribers are `members`, with the bot as
    /// an administrator: it can post, getChat resolves `@username`, and the 20-per-minute limit
    /// applies. Subscribers cannot post.
    pub fn create_channel(&self, title: &str, username: &str, members: &[i64]) -> i64 {
        self.core.lock().add_channel(title, username, members)
    }

    /// The user taps the `web_app` button labelled `text` on bot message `message_id` in their
    /// private chat (the only place Telegram shows such buttons): returns the Mini App's URL the
    /// client opens (and emits `WebAppOpened`).
    pub fn open_web_app(
        &self,
        user_id: i64,
        message_id: i64,
        text: &str,
    ) -> Result<String, EmulatorError> {
        self.core.user_open_web_app(user_id, message_id, text)
    }

    /// The user taps the menu button of their chat with the bot; it must open a Mini App.
    pub fn open_menu_app(&self, user_id: i64) -> Result<String, EmulatorError> {
        self.core.user_open_menu_app(user_id)
    }

    /// The menu button a private chat shows (`None`: the default for every chat).
    pub fn menu_button(&self, chat_id: Option<i64>) -> TgMenuButton {
        self.core.lock().menu_button(chat_id)
    }

    /// The user types `@bot query` in their chat with the bot: queues an `inline_query` update
    /// and returns its id. The bot has [`crate::INLINE_QUERY_TIMEOUT`] to answer.
    pub fn inline_query(&self, user_id: i64, query: &str) -> Result<String, EmulatorError> {
        self.core.user_inline_query(user_id, user_id, query)
    }

    /// The user types `@bot query` in `chat_id`, a group they are in (or their chat with the
    /// bot): as [`EmulatorHandle::inline_query`], with that chat's `chat_type`.
    pub fn inline_query_in(
        &self,
        user_id: i64,
        chat_id: i64,
        query: &str,
    ) -> Result<String, EmulatorError> {
        self.core.user_inline_query(user_id, chat_id, query)
    }

    /// The user presses the button labelled `text` on bot message `message_id` in `chat_id`.
    /// For `switch_inline_query` they pick `target_chat_id` (a group they are in, or their chat
    /// with the bot) and the client types `@bot <query>` there; `switch_inline_query_current_chat`
    /// types it in `chat_id`. Returns the id of the queued `inline_query`.
    pub fn press_switch_inline(
        &self,
        user_id: i64,
        chat_id: i64,
        message_id: i64,
        text: &str,
        target_chat_id: i64,
    ) -> Result<String, EmulatorError> {
        self.core
            .user_switch_inline(user_id, chat_id, message_id, text, target_chat_id)
    }

    /// The user sends result `result_id` of the bot's answer to their query `inline_query_id`:
    /// it becomes their message, `via_bot`, in the chat they typed the query in (and an update
    /// for the bot). Returns the message.
    pub fn choose_inline_result(
        &self,
        user_id: i64,
        inline_query_id: &str,
        result_id: &str,
    ) -> Result<ChatMessage, EmulatorError> {
        self.core
            .user_choose_inline_result(user_id, inline_query_id, result_id)
    }

    /// Telegram stops accepting every file_id handed out so far (as after the bot's files were
    /// moved, or for ids of another bot): sending one answers 400 "wrong file identifier/HTTP URL
    /// specified". Photos already in chats stay.
    pub fn revoke_file_ids(&self) {
        self.core.lock().files.clear();
    }

    /// Every message of the chat, the users' too (`sender` set), oldest first.
    pub fn chat_messages(&self, chat_id: i64) -> Vec<ChatMessage> {
        self.core.all_messages(chat_id)
    }

    /// Successful answerInlineQuery calls, oldest first.
    pub fn inline_answers(&self) -> Vec<InlineAnswer> {
        self.core.lock().inline_answers.clone()
    }

    /// The user pays an invoice link from createInvoiceLink: queues a `pre_checkout_query`
    /// update and returns its id. If the bot answers `ok` in time, a `successful_payment`
    /// message follows; otherwise the payment fails (`PaymentFailed`).
    pub fn pay_invoice(&self, user_id: i64, link: &str) -> Result<String, EmulatorError> {
        self.core.pay_invoice(user_id, link)
    }

    /// Telegram charges the next period of the subscription `charge_id` belongs to: a new
    /// `successful_payment` (recurring, not first) extending the latest expiration date.
    pub fn renew_subscription(
        &self,
        user_id: i64,
        charge_id: &str,
    ) -> Result<Payment, EmulatorError> {
        self.core.renew_subscription(user_id, charge_id)
    }

    /// Every payment made, oldest first (refunds flagged).
    pub fn payments(&self) -> Vec<Payment> {
        self.core.lock().payments.payments.clone()
    }

    /// Accepted answerPreCheckoutQuery calls, oldest first.
    pub fn pre_checkout_answers(&self) -> Vec<PreCheckoutAnswer> {
        self.core.lock().payments.answers.clone()
    }

    /// Shortens (or lengthens) the pre-checkout deadline, for tests of a bot that is too slow.
    pub fn set_pre_checkout_timeout(&self, timeout: Duration) {
        self.core.lock().payments.pre_checkout_timeout = timeout;
    }
}
