//! The emulated world: users, chats with their messages, uploaded photos, callback and inline
//! queries, commands, menu buttons, payments, and the flood-limit buckets. Lives behind one `Mutex` in [`crate::core::Core`];
//! every operation on it is short and never awaits.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::config::Limits;
use crate::limits::Limiter;
use crate::model::{Button, CallbackAnswer, ChatMessage, InlineAnswer, PhotoInfo};
use crate::payments::PaymentBook;
use crate::types::{
    TgBotCommand, TgChat, TgInlineKeyboardMarkup, TgMenuButton, TgMessage, TgMessageEntity,
    TgPhotoSize, TgRefundedPayment, TgSuccessfulPayment, TgUser,
};

/// First id handed to simulated users; real ids are large positive numbers.
const FIRST_USER_ID: i64 = 700_000_001;
/// First basic-group id (basic groups have small negative ids, supergroups start at -100…).
const FIRST_GROUP_ID: i64 = -4_000_000_001;
/// First channel id: channels and supergroups have ids of the form -100XXXXXXXXXX.
const FIRST_CHANNEL_ID: i64 = -1_002_000_000_001;

#[derive(Debug)]
pub(crate) struct UserRec {
    pub user: TgUser,
    pub blocked: bool,
    pub deactivated: bool,
}

#[derive(Debug)]
pub(crate) struct ChatRec {
    pub chat: TgChat,
    pub members: Vec<i64>,
    /// Every message of the chat, user's and bot's; message ids are per chat and start at 1,
    /// so message `n` is at index `n - 1`.
    pub messages: Vec<StoredMessage>,
    /// How many of `messages` the bot sent (deleted ones included).
    pub bot_messages: usize,
    /// CallbackQuery.chat_instance: a stable opaque string per chat.
    pub instance: String,
}

impl ChatRec {
    pub(crate) fn next_message_id(&self) -> i64 {
        self.messages.len() as i64 + 1
    }

    pub(crate) fn get(&self, message_id: i64) -> Option<&StoredMessage> {
        let idx = usize::try_from(message_id.checked_sub(1)?).ok()?;
        self.messages.get(idx).filter(|m| !m.deleted)
    }

    pub(crate) fn get_mut(&mut self, message_id: i64) -> Option<&mut StoredMessage> {
        let idx = usize::try_from(message_id.checked_sub(1)?).ok()?;
        self.messages.get_mut(idx).filter(|m| !m.deleted)
    }

    /// Appends a message; its id must be [`ChatRec::next_message_id`].
    pub(crate) fn push(&mut self, msg: StoredMessage) {
        debug_assert_eq!(msg.message_id, self.next_message_id());
        if msg.sender.is_none() {
            self.bot_messages += 1;
        }
        self.messages.push(msg);
    }
}

/// An uploaded photo: its sizes (smallest first) and the upload's byte count.
#[derive(Debug)]
pub(crate) struct PhotoFile {
    pub sizes: Vec<TgPhotoSize>,
    pub bytes: usize,
}

/// A payment service message the user's side produced.
#[derive(Clone, Debug)]
pub(crate) enum PaymentNote {
    Successful(TgSuccessfulPayment),
    Refunded(TgRefundedPayment),
}

/// Text or caption after parsing.
#[derive(Clone, Debug, Default)]
pub(crate) struct Body {
    /// As sent, with markup.
    pub raw: String,
    /// After entity parsing.
    pub plain: String,
    pub entities: Vec<TgMessageEntity>,
}

#[derive(Debug)]
pub(crate) struct StoredMessage {
    pub message_id: i64,
    /// The user who wrote it; `None` for the bot's own messages.
    pub sender: Option<i64>,
    pub date: i64,
    pub edit_date: Option<i64>,
    pub text: Option<Body>,
    pub caption: Option<Body>,
    pub photo: Option<Arc<PhotoFile>>,
    pub parse_mode: Option<String>,
    pub reply_markup: Option<TgInlineKeyboardMarkup>,
    pub reply_to: Option<i64>,
    pub disable_notification: bool,
    pub protect_content: bool,
    /// Sent with `allow_paid_broadcast`.
    pub paid_broadcast: bool,
    pub payment: Option<PaymentNote>,
    /// A user's message made from an inline result of the bot (`via_bot`).
    pub via_bot: bool,
    pub edits: Vec<String>,
    pub deleted: bool,
}

impl StoredMessage {
    pub(crate) fn new(message_id: i64, sender: Option<i64>, date: i64) -> Self {
        StoredMessage {
            message_id,
            sender,
            date,
            edit_date: None,
            text: None,
            caption: None,
            photo: None,
            parse_mode: None,
            reply_markup: None,
            reply_to: None,
            disable_notification: false,
            protect_content: false,
            paid_broadcast: false,
            payment: None,
            via_bot: false,
            edits: Vec::new(),
            deleted: false,
        }
    }

