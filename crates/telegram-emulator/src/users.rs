//! What simulated users do: write to the bot, press buttons, block it. Each action stores what
//! Telegram would store and queues the Update the bot would receive.

use crate::core::{Core, unix_now};
use crate::error::EmulatorError;
use crate::html::utf16_len;
use crate::model::{ChatMessage, EmulatorEvent};
use crate::state::{Body, State};
use crate::types::{
    TgCallbackQuery, TgChatMember, TgChatMemberUpdated, TgMenuButton, TgMessageEntity,
    TgUpdateKind, TgUser,
};

/// Longest command name Telegram recognizes after `/` (BotCommand: 1–32 characters).
const MAX_COMMAND_LEN: usize = 32;

impl Core {
    /// The user must exist, be active and belong to the chat.
    pub(crate) fn check_sender(
        state: &State,
        user_id: i64,
        chat_id: i64,
    ) -> Result<(), EmulatorError> {
        let user = state
            .users
            .get(&user_id)
            .ok_or(EmulatorError::UnknownUser(user_id))?;
        if user.deactivated {
            return Err(EmulatorError::UserDeactivated(user_id));
        }
        let chat = state
            .chats
            .get(&chat_id)
            .ok_or(EmulatorError::UnknownChat(chat_id))?;
        if !chat.members.contains(&user_id) {
            return Err(EmulatorError::NotAMember { user_id, chat_id });
        }
        Ok(())
    }

    /// Only administrators post in a channel, and the simulated users are subscribers.
    pub(crate) fn check_poster(
        state: &State,
        user_id: i64,
        chat_id: i64,
    ) -> Result<(), EmulatorError> {
        Self::check_sender(state, user_id, chat_id)?;
        if state
            .chats
            .get(&chat_id)
            .is_some_and(|c| c.chat.is_channel())
        {
            return Err(EmulatorError::NotAllowedToPost { user_id, chat_id });
        }
        Ok(())
    }

    /// A user writes `text` in `chat_id`. Writing to a bot you blocked unblocks it first, as
    /// pressing "Restart" does in the apps.
    pub(crate) fn user_text(
        &self,
        user_id: i64,
        chat_id: i64,
        text: &str,
    ) -> Result<i64, EmulatorError> {
        let (message_id, update) = self.store_user_text(user_id, chat_id, text, None)?;
        self.queue(update);
        Ok(message_id)
    }

    /// A user replies to message `reply_to` of `chat_id` (swiped or picked "Reply" in the apps):
    /// the Update's message carries `reply_to_message`, the replied message rendered once, as
    /// Telegram sends it. The message must be in the chat and not deleted.
    pub(crate) fn user_reply(
        &self,
        user_id: i64,
        chat_id: i64,
        reply_to: i64,
        text: &str,
    ) -> Result<i64, EmulatorError> {
        let (message_id, update) = self.store_user_text(user_id, chat_id, text, Some(reply_to))?;
        self.queue(update);
        Ok(message_id)
    }

    /// Several users' messages at the same moment: every getUpdates answer carries all of them or
    /// none, as when updates pile up while the bot is not polling. Nothing is queued if one of
    /// them cannot be sent; the others are then still stored in their chats.
    pub(crate) fn user_texts(&self, texts: &[(i64, i64, &str)]) -> Result<Vec<i64>, EmulatorError> {
        let mut message_ids = Vec::with_capacity(texts.len());
        let mut updates = Vec::with_capacity(texts.len());
        for &(user_id, chat_id, text) in texts {
            let (message_id, update) = self.store_user_text(user_id, chat_id, text, None)?;
            message_ids.push(message_id);
            updates.push(update);
        }
        self.queue_together(updates);
        Ok(message_ids)
    }

    /// Stores a user's message in its chat, a reply to `reply_to` if given; returns its id and
    /// the update that announces it.
    fn store_user_text(
        &self,
        user_id: i64,
        chat_id: i64,
        text: &str,
        reply_to: Option<i64>,
    ) -> Result<(i64, TgUpdateKind), EmulatorError> {
        if chat_id == user_id && self.lock().users.get(&user_id).is_some_and(|u| u.blocked) {
            self.set_blocked(user_id, false)?;
        }
        let mut state = self.lock();
        Self::check_poster(&state, user_id, chat_id)?;
        if let Some(target) = reply_to {
            let chat = state
                .chats
                .get(&chat_id)
                .ok_or(EmulatorError::UnknownChat(chat_id))?;
            if chat.get(target).is_none() {
                return Err(EmulatorError::ReplyTargetNotFound {
                    chat_id,
                    message_id: target,
                });
            }
        }
        let rendered = state
            .post(chat_id, Some(user_id), &self.bot, |msg| {
                msg.reply_to = reply_to;
                msg.text = Some(Body {
                    raw: text.to_owned(),
                    plain: text.to_owned(),
                    entities: command_entities(text),
                });
            })
            .ok_or(EmulatorError::UnknownChat(chat_id))?;
        Ok((rendered.message_id, TgUpdateKind::Message(rendered)))
    }

