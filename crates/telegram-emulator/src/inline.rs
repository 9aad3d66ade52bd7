//! Inline mode, the users' side: a user types `@bot query` (or presses a button that types it),
//! the bot has a few seconds to answer, and the user may send one of the results into the chat
//! they typed in, where it appears as their message `via_bot`.

use std::time::{Duration, Instant};

use crate::core::Core;
use crate::error::EmulatorError;
use crate::html::utf16_len;
use crate::model::ChatMessage;
use crate::state::{InlineQueryRec, State};
use crate::types::{TgInlineQuery, TgUpdateKind};

/// How long an inline query stays answerable. Telegram does not publish the window (clients give
/// up after some seconds); this matches the pre-checkout deadline.
pub const INLINE_QUERY_TIMEOUT: Duration = Duration::from_secs(10);
/// InlineQuery `query`: "Text of the query (up to 256 characters)".
pub const MAX_INLINE_QUERY_LEN: usize = 256;

/// InlineQuery `chat_type` for a query typed in `chat_id` by `user_id`: "sender" for their chat
/// with the bot, else the chat's type.
fn chat_type(state: &State, user_id: i64, chat_id: i64) -> Option<String> {
    let chat = &state.chats.get(&chat_id)?.chat;
    Some(if chat_id == user_id {
        "sender".to_owned()
    } else {
        chat.kind.clone()
    })
}

impl Core {
    /// The user types `query` after the bot's username in `chat_id` (their chat with the bot, or
    /// a group they are in); queues the `inline_query` update and returns its id.
    pub(crate) fn user_inline_query(
        &self,
        user_id: i64,
        chat_id: i64,
        query: &str,
    ) -> Result<String, EmulatorError> {
        let len = utf16_len(query);
        if len > MAX_INLINE_QUERY_LEN {
            return Err(EmulatorError::InlineQueryTooLong {
                len,
                max: MAX_INLINE_QUERY_LEN,
            });
        }
        let mut state = self.lock();
        let from = state.active_user(user_id)?;
        // Only where the user can write: a channel's subscribers cannot.
        Self::check_poster(&state, user_id, chat_id)?;
        let chat_type = chat_type(&state, user_id, chat_id);
        let id = state.new_callback_id();
        state.inline_queries.insert(
            id.clone(),
            InlineQueryRec {
                asked: Instant::now(),
                answered: false,
                user_id,
                chat_id,
            },
        );
        drop(state);
        self.queue(TgUpdateKind::InlineQuery(TgInlineQuery {
            id: id.clone(),
            from,
            query: query.to_owned(),
            offset: String::new(),
            chat_type,
        }));
        Ok(id)
    }

    /// The user presses the button labelled `text` on bot message `message_id` in `chat_id`. A
    /// `switch_inline_query` button lets them pick a chat (`target_chat_id`) and types
    /// `@bot <query>` there; a `switch_inline_query_current_chat` one types it in `chat_id`.
    /// Queues the `inline_query` update and returns its id.
    pub(crate) fn user_switch_inline(
        &self,
        user_id: i64,
        chat_id: i64,
        message_id: i64,
        text: &str,
        target_chat_id: i64,
    ) -> Result<String, EmulatorError> {
        let state = self.lock();
        Self::check_sender(&state, user_id, chat_id)?;
        let not_found = || EmulatorError::SwitchInlineButtonNotFound {
            chat_id,
            message_id,
            text: text.to_owned(),
        };
        let button = state
            .chats
            .get(&chat_id)
            .and_then(|chat| chat.get(message_id))
            .filter(|m| m.sender.is_none())
            .and_then(|m| m.reply_markup.as_ref())
            .and_then(|k| {
                k.buttons().find(|b| {
                    b.text == text
                        && (b.switch_inline_query.is_some()
                            || b.switch_inline_query_current_chat.is_some())
                })
            })
            .ok_or_else(not_found)?;
        let (query, target) = match (
            &button.switch_inline_query,
            &button.switch_inline_query_current_chat,
        ) {
            (Some(query), _) => (query.clone(), target_chat_id),
            (None, Some(query)) => (query.clone(), chat_id),
            (None, None) => return Err(not_found()),
        };
        drop(state);
        self.user_inline_query(user_id, target, &query)
    }

    /// The user picks result `result_id` of the bot's answer to their inline query: it is sent
    /// into the chat the query was typed in, as their message `via_bot`. The bot receives it
    /// where it reads the chat (its private chat with the user; groups, where privacy mode
    /// still delivers "messages sent via this bot"). `chosen_inline_result` needs inline
    /// feedback turned on with BotFather and is not modelled.
    pub(crate) fn user_choose_inline_result(
        &self,
        user_id: i64,
        inline_query_id: &str,
        result_id: &str,
    ) -> Result<ChatMessage, EmulatorError> {
        let mut state = self.lock();
        let unknown = || EmulatorError::UnknownInlineResult {
            inline_query_id: inline_query_id.to_owned(),
            result_id: result_id.to_owned(),
        };
        let chat_id = state
            .inline_queries
            .get(inline_query_id)
            .filter(|q| q.user_id == user_id && q.answered)
            .map(|q| q.chat_id)
            .ok_or_else(unknown)?;
        let article = state
            .inline_answers
            .iter()
            .rev()
            .find(|a| a.inline_query_id == inline_query_id)
            .and_then(|a| a.results.iter().find(|r| r.id == result_id))
            .cloned()
            .ok_or_else(unknown)?;
        Self::check_poster(&state, user_id, chat_id)?;
        let content = &article.input_message_content;
        // Checked when the bot answered, so it parses again.
        let body =
            crate::methods::format_text(&content.message_text, content.parse_mode.as_deref(), None)
                .map_err(|_| unknown())?;
        let parse_mode = content.parse_mode.clone();
        let rendered = state
            .post(chat_id, Some(user_id), &self.bot, |msg| {
                msg.text = Some(body);
                msg.parse_mode = parse_mode;
                msg.reply_markup = article.reply_markup.clone();
                msg.via_bot = true;
            })
            .ok_or(EmulatorError::UnknownChat(chat_id))?;
        let message = state
            .chats
            .get(&chat_id)
            .and_then(|chat| chat.get(rendered.message_id))
            .map(|m| m.to_chat_message(chat_id))
            .ok_or(EmulatorError::UnknownChat(chat_id))?;
        drop(state);
        // Private chats here are the user's with the bot; channels were refused above.
        self.queue(TgUpdateKind::Message(rendered));
        self.messages_changed();
        Ok(message)
    }
}
