//! The emulator's own models of Telegram's JSON objects.
//!
//! They are written from the Bot API documentation, not shared with any client, so that a
//! serialization mistake in a client cannot be mirrored here and go unnoticed. Field names and
//! optionality follow <https://core.telegram.org/bots/api#available-types>: absent optional fields
//! are omitted, dates are unix seconds, and `false` flags that Telegram only sends when true are
//! omitted too.

mod inline;
mod keyboard;
mod payments;

pub use inline::{TgInlineQuery, TgInlineQueryResultArticle, TgInputTextMessageContent};
pub use keyboard::{
    TgCopyTextButton, TgInlineKeyboardButton, TgInlineKeyboardMarkup, TgMenuButton, TgWebAppInfo,
};
pub use payments::{TgLabeledPrice, TgPreCheckoutQuery, TgRefundedPayment, TgSuccessfulPayment};

use serde::{Deserialize, Serialize};

fn is_false(b: &bool) -> bool {
    !*b
}

/// <https://core.telegram.org/bots/api#user>
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TgUser {
    pub id: i64,
    pub is_bot: bool,
    pub first_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_code: Option<String>,
}

/// `getMe` answers a User with the bot-only capability flags.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TgMe {
    #[serde(flatten)]
    pub user: TgUser,
    pub can_join_groups: bool,
    pub can_read_all_group_messages: bool,
    pub supports_inline_queries: bool,
    pub can_connect_to_business: bool,
    pub has_main_web_app: bool,
}

/// <https://core.telegram.org/bots/api#chat>
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TgChat {
    pub id: i64,
    /// "private", "group", "supergroup" or "channel".
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
}

impl TgChat {
    /// The private chat a user has with the bot: same id as the user.
    pub fn private(user: &TgUser) -> Self {
        TgChat {
            id: user.id,
            kind: "private".to_owned(),
            title: None,
            username: user.username.clone(),
            first_name: Some(user.first_name.clone()),
            last_name: user.last_name.clone(),
        }
    }

    pub fn group(id: i64, title: &str) -> Self {
        TgChat {
            id,
            kind: "group".to_owned(),
            title: Some(title.to_owned()),
            username: None,
            first_name: None,
            last_name: None,
        }
    }

    /// A public channel, found by `@username`.
    pub fn channel(id: i64, title: &str, username: &str) -> Self {
        TgChat {
            id,
            kind: "channel".to_owned(),
            title: Some(title.to_owned()),
            username: Some(username.to_owned()),
            first_name: None,
            last_name: None,
        }
    }

    pub fn is_private(&self) -> bool {
        self.kind == "private"
    }

    pub fn is_channel(&self) -> bool {
        self.kind == "channel"
    }
}

/// <https://core.telegram.org/bots/api#messageentity>; offsets and lengths in UTF-16 code units.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TgMessageEntity {
    #[serde(rename = "type")]
    pub kind: String,
    pub offset: usize,
    pub length: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_emoji_id: Option<String>,
}

impl TgMessageEntity {
    pub fn new(kind: &str, offset: usize, length: usize) -> Self {
        TgMessageEntity {
            kind: kind.to_owned(),
            offset,
            length,
            url: None,
            language: None,
            custom_emoji_id: None,
        }
    }
}

/// <https://core.telegram.org/bots/api#photosize>
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TgPhotoSize {
    pub file_id: String,
    pub file_unique_id: String,
    pub width: u32,
    pub height: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_size: Option<u64>,
}

/// <https://core.telegram.org/bots/api#message>, restricted to what the emulator produces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TgMessage {
    pub message_id: i64,
    /// Absent on channel posts, which carry `sender_chat` instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<TgUser>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_chat: Option<TgChat>,
    pub chat: TgChat,
    pub date: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit_date: Option<i64>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub has_protected_content: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to_message: Option<Box<TgMessage>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<TgMessageEntity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<Vec<TgPhotoSize>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caption_entities: Vec<TgMessageEntity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_markup: Option<TgInlineKeyboardMarkup>,
    /// The bot whose inline result the user sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_bot: Option<TgUser>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successful_payment: Option<TgSuccessfulPayment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refunded_payment: Option<TgRefundedPayment>,
}

/// <https://core.telegram.org/bots/api#callbackquery>
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TgCallbackQuery {
    pub id: String,
    pub from: TgUser,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<TgMessage>,
    pub chat_instance: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

/// <https://core.telegram.org/bots/api#chatmember>, the two statuses a private chat can show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TgChatMember {
    pub user: TgUser,
    /// "member" or "kicked" (ChatMemberMember / ChatMemberBanned).
    pub status: String,
    /// ChatMemberBanned always carries it; 0 means "forever".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_date: Option<i64>,
}

impl TgChatMember {
    pub fn member(user: TgUser) -> Self {
        TgChatMember {
            user,
            status: "member".to_owned(),
            until_date: None,
        }
    }

    pub fn kicked(user: TgUser) -> Self {
        TgChatMember {
            user,
            status: "kicked".to_owned(),
            until_date: Some(0),
        }
    }
}

/// <https://core.telegram.org/bots/api#chatmemberupdated>
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TgChatMemberUpdated {
    pub chat: TgChat,
    pub from: TgUser,
    pub date: i64,
    pub old_chat_member: TgChatMember,
    pub new_chat_member: TgChatMember,
}

/// The one optional field an Update carries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TgUpdateKind {
    Message(TgMessage),
    CallbackQuery(TgCallbackQuery),
    MyChatMember(TgChatMemberUpdated),
    InlineQuery(TgInlineQuery),
    PreCheckoutQuery(TgPreCheckoutQuery),
}

impl TgUpdateKind {
    /// The name used by `allowed_updates`.
    pub fn name(&self) -> &'static str {
        match self {
            TgUpdateKind::Message(_) => "message",
            TgUpdateKind::CallbackQuery(_) => "callback_query",
            TgUpdateKind::MyChatMember(_) => "my_chat_member",
            TgUpdateKind::InlineQuery(_) => "inline_query",
            TgUpdateKind::PreCheckoutQuery(_) => "pre_checkout_query",
        }
    }
}

/// <https://core.telegram.org/bots/api#update>
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TgUpdate {
    pub update_id: i64,
    #[serde(flatten)]
    pub kind: TgUpdateKind,
}

/// <https://core.telegram.org/bots/api#botcommand>
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TgBotCommand {
    pub command: String,
    pub description: String,
}

/// <https://core.telegram.org/bots/api#webhookinfo>
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TgWebhookInfo {
    /// Empty when no webhook is set.
    pub url: String,
    pub has_custom_certificate: bool,
    pub pending_update_count: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error_date: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_updates: Option<Vec<String>>,
}
