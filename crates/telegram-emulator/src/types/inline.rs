//! Inline mode: the query a user types after the bot's name, and the answers the emulator models.

use serde::{Deserialize, Serialize};

use super::{TgInlineKeyboardMarkup, TgUser};

/// <https://core.telegram.org/bots/api#inlinequery>
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TgInlineQuery {
    pub id: String,
    pub from: TgUser,
    pub query: String,
    pub offset: String,
    /// "sender" when typed in the user's private chat with the bot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_type: Option<String>,
}

/// <https://core.telegram.org/bots/api#inputtextmessagecontent>, after validation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TgInputTextMessageContent {
    /// As sent, with markup.
    pub message_text: String,
    /// What the recipient reads once entities are parsed.
    pub plain_text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parse_mode: Option<String>,
}

/// <https://core.telegram.org/bots/api#inlinequeryresultarticle>, as answerInlineQuery received it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TgInlineQueryResultArticle {
    pub id: String,
    pub title: String,
    pub input_message_content: TgInputTextMessageContent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_markup: Option<TgInlineKeyboardMarkup>,
}