    /// A user presses an inline button. With `check_keyboard`, `data` must be on the message's
    /// keyboard; without it any data can be forged, as a modified client could.
    pub(crate) fn user_press(
        &self,
        user_id: i64,
        chat_id: i64,
        message_id: i64,
        data: &str,
        check_keyboard: bool,
    ) -> Result<String, EmulatorError> {
        let mut state = self.lock();
        Self::check_sender(&state, user_id, chat_id)?;
        let not_found = EmulatorError::MessageNotFound {
            chat_id,
            message_id,
        };
        let chat = state.chats.get(&chat_id).ok_or(not_found.clone())?;
        let msg = chat
            .get(message_id)
            .filter(|m| m.sender.is_none())
            .ok_or(not_found)?;
        let on_keyboard = msg
            .reply_markup
            .as_ref()
            .is_some_and(|k| k.has_callback_data(data));
        if check_keyboard && !on_keyboard {
            return Err(EmulatorError::ButtonNotFound {
                chat_id,
                message_id,
                data: data.to_owned(),
            });
        }
        let message = state.render(chat, msg, &self.bot);
        let chat_instance = chat.instance.clone();
        let from = state
            .user(user_id)
            .cloned()
            .ok_or(EmulatorError::UnknownUser(user_id))?;
        let id = state.new_callback_id();
        state
            .callbacks
            .insert(id.clone(), crate::state::CallbackRec { answered: false });
        drop(state);
        self.queue(TgUpdateKind::CallbackQuery(TgCallbackQuery {
            id: id.clone(),
            from,
            message: Some(message),
            chat_instance,
            data: Some(data.to_owned()),
        }));
        Ok(id)
    }

    /// A user taps the `web_app` button labelled `text` on a bot message in their private chat:
    /// the client opens the Mini App at its URL (returned, and announced as
    /// [`EmulatorEvent::WebAppOpened`]).
    pub(crate) fn user_open_web_app(
        &self,
        user_id: i64,
        message_id: i64,
        text: &str,
    ) -> Result<String, EmulatorError> {
        let chat_id = user_id;
        let state = self.lock();
        Self::check_sender(&state, user_id, chat_id)?;
        let url = state
            .chats
            .get(&chat_id)
            .and_then(|chat| chat.get(message_id))
            .filter(|m| m.sender.is_none())
            .and_then(|m| m.reply_markup.as_ref())
            .and_then(|k| k.buttons().find(|b| b.text == text && b.web_app.is_some()))
            .and_then(|b| b.web_app.as_ref())
            .map(|w| w.url.clone())
            .ok_or_else(|| EmulatorError::WebAppButtonNotFound {
                chat_id,
                message_id,
                text: text.to_owned(),
            })?;
        drop(state);
        Ok(self.opened(user_id, url))
    }

    /// A user taps the menu button of their chat with the bot, when it opens a Mini App.
    pub(crate) fn user_open_menu_app(&self, user_id: i64) -> Result<String, EmulatorError> {
        let state = self.lock();
        Self::check_sender(&state, user_id, user_id)?;
        let TgMenuButton::WebApp { web_app, .. } = state.menu_button(Some(user_id)) else {
            return Err(EmulatorError::NoMenuWebApp(user_id));
        };
        drop(state);
        Ok(self.opened(user_id, web_app.url))
    }

    /// The address the client opens: the Mini App's URL with Telegram's launch parameters in
    /// the fragment — the signed `tgWebAppData`, the version, the platform, the theme.
    fn opened(&self, user_id: i64, url: String) -> String {
        let user = self.lock().users.get(&user_id).map(|rec| rec.user.clone());
        let url = match user {
            Some(user) => {
                crate::webapp::launch_url(&self.token, &user, &url, crate::core::unix_now())
            }
            None => url,
        };
        self.emit(|| EmulatorEvent::WebAppOpened {
            user_id,
            url: url.clone(),
        });
        url
    }