    pub(crate) fn to_chat_message(&self, chat_id: i64) -> ChatMessage {
        ChatMessage {
            message_id: self.message_id,
            chat_id,
            sender: self.sender,
            via_bot: self.via_bot,
            text: self.text.as_ref().map(|b| b.raw.clone()),
            plain_text: self.text.as_ref().map(|b| b.plain.clone()),
            parse_mode: self.parse_mode.clone(),
            reply_markup: self
                .reply_markup
                .as_ref()
                .and_then(|m| serde_json::to_value(m).ok()),
            buttons: self
                .reply_markup
                .as_ref()
                .map(Button::rows)
                .unwrap_or_default(),
            paid_broadcast: self.paid_broadcast,
            reply_to_message_id: self.reply_to,
            disable_notification: self.disable_notification,
            protect_content: self.protect_content,
            photo: self.photo.as_ref().and_then(|p| {
                let big = p.sizes.last()?;
                Some(PhotoInfo {
                    file_id: big.file_id.clone(),
                    file_unique_id: big.file_unique_id.clone(),
                    width: big.width,
                    height: big.height,
                    bytes: p.bytes,
                })
            }),
            caption: self.caption.as_ref().map(|b| b.raw.clone()),
            edits: self.edits.clone(),
            deleted: self.deleted,
            date: self.date,
        }
    }
}

#[derive(Debug)]
pub(crate) struct CallbackRec {
    pub answered: bool,
}

/// An inline query the bot may still answer, and where its results would be sent.
#[derive(Debug)]
pub(crate) struct InlineQueryRec {
    pub asked: Instant,
    pub answered: bool,
    pub user_id: i64,
    /// The chat the user typed the query in, where a chosen result is sent.
    pub chat_id: i64,
}

#[derive(Debug)]
pub(crate) struct State {
    pub users: HashMap<i64, UserRec>,
    pub chats: HashMap<i64, ChatRec>,
    /// file_id (of any size) → photo.
    pub files: HashMap<String, Arc<PhotoFile>>,
    pub callbacks: HashMap<String, CallbackRec>,
    pub answers: Vec<CallbackAnswer>,
    pub inline_queries: HashMap<String, InlineQueryRec>,
    pub inline_answers: Vec<InlineAnswer>,
    /// (scope as canonical JSON, language code) → commands.
    pub commands: HashMap<(String, String), Vec<TgBotCommand>>,
    /// setChatMenuButton without a chat: every private chat's button unless set per chat.
    pub default_menu_button: Option<TgMenuButton>,
    pub menu_buttons: HashMap<i64, TgMenuButton>,
    pub payments: PaymentBook,
    /// Lowercase public username (no `@`) → chat id, for channels.
    pub usernames: HashMap<String, i64>,
    pub limiter: Limiter,
    rng: StdRng,
    next_user_id: i64,
    next_group_id: i64,
    next_channel_id: i64,
}

impl State {
    pub(crate) fn new(limits: Limits, seed: u64) -> Self {
        State {
            users: HashMap::new(),
            chats: HashMap::new(),
            files: HashMap::new(),
            callbacks: HashMap::new(),
            answers: Vec::new(),
            inline_queries: HashMap::new(),
            inline_answers: Vec::new(),
            commands: HashMap::new(),
            default_menu_button: None,
            menu_buttons: HashMap::new(),
            payments: PaymentBook::default(),
            usernames: HashMap::new(),
            limiter: Limiter::new(limits, Instant::now()),
            // Ids use their own stream so that creating users never shifts the fault sequence.
            rng: StdRng::seed_from_u64(seed ^ 0x05EE_D1D5),
            next_user_id: FIRST_USER_ID,
            next_group_id: FIRST_GROUP_ID,
            next_channel_id: FIRST_CHANNEL_ID,
        }
    }

    pub(crate) fn add_user(
        &mut self,
        first_name: &str,
        username: Option<&str>,
        language_code: Option<&str>,
    ) -> TgUser {
        let user = TgUser {
            id: self.next_user_id,
            is_bot: false,
            first_name: first_name.to_owned(),
            last_name: None,
            username: username.map(str::to_owned),
            language_code: language_code.map(str::to_owned),
        };
        self.next_user_id += 1;
        let chat = TgChat::private(&user);
        self.add_chat(chat, vec![user.id]);
        self.users.insert(
            user.id,
            UserRec {
                user: user.clone(),
                blocked: false,
                deactivated: false,
            },
        );
        user
    }

    pub(crate) fn add_group(&mut self, title: &str, members: &[i64]) -> i64 {
        let id = self.next_group_id;
        self.next_group_id -= 1;
        self.add_chat(TgChat::group(id, title), members.to_vec());
        id
    }

    /// A public channel `@username` whose subscribers are `members`; the bot is an administrator.
    pub(crate) fn add_channel(&mut self, title: &str, username: &str, members: &[i64]) -> i64 {
        let id = self.next_channel_id;
        self.next_channel_id -= 1;
        let username = username.trim_start_matches('@');
        self.usernames.insert(username.to_ascii_lowercase(), id);
        self.add_chat(TgChat::channel(id, title, username), members.to_vec());
        id
    }

