//! Builds the Telegram message for a delivery. A broadcast renders each (signal, language,
//! format) once and reuses the text for every recipient.

use std::collections::HashMap;
use std::sync::Arc;

use teloxide_core::payloads::{SendMessage, SendMessageSetters, SendPhoto, SendPhotoSetters};
use teloxide_core::requests::{JsonRequest, MultipartRequest};
use teloxide_core::types::{
    CopyTextButton, InlineKeyboardButton, InlineKeyboardMarkup, MessageId, ReplyParameters,
};
use uuid::Uuid;

use super::buttons::{Action, actions, copy_buttons, share_button};
use crate::domain::i18n::Lang;
use crate::domain::preferences::MessageFormat;
use crate::domain::render::{AcceptedContext, RenderContext, render_caption, render_signal};
use crate::domain::signal::{Signal, SignalKind};
use crate::store::{QueuedDelivery, Store, StoreError, StoreResult};
use crate::telegram::{Outbound, Photo, reply_parameters};

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
    /// A buy or sell that may go with its chart: the signal, and its text as the chart's caption.
    /// `None` for other messages, and when not even the compact text fits a caption.
    pub chartable: Option<(Arc<Signal>, Arc<str>)>,
}

impl OutgoingMessage {
    /// The buttons under the message (the same on a text and on a photo): the action row, then
    /// the copy buttons.
    fn keyboard(&self, row: &QueuedDelivery) -> Option<InlineKeyboardMarkup> {
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
        (!rows.is_empty()).then(|| InlineKeyboardMarkup::new(rows))
    }

    /// The sendMessage request for `row`: silent or protected as the row says, and a reply to
    /// the message it follows up, if any (sent anyway should that message be gone).
    pub fn request(&self, outbound: &Outbound, row: &QueuedDelivery) -> JsonRequest<SendMessage> {
        let request = outbound
            .message(row.chat_id, self.text.to_string(), self.keyboard(row))
            .disable_notification(row.silent)
            .protect_content(row.protect_content);
        match reply_to(row) {
            Some(reply) => request.reply_parameters(reply),
            None => request,
        }
    }

    /// The sendPhoto request for `row`: the chart with the signal as its caption, and the same
    /// buttons and options as the text would have. `None` when the message has no caption.
    pub fn photo_request(
        &self,
        outbound: &Outbound,
        row: &QueuedDelivery,
        photo: Photo,
    ) -> Option<MultipartRequest<SendPhoto>> {
        let (_, caption) = self.chartable.as_ref()?;
        let request = outbound
            .photo(row.chat_id, photo, caption.to_string(), self.keyboard(row))
            .disable_notification(row.silent)
            .protect_content(row.protect_content);
        Some(match reply_to(row) {
            Some(reply) => request.reply_parameters(reply),
            None => request,
        })
    }
}

/// A reply to the message the row follows up, sent anyway should that message be gone.
fn reply_to(row: &QueuedDelivery) -> Option<ReplyParameters> {
    let message_id = i32::try_from(row.reply_to_message_id?).ok()?;
    Some(reply_parameters(MessageId(message_id)))
}

/// A buy or sell, and the caption its chart would carry when one fits.
fn chartable(
    signal: &Signal,
    context: &RenderContext,
    lang: Lang,
    format: MessageFormat,
) -> Option<(Arc<Signal>, Arc<str>)> {
    if !matches!(signal.kind, SignalKind::Buy | SignalKind::Sell) {
        return None;
    }
    render_caption(signal, lang, format, context)
        .map(|caption| (Arc::new(signal.clone()), caption.text.into()))
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
            chartable: chartable(signal, &context, delivery.lang, delivery.format),
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
            chartable: None,
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
