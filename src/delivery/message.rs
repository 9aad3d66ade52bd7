//! Builds the Telegram message for a delivery. A broadcast renders each (signal, language,
//! format) once and reuses the text for every recipient.

use std::collections::HashMap;
use std::sync::Arc;

use teloxide_core::payloads::{SendMessage, SendMessageSetters};
use teloxide_core::requests::JsonRequest;
use teloxide_core::types::{CopyTextButton, InlineKeyboardButton, InlineKeyboardMarkup, MessageId};
use uuid::Uuid;

use super::buttons::{Action, actions, copy_buttons, share_button};
use crate::domain::i18n::Lang;
use crate::domain::preferences::MessageFormat;
use crate::domain::render::{AcceptedContext, RenderContext, render_signal};
use crate::domain::signal::Signal;
use crate::store::{QueuedDelivery, Store, StoreError, StoreResult};
use crate::telegram::Outbound;
use crate::telegram::reply_parameters;

#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    pub text: Arc<str>,
    /// The first row's callback buttons (label, data), see `buttons::actions`; broadcasts have
    /// none.
    pub actions: Vec<Action>,
    /// The `📤 Share` button's text and inline query: on the result of a closed buy or sell.
    pub share: Option<Action>,
    /// Copy buttons (label, text to copy) for a buy's or sell's entry, target and stop: the
    /// client copies the number, the bot hears nothing.
    pub copies: Vec<Action>,
}

impl OutgoingMessage {
    /// The sendMessage request for `row`: silent or protected as the row says, and a reply to
    /// the message it follows up, if any (sent anyway should that message be gone).
    pub fn request(&self, outbound: &Outbound, row: &QueuedDelivery) -> JsonRequest<SendMessage> {
        // A channel's readers are not its recipient: no button of its post answers them.
        let channel = row.is_channel_post();
        let actions = self
            .actions
            .iter()
            .filter(|_| !channel)
            .map(|(text, data)| InlineKeyboardButton::callback(text.to_string(), data.to_string()));
        // Telegram opens the chat picker and types `@bot <query>` there; not from a channel,
        // whose readers may not know the bot (Telegram refuses the button there).
        let share = self
            .share
            .as_ref()
            .filter(|_| !channel)
            .map(|(text, query)| {
                InlineKeyboardButton::switch_inline_query(text.to_string(), query.to_string())
            });
        let buttons: Vec<InlineKeyboardButton> = actions.chain(share).collect();
        let copies: Vec<InlineKeyboardButton> = self
            .copies
            .iter()
            .map(|(label, text)| {
                InlineKeyboardButton::copy_text_button(
                    label.to_string(),
                    CopyTextButton {
                        text: text.to_string(),
                    },
                )
            })
            .collect();
        let rows: Vec<Vec<InlineKeyboardButton>> = [buttons, copies]
            .into_iter()
            .filter(|row| !row.is_empty())
            .collect();
        let button = (!rows.is_empty()).then(|| InlineKeyboardMarkup::new(rows));
        let request = outbound
            .message(row.chat_id, self.text.to_string(), button)
            .disable_notification(row.silent)
            .protect_content(row.protect_content);
        match row
            .reply_to_message_id
            .and_then(|id| i32::try_from(id).ok())
        {
            Some(reply_to) => request.reply_parameters(reply_parameters(MessageId(reply_to))),
            None => request,
        }
    }
}

#[derive(Default)]
pub struct MessageCache {
    signals: HashMap<Uuid, Arc<(Signal, RenderContext)>>,
    broadcasts: HashMap<Uuid, OutgoingMessage>,
    texts: HashMap<(Uuid, Lang, MessageFormat, bool), OutgoingMessage>,
}

/// Bounds the cache: signals are few and recent, so dropping everything now and then is enough.
const MAX_CACHED_SIGNALS: usize = 256;

impl MessageCache {
    pub async fn message_for(
        &mut self,
        store: &Store,
        delivery: &QueuedDelivery,
    ) -> StoreResult<OutgoingMessage> {
        if let Some(id) = delivery.broadcast_id {
            return self.broadcast(store, id).await;
        }
        let key = (
            delivery.signal_id,
            delivery.lang,
            delivery.format,
            delivery.maybe_repeat,
        );
        if let Some(message) = self.texts.get(&key) {
            return Ok(message.clone());
        }
        let entry = self.signal(store, delivery.signal_id).await?;
        let (signal, context) = &*entry;
        let context = RenderContext {
            maybe_repeat: delivery.maybe_repeat,
            ..context.clone()
        };
        let rendered = render_signal(signal, delivery.lang, delivery.format, &context);
        let message = OutgoingMessage {
            text: rendered.text.into(),
            actions: actions(signal, delivery.lang),
            share: share_button(signal, context.original.as_ref(), delivery.lang),
            copies: copy_buttons(signal, delivery.lang),
        };
        self.texts.insert(key, message.clone());
        Ok(message)
    }

    /// An admin's broadcast: their text, escaped, under a megaphone; the same in every language.
    async fn broadcast(&mut self, store: &Store, id: Uuid) -> StoreResult<OutgoingMessage> {
        if let Some(message) = self.broadcasts.get(&id) {
            return Ok(message.clone());
        }
        if self.broadcasts.len() >= MAX_CACHED_SIGNALS {
            self.broadcasts.clear();
        }
        let text = store
            .broadcast_text(id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let message = OutgoingMessage {
            text: format!("📢 {}", crate::domain::render::escape(&text)).into(),
            actions: Vec::new(),
            share: None,
            copies: Vec::new(),
        };
        self.broadcasts.insert(id, message.clone());
        Ok(message)
    }

    async fn signal(
        &mut self,
        store: &Store,
        id: Uuid,
    ) -> StoreResult<Arc<(Signal, RenderContext)>> {
        if let Some(entry) = self.signals.get(&id) {
            return Ok(entry.clone());
        }
        if self.signals.len() >= MAX_CACHED_SIGNALS {
            self.signals.clear();
            self.texts.clear();
        }
        let stored = store.signal(id).await?.ok_or(StoreError::NotFound)?;
        let original = match stored.signal.closes {
            Some(original_id) => store.signal(original_id).await?.map(|s| s.signal),
            None => None,
        };
        let accepted: AcceptedContext = serde_json::from_value(stored.context.clone())
            .map_err(|err| StoreError::Corrupt(format!("signal context: {err}")))?;
        let context = RenderContext {
            similar: accepted.similar,
            original,
            maybe_repeat: false,
            outcome: accepted.outcome,
        };
        let entry = Arc::new((stored.signal, context));
        self.signals.insert(id, entry.clone());
        Ok(entry)
    }
}
