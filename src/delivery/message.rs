//! Builds the Telegram message for a delivery. A broadcast renders each (signal, language,
//! format) once and reuses the text for every recipient.

use std::collections::HashMap;
use std::sync::Arc;

use teloxide_core::payloads::{SendMessage, SendMessageSetters};
use teloxide_core::requests::JsonRequest;
use teloxide_core::types::{
    CopyTextButton, InlineKeyboardButton, InlineKeyboardMarkup, MessageId, ReplyParameters,
};
use uuid::Uuid;

use crate::domain::i18n::{Lang, t};
use crate::domain::preferences::MessageFormat;
use crate::domain::render::{AcceptedContext, RenderContext, render_signal};
use crate::domain::sharing::share_query;
use crate::domain::signal::{Signal, SignalKind};
use crate::store::{QueuedDelivery, Store, StoreError, StoreResult};
use crate::telegram::Outbound;

/// Callback data of the button under every signal message: `ack:<signal id, 32 hex>` (36 bytes,
/// well inside Telegram's 64-byte limit).
pub fn ack_data(signal_id: Uuid) -> String {
    format!("ack:{}", signal_id.simple())
}

pub fn parse_ack_data(data: &str) -> Option<Uuid> {
    data.strip_prefix("ack:")
        .and_then(|id| Uuid::try_parse(id).ok())
}

#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    pub text: Arc<str>,
    /// The button's text and callback data; broadcasts have none.
    pub button: Option<(Arc<str>, Arc<str>)>,
    /// The `📤 Share` button's text and inline query: on the result of a closed buy or sell.
    pub share: Option<(Arc<str>, Arc<str>)>,
    /// Copy buttons (label, text to copy) for a buy's or sell's entry, target and stop: the
    /// client copies the number, the bot hears nothing.
    pub copies: Vec<(Arc<str>, Arc<str>)>,
}

impl OutgoingMessage {
    /// The sendMessage request for `row`: silent or protected as the row says, and a reply to
    /// the message it follows up, if any (sent anyway should that message be gone).
    pub fn request(&self, outbound: &Outbound, row: &QueuedDelivery) -> JsonRequest<SendMessage> {
        // A channel's readers are not its recipient: no button of its post answers them.
        let ack = self
            .button
            .as_ref()
            .filter(|_| !row.is_channel_post())
            .map(|(text, data)| InlineKeyboardButton::callback(text.to_string(), data.to_string()));
        // Telegram opens the chat picker and types `@bot <query>` there; not from a channel,
        // whose readers may not know the bot (Telegram refuses the button there).
        let share = self
            .share
            .as_ref()
            .filter(|_| !row.is_channel_post())
            .map(|(text, query)| {
                InlineKeyboardButton::switch_inline_query(text.to_string(), query.to_string())
            });
        let buttons: Vec<InlineKeyboardButton> = ack.into_iter().chain(share).collect();
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
            Some(reply_to) => request.reply_parameters(ReplyParameters {
                message_id: MessageId(reply_to),
                chat_id: None,
                allow_sending_without_reply: Some(true),
                quote: None,
                quote_parse_mode: None,
                quote_entities: None,
                quote_position: None,
            }),
            None => request,
        }
    }
}

/// A close announces a result: once a buy or sell is closed it may be shared (its outcome was
/// recorded with the close, so the inline answer finds it).
fn share_button(
    signal: &Signal,
    original: Option<&Signal>,
    lang: Lang,
) -> Option<(Arc<str>, Arc<str>)> {
    let original = original.filter(|o| matches!(o.kind, SignalKind::Buy | SignalKind::Sell))?;
    (signal.kind == SignalKind::Close).then(|| {
        (
            t(lang, "share-button").into(),
            share_query(original.id).into(),
        )
    })
}

/// 📋 Entry / Target / Stop under a buy or sell: the price as the engine wrote it, ready to paste
/// into an exchange's order form.
fn copy_buttons(signal: &Signal, lang: Lang) -> Vec<(Arc<str>, Arc<str>)> {
    if !matches!(signal.kind, SignalKind::Buy | SignalKind::Sell) {
        return Vec::new();
    }
    [
        ("signal-copy-entry", signal.entry_price),
        ("signal-copy-target", signal.target_price),
        ("signal-copy-stop", signal.stop_loss),
    ]
    .into_iter()
    .filter_map(|(key, price)| {
        let price = price?;
        Some((t(lang, key).into(), price.value().to_string().into()))
    })
    .collect()
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
            button: Some((
                t(delivery.lang, "signal-button-ack").into(),
                ack_data(signal.id).into(),
            )),
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
            button: None,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_data_round_trips_within_telegrams_limit() {
        let id = Uuid::now_v7();
        let data = ack_data(id);
        assert!(data.len() <= 64);
        assert_eq!(parse_ack_data(&data), Some(id));
        assert_eq!(parse_ack_data("ack:nonsense"), None);
        assert_eq!(parse_ack_data("other"), None);
    }
}
