//! Inline keyboards, their buttons, and the chat menu button.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::is_false;

/// <https://core.telegram.org/bots/api#webappinfo>
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TgWebAppInfo {
    pub url: String,
}

/// <https://core.telegram.org/bots/api#copytextbutton>
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TgCopyTextButton {
    pub text: String,
}

/// <https://core.telegram.org/bots/api#inlinekeyboardbutton>. Only `text` plus exactly one action
/// is allowed; the rarely used actions are kept as raw JSON so they round-trip unchanged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TgInlineKeyboardButton {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_data: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_app: Option<TgWebAppInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_url: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switch_inline_query: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switch_inline_query_current_chat: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switch_inline_query_chosen_chat: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_text: Option<TgCopyTextButton>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_game: Option<Value>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub pay: bool,
}

/// <https://core.telegram.org/bots/api#inlinekeyboardmarkup>
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TgInlineKeyboardMarkup {
    pub inline_keyboard: Vec<Vec<TgInlineKeyboardButton>>,
}

impl TgInlineKeyboardMarkup {
    /// Whether any button of this keyboard carries exactly `data` as its callback_data.
    pub fn has_callback_data(&self, data: &str) -> bool {
        self.buttons()
            .any(|b| b.callback_data.as_deref() == Some(data))
    }

    /// Whether any button opens a Mini App (those are allowed in private chats only).
    pub fn has_web_app(&self) -> bool {
        self.buttons().any(|b| b.web_app.is_some())
    }

    pub fn buttons(&self) -> impl Iterator<Item = &TgInlineKeyboardButton> {
        self.inline_keyboard.iter().flatten()
    }
}

/// <https://core.telegram.org/bots/api#menubutton>: what the button beside a private chat's
/// input field does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TgMenuButton {
    /// Opens the bot's list of commands.
    Commands,
    /// Opens a Mini App.
    WebApp { text: String, web_app: TgWebAppInfo },
    /// No specific button: the default applies.
    Default,
}