    /// A chat by `@username` (channels only, as the Bot API resolves them).
    pub(crate) fn chat_by_username(&self, username: &str) -> Option<i64> {
        self.usernames
            .get(&username.trim_start_matches('@').to_ascii_lowercase())
            .copied()
    }

    /// The menu button a private chat shows: its own, else the default set for all, else commands.
    pub(crate) fn menu_button(&self, chat_id: Option<i64>) -> TgMenuButton {
        chat_id
            .and_then(|id| self.menu_buttons.get(&id))
            .or(self.default_menu_button.as_ref())
            .cloned()
            .unwrap_or(TgMenuButton::Commands)
    }

    /// A fresh opaque id in Telegram's base64url alphabet, `prefix` first.
    pub(crate) fn new_token(&mut self, prefix: &str, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::with_capacity(prefix.len() + len);
        out.push_str(prefix);
        for _ in 0..len {
            out.push(ALPHABET[self.rng.random_range(0..ALPHABET.len())] as char);
        }
        out
    }

    fn add_chat(&mut self, chat: TgChat, members: Vec<i64>) {
        let instance = self.rng.random::<u64>().to_string();
        self.chats.insert(
            chat.id,
            ChatRec {
                chat,
                members,
                messages: Vec::new(),
                bot_messages: 0,
                instance,
            },
        );
    }

    /// A fresh callback query id: Telegram's are long decimal strings.
    pub(crate) fn new_callback_id(&mut self) -> String {
        self.rng.random_range(1u64 << 60..u64::MAX).to_string()
    }

    /// A fresh (file_id, file_unique_id) pair.
    pub(crate) fn new_file_ids(&mut self) -> (String, String) {
        (
            self.new_token("AgACAgIAAxkDAAI", 60),
            self.new_token("AQAD", 12),
        )
    }

    /// A user who has not deleted their account.
    pub(crate) fn active_user(&self, id: i64) -> Result<TgUser, crate::error::EmulatorError> {
        self.users
            .get(&id)
            .filter(|u| !u.deactivated)
            .map(|u| u.user.clone())
            .ok_or(crate::error::EmulatorError::UnknownUser(id))
    }

    pub(crate) fn user(&self, id: i64) -> Option<&TgUser> {
        self.users.get(&id).map(|u| &u.user)
    }

    /// Appends a new message from `sender` (`None`: the bot) to the chat, filled in by `fill`,
    /// and renders it; `None` if there is no such chat.
    pub(crate) fn post(
        &mut self,
        chat_id: i64,
        sender: Option<i64>,
        bot: &TgUser,
        fill: impl FnOnce(&mut StoredMessage),
    ) -> Option<TgMessage> {
        let chat = self.chats.get_mut(&chat_id)?;
        let mut msg = StoredMessage::new(chat.next_message_id(), sender, crate::core::unix_now());
        fill(&mut msg);
        chat.push(msg);
        let chat = self.chats.get(&chat_id)?;
        Some(self.render(chat, chat.messages.last()?, bot))
    }

    /// Renders a stored message as Telegram's Message object; replies embed their target once.
    pub(crate) fn render(&self, chat: &ChatRec, msg: &StoredMessage, bot: &TgUser) -> TgMessage {
        let mut out = self.render_flat(chat, msg, bot);
        if let Some(target) = msg.reply_to.and_then(|id| chat.get(id)) {
            out.reply_to_message = Some(Box::new(self.render_flat(chat, target, bot)));
        }
        out
    }

    fn render_flat(&self, chat: &ChatRec, msg: &StoredMessage, bot: &TgUser) -> TgMessage {
        // Channel posts are signed by the channel, not by the bot.
        let (from, sender_chat) = match msg.sender {
            None if chat.chat.is_channel() => (None, Some(chat.chat.clone())),
            None => (Some(bot.clone()), None),
            Some(uid) => (self.user(uid).cloned(), None),
        };
        let (successful_payment, refunded_payment) = match &msg.payment {
            Some(PaymentNote::Successful(p)) => (Some(p.clone()), None),
            Some(PaymentNote::Refunded(p)) => (None, Some(p.clone())),
            None => (None, None),
        };
        TgMessage {
            message_id: msg.message_id,
            from,
            sender_chat,
            chat: chat.chat.clone(),
            date: msg.date,
            edit_date: msg.edit_date,
            has_protected_content: msg.protect_content,
            reply_to_message: None,
            text: msg.text.as_ref().map(|b| b.plain.clone()),
            entities: msg
                .text
                .as_ref()
                .map(|b| b.entities.clone())
                .unwrap_or_default(),
            photo: msg.photo.as_ref().map(|p| p.sizes.clone()),
            caption: msg
                .caption
                .as_ref()
                .filter(|b| !b.plain.is_empty())
                .map(|b| b.plain.clone()),
            caption_entities: msg
                .caption
                .as_ref()
                .map(|b| b.entities.clone())
                .unwrap_or_default(),
            reply_markup: msg.reply_markup.clone(),
            via_bot: msg.via_bot.then(|| bot.clone()),
            successful_payment,
            refunded_payment,
        }
    }
}
