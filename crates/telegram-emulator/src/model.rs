//! What the emulator records and reports: bot messages, callback answers, events, counters.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::types::{TgInlineKeyboardMarkup, TgInlineQueryResultArticle};

/// One message as the chat holds it. Bot messages only, unless noted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub message_id: i64,
    pub chat_id: i64,
    /// The user who wrote it; `None` for the bot's own (see `EmulatorHandle::chat_messages`).
    #[serde(default)]
    pub sender: Option<i64>,
    /// Sent by a user from one of the bot's inline results.
    #[serde(default)]
    pub via_bot: bool,
    /// The text as the bot sent it, tags and all (latest version after edits).
    pub text: Option<String>,
    /// The text after entity parsing: what the user reads.
    pub plain_text: Option<String>,
    pub parse_mode: Option<String>,
    pub reply_markup: Option<serde_json::Value>,
    /// The inline keyboard's buttons, row by row, with what each does.
    pub buttons: Vec<Vec<Button>>,
    pub reply_to_message_id: Option<i64>,
    pub disable_notification: bool,
    pub protect_content: bool,
    /// Sent with `allow_paid_broadcast` (and paid for in Stars).
    pub paid_broadcast: bool,
    pub photo: Option<PhotoInfo>,
    /// Photo caption as sent (raw, with tags).
    pub caption: Option<String>,
    /// Earlier texts, oldest first; the current one is `text`.
    pub edits: Vec<String>,
    pub deleted: bool,
    pub date: i64,
}

/// One inline keyboard button as the user sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    pub text: String,
    pub kind: ButtonKind,
}

/// What pressing a button does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum ButtonKind {
    /// Sends a callback_query with this data.
    Callback(String),
    /// Opens this link.
    Url(String),
    /// Opens this Mini App.
    WebApp(String),
    /// Copies this text to the clipboard, in the client.
    CopyText(String),
    /// Lets the user pick a chat and starts an inline query there with this text.
    SwitchInlineQuery(String),
    /// Starts an inline query with this text in the same chat.
    SwitchInlineQueryCurrentChat(String),
    /// Any other action, by its field name (`login_url`, `pay`, …).
    Other(String),
}

impl Button {
    pub(crate) fn rows(markup: &TgInlineKeyboardMarkup) -> Vec<Vec<Button>> {
        markup
            .inline_keyboard
            .iter()
            .map(|row| {
                row.iter()
                    .map(|b| {
                        let kind = if let Some(d) = &b.callback_data {
                            ButtonKind::Callback(d.clone())
                        } else if let Some(u) = &b.url {
                            ButtonKind::Url(u.clone())
                        } else if let Some(w) = &b.web_app {
                            ButtonKind::WebApp(w.url.clone())
                        } else if let Some(c) = &b.copy_text {
                            ButtonKind::CopyText(c.text.clone())
                        } else if let Some(q) = &b.switch_inline_query {
                            ButtonKind::SwitchInlineQuery(q.clone())
                        } else if let Some(q) = &b.switch_inline_query_current_chat {
                            ButtonKind::SwitchInlineQueryCurrentChat(q.clone())
                        } else {
                            ButtonKind::Other(other_action(b).to_owned())
                        };
                        Button {
                            text: b.text.clone(),
                            kind,
                        }
                    })
                    .collect()
            })
            .collect()
    }
}

fn other_action(b: &crate::types::TgInlineKeyboardButton) -> &'static str {
    if b.login_url.is_some() {
        "login_url"
    } else if b.switch_inline_query_chosen_chat.is_some() {
        "switch_inline_query_chosen_chat"
    } else if b.callback_game.is_some() {
        "callback_game"
    } else {
        "pay"
    }
}

/// One successful answerInlineQuery call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InlineAnswer {
    pub inline_query_id: String,
    pub results: Vec<TgInlineQueryResultArticle>,
    pub cache_time: u32,
    pub is_personal: bool,
    pub next_offset: Option<String>,
}

/// A Stars payment as Telegram's side holds it, for assertions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub telegram_payment_charge_id: String,
    pub provider_payment_charge_id: String,
    pub user_id: i64,
    /// The `https://t.me/$…` link that was paid.
    pub invoice_link: String,
    pub currency: String,
    pub total_amount: u32,
    pub invoice_payload: String,
    /// Subscriptions: the end of the period this payment covers.
    pub subscription_expiration_date: Option<i64>,
    pub is_recurring: bool,
    pub is_first_recurring: bool,
    pub date: i64,
    pub refunded: bool,
}

/// One answerPreCheckoutQuery call that was accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreCheckoutAnswer {
    pub pre_checkout_query_id: String,
    pub ok: bool,
    pub error_message: Option<String>,
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
    /// The bot answered a pre-checkout query.
    PreCheckoutAnswered {
        pre_checkout_query_id: String,
        ok: bool,
    },
    /// A payment went through; a successful_payment message was queued.
    PaymentCompleted {
        user_id: i64,
        telegram_payment_charge_id: String,
    },
    /// A checkout ended without a payment: the bot said no, or did not answer in time.
    PaymentFailed {
        user_id: i64,
        pre_checkout_query_id: String,
        reason: String,
    },
    /// refundStarPayment succeeded; a refunded_payment message was queued.
    Refunded {
        user_id: i64,
        telegram_payment_charge_id: String,
    },
    /// The bot answered an inline query.
    InlineQueryAnswered {
        inline_query_id: String,
    },
    /// setChatMenuButton changed a chat's button (`None`: the default for all chats).
    MenuButtonSet {
        chat_id: Option<i64>,
    },
    /// A user opened a Mini App (a `web_app` button or the menu button).
    WebAppOpened {
        user_id: i64,
        url: String,
    },
    /// Any Bot API call with a known method (canonical spelling).
    Call {
        method: &'static str,
    },
}

/// Totals since start.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Counters {
    /// Calls per method, canonical names (e.g. "sendMessage"), unknown methods excluded.
    pub calls: BTreeMap<String, u64>,
    /// Successful sendMessage, sendPhoto and editMessageText calls (the rate-limited ones).
    pub sends_ok: u64,
    /// Successful sends made with `allow_paid_broadcast`.
    pub paid_broadcast_messages: u64,
    /// Photos accepted as uploaded bytes (sendPhoto or editMessageMedia); a photo re-sent by
    /// file_id is not one.
    #[serde(default)]
    pub photo_uploads: u64,
    /// What those cost: 0.1 Star each.
    pub stars_spent: f64,
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
