//! What the emulator records and reports: bot messages, callback answers, events, counters.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One message as the chat holds it. Bot messages only, unless noted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub message_id: i64,
    pub chat_id: i64,
    /// The text as the bot sent it, tags and all (latest version after edits).
    pub text: Option<String>,
    /// The text after entity parsing: what the user reads.
    pub plain_text: Option<String>,
    pub parse_mode: Option<String>,
    pub reply_markup: Option<serde_json::Value>,
    pub reply_to_message_id: Option<i64>,
    pub disable_notification: bool,
    pub protect_content: bool,
    pub photo: Option<PhotoInfo>,
    /// Photo caption as sent (raw, with tags).
    pub caption: Option<String>,
    /// Earlier texts, oldest first; the current one is `text`.
    pub edits: Vec<String>,
    pub deleted: bool,
    pub date: i64,
}

/// The largest size of a sent photo.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoInfo {
    pub file_id: String,
    pub file_unique_id: String,
    pub width: u32,
    pub height: u32,
    /// Size of the uploaded file in bytes.
    pub bytes: usize,
}

/// One answerCallbackQuery call that succeeded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackAnswer {
    pub callback_query_id: String,
    pub text: Option<String>,
    pub show_alert: bool,
    pub url: Option<String>,
}

/// Notifications for in-process observers ([`crate::EmulatorHandle::subscribe`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EmulatorEvent {
    MessageSent {
        chat_id: i64,
        message_id: i64,
    },
    MessageEdited {
        chat_id: i64,
        message_id: i64,
    },
    MessageDeleted {
        chat_id: i64,
        message_id: i64,
    },
    CallbackAnswered {
        callback_query_id: String,
    },
    /// A send was refused with 429 (flood limit or scripted).
    RateLimited {
        chat_id: i64,
    },
    /// The user blocked the bot.
    Blocked {
        chat_id: i64,
    },
    Unblocked {
        chat_id: i64,
    },
    /// An update was queued for getUpdates or the webhook.
    UpdateQueued {
        update_id: i64,
    },
    /// A getUpdates call found nothing and is now long-polling.
    PollWaiting,
    /// A getUpdates call answered with these updates (a redelivery lists an id again).
    UpdatesFetched {
        update_ids: Vec<i64>,
    },
    /// A webhook POST for this update was answered 2xx.
    WebhookDelivered {
        update_id: i64,
    },
    /// Any Bot API call with a known method (canonical spelling).
    Call {
        method: &'static str,
    },
}

/// Totals since start.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Calls per method, canonical names (e.g. "sendMessage"), unknown methods excluded.
    pub calls: BTreeMap<String, u64>,
    /// Successful sendMessage, sendPhoto and editMessageText calls (the rate-limited ones).
    pub sends_ok: u64,
    /// 429 answers.
    pub rate_limited: u64,
    /// 403 answers.
    pub forbidden: u64,
    /// 400 answers.
    pub bad_requests: u64,
    /// Injected 5xx answers.
    pub server_errors: u64,
    /// Connections closed without an answer (both before and after the send).
    pub dropped: u64,
    /// Answers delayed by the slow fault.
    pub slowed: u64,
    /// Successful sends per unix second, oldest first.
    pub sends_per_second: Vec<(i64, u64)>,
    /// The most successful sends seen in any sliding one-second window.
    pub max_sends_in_one_second: u64,
}

/// The webhook as currently set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookState {
    pub url: String,
    pub secret_token: Option<String>,
    pub max_connections: u32,
    pub allowed_updates: Option<Vec<String>>,
    pub pending_update_count: usize,
    /// Updates answered 2xx by the receiver.
    pub delivered: u64,
    pub last_error_date: Option<i64>,
    pub last_error_message: Option<String>,
}