    /// Blocks or unblocks the bot in the user's private chat, queueing the `my_chat_member`
    /// update Telegram sends for it. Does nothing if the state does not change.
    pub(crate) fn set_blocked(&self, user_id: i64, blocked: bool) -> Result<(), EmulatorError> {
        let mut state = self.lock();
        let rec = state
            .users
            .get_mut(&user_id)
            .ok_or(EmulatorError::UnknownUser(user_id))?;
        if rec.blocked == blocked {
            return Ok(());
        }
        rec.blocked = blocked;
        let user = rec.user.clone();
        let chat = state
            .chats
            .get(&user_id)
            .map(|c| c.chat.clone())
            .ok_or(EmulatorError::UnknownChat(user_id))?;
        drop(state);
        let (old, new) = if blocked {
            (
                TgChatMember::member(self.bot.clone()),
                TgChatMember::kicked(self.bot.clone()),
            )
        } else {
            (
                TgChatMember::kicked(self.bot.clone()),
                TgChatMember::member(self.bot.clone()),
            )
        };
        self.queue(TgUpdateKind::MyChatMember(TgChatMemberUpdated {
            chat,
            from: user,
            date: unix_now(),
            old_chat_member: old,
            new_chat_member: new,
        }));
        self.emit(|| {
            if blocked {
                EmulatorEvent::Blocked { chat_id: user_id }
            } else {
                EmulatorEvent::Unblocked { chat_id: user_id }
            }
        });
        Ok(())
    }

    /// The user deletes their account: sends to them answer 403 from now on.
    pub(crate) fn deactivate(&self, user_id: i64) -> Result<(), EmulatorError> {
        let mut state = self.lock();
        let rec = state
            .users
            .get_mut(&user_id)
            .ok_or(EmulatorError::UnknownUser(user_id))?;
        rec.deactivated = true;
        Ok(())
    }

    pub(crate) fn create_user(
        &self,
        first_name: &str,
        username: Option<&str>,
        language_code: Option<&str>,
    ) -> TgUser {
        self.lock().add_user(first_name, username, language_code)
    }

    pub(crate) fn bot_messages(&self, chat_id: i64) -> Vec<ChatMessage> {
        let state = self.lock();
        let Some(chat) = state.chats.get(&chat_id) else {
            return Vec::new();
        };
        chat.messages
            .iter()
            .filter(|m| m.sender.is_none())
            .map(|m| m.to_chat_message(chat_id))
            .collect()
    }

    /// Every message of the chat, the users' too.
    pub(crate) fn all_messages(&self, chat_id: i64) -> Vec<ChatMessage> {
        let state = self.lock();
        let Some(chat) = state.chats.get(&chat_id) else {
            return Vec::new();
        };
        chat.messages
            .iter()
            .map(|m| m.to_chat_message(chat_id))
            .collect()
    }

    pub(crate) fn queue(&self, kind: TgUpdateKind) {
        self.queue_together(vec![kind]);
    }

    /// Queues updates that every getUpdates answer carries all of or none of.
    pub(crate) fn queue_together(&self, kinds: Vec<TgUpdateKind>) {
        self.updates.push_all(kinds, |update_id| {
            self.emit(|| EmulatorEvent::UpdateQueued { update_id });
        });
    }
}

/// `bot_command` entities for every `/command` (or `/command@bot`) that starts the text or
/// follows whitespace, as Telegram marks them in incoming messages.
pub(crate) fn command_entities(text: &str) -> Vec<TgMessageEntity> {
    let mut out = Vec::new();
    let mut prev_space = true;
    for (i, c) in text.char_indices() {
        if c == '/' && prev_space {
            let rest = &text[i + 1..];
            let name_len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if (1..=MAX_COMMAND_LEN).contains(&name_len) {
                let mut len = 1 + name_len;
                if let Some(mention) = rest[name_len..].strip_prefix('@') {
                    let m = mention
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(mention.len());
                    if m > 0 {
                        len += 1 + m;
                    }
                }
                let offset = utf16_len(&text[..i]);
                out.push(TgMessageEntity::new("bot_command", offset, len));
            }
        }
        prev_space = c.is_whitespace();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_marked() {
        let e = command_entities("/start payload");
        assert_eq!((e[0].offset, e[0].length), (0, 6));
        let e = command_entities("é /help@herald_bot now /x");
        assert_eq!((e[0].offset, e[0].length), (2, 16));
        assert_eq!(e[1].offset, 23);
        assert!(command_entities("a/b / ").is_empty());
    }
}
