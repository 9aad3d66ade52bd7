//! A user's side of a conversation with the bot, for the bot tests: say something and get the
//! reply, press a button and get the edited message or the callback answer. Waits on emulator
//! state, never on fixed sleeps.

use std::time::Duration;

use serde_json::Value;
use telegram_emulator::ChatMessage;

use crate::harness::app::{TestApp, WAIT};

pub fn text(message: &ChatMessage) -> String {
    message.plain_text.clone().unwrap_or_default()
}

pub struct Chat<'a> {
    pub app: &'a TestApp,
    pub id: i64,
}

impl<'a> Chat<'a> {
    /// A new Telegram user (private chat id = user id).
    pub fn new(app: &'a TestApp, name: &str, language: &str) -> Self {
        let id = app
            .emulator
            .create_user(name, Some(&name.to_lowercase()), Some(language))
            .id;
        Self { app, id }
    }

    pub fn messages(&self) -> Vec<ChatMessage> {
        self.app.emulator.messages(self.id)
    }

    /// Sends `words` and returns the `replies` new bot messages.
    pub async fn say_n(&self, words: &str, replies: usize) -> Vec<ChatMessage> {
        let before = self.messages().len();
        self.app.emulator.send_text(self.id, self.id, words);
        let all = self.app.wait_for(self.id, before + replies).await;
        all[before..].to_vec()
    }

    /// Sends `words` and returns the one reply.
    pub async fn say(&self, words: &str) -> ChatMessage {
        self.say_n(words, 1).await.remove(0)
    }

    /// Replies to message `message_id` of the chat with `words`; returns the bot's one answer.
    pub async fn reply(&self, message_id: i64, words: &str) -> ChatMessage {
        let before = self.messages().len();
        self.app
            .emulator
            .send_reply(self.id, self.id, message_id, words)
            .expect("the message to reply to exists");
        self.app.wait_for(self.id, before + 1).await.remove(before)
    }

    /// Presses a button and waits until the message it is on has been edited; returns it.
    pub async fn press(&self, message_id: i64, data: &str) -> ChatMessage {
        let edits = |m: &ChatMessage| m.edits.len();
        let before = self
            .messages()
            .iter()
            .find(|m| m.message_id == message_id)
            .map(edits)
            .expect("the message exists");
        self.app
            .emulator
            .press_button(self.id, self.id, message_id, data)
            .expect("the button exists");
        self.app
            .eventually("the message to be edited", || async {
                self.messages()
                    .iter()
                    .any(|m| m.message_id == message_id && edits(m) > before)
            })
            .await;
        self.messages()
            .into_iter()
            .find(|m| m.message_id == message_id)
            .expect("the message exists")
    }

    /// Presses (or forges) a button and returns the callback answer's text.
    pub async fn press_for_answer(
        &self,
        message_id: i64,
        data: &str,
        forged: bool,
    ) -> Option<String> {
        let emulator = &self.app.emulator;
        let id = if forged {
            emulator.press_forged(self.id, message_id, data)
        } else {
            emulator.press_button(self.id, self.id, message_id, data)
        }
        .expect("press");
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(answer) = emulator
                .callback_answers()
                .into_iter()
                .find(|a| a.callback_query_id == id)
            {
                return answer.text;
            }
            assert!(tokio::time::Instant::now() < deadline, "no callback answer");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The visible label of the button with exactly this data.
    pub fn label(message: &ChatMessage, data: &str) -> String {
        message
            .reply_markup
            .as_ref()
            .and_then(|m| m.get("inline_keyboard"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(|row| row.as_array().cloned().unwrap_or_default())
            .find(|b| b.get("callback_data").and_then(Value::as_str) == Some(data))
            .and_then(|b| b.get("text").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_else(|| panic!("no button {data}"))
    }

    /// /start and accept the disclaimer (no language or time zone chosen yet).
    pub async fn start_and_accept(&self) -> ChatMessage {
        let replies = self.say_n("/start", 2).await;
        let disclaimer = &replies[1];
        self.press(disclaimer.message_id, "disclaimer:accept").await
    }

    pub async fn user(&self) -> herald::store::User {
        self.app
            .store
            .user_by_telegram_id(self.id)
            .await
            .expect("store")
            .expect("registered")
    }

    pub async fn prefs(&self) -> herald::domain::preferences::Preferences {
        let user = self.user().await;
        self.app.store.preferences(user.id).await.expect("prefs")
    }
}
