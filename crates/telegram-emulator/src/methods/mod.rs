//! Bot API methods, one file per group. Each handler takes the decoded [`Params`] and returns the
//! serialized `{"ok":true,"result":…}` body or an [`ApiError`].

mod callback;
mod chat;
mod commands;
mod edit;
mod inline;
mod keyboard;
mod media;
mod menu;
mod payments;
mod photo;
mod send;
mod updates;
mod webhook;

pub(crate) use commands::default_scope_commands;
pub(crate) use send::format as format_text;

use std::sync::Arc;

use serde::Serialize;

use crate::core::Core;
use crate::error::ApiError;
use crate::params::Params;

/// The methods the emulator implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Method {
    GetMe,
    LogOut,
    Close,
    GetUpdates,
    SetWebhook,
    DeleteWebhook,
    GetWebhookInfo,
    SendMessage,
    SendPhoto,
    SendChatAction,
    EditMessageText,
    EditMessageReplyMarkup,
    EditMessageMedia,
    DeleteMessage,
    AnswerCallbackQuery,
    SetMyCommands,
    GetMyCommands,
    DeleteMyCommands,
    GetChat,
    SetChatMenuButton,
    GetChatMenuButton,
    AnswerInlineQuery,
    CreateInvoiceLink,
    AnswerPreCheckoutQuery,
    RefundStarPayment,
}

impl Method {
    pub(crate) const ALL: [Method; 25] = [
        Method::GetMe,
        Method::LogOut,
        Method::Close,
        Method::GetUpdates,
        Method::SetWebhook,
        Method::DeleteWebhook,
        Method::GetWebhookInfo,
        Method::SendMessage,
        Method::SendPhoto,
        Method::SendChatAction,
        Method::EditMessageText,
        Method::EditMessageReplyMarkup,
        Method::EditMessageMedia,
        Method::DeleteMessage,
        Method::AnswerCallbackQuery,
        Method::SetMyCommands,
        Method::GetMyCommands,
        Method::DeleteMyCommands,
        Method::GetChat,
        Method::SetChatMenuButton,
        Method::GetChatMenuButton,
        Method::AnswerInlineQuery,
        Method::CreateInvoiceLink,
        Method::AnswerPreCheckoutQuery,
        Method::RefundStarPayment,
    ];

    /// The canonical (documented) spelling.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Method::GetMe => "getMe",
            Method::LogOut => "logOut",
            Method::Close => "close",
            Method::GetUpdates => "getUpdates",
            Method::SetWebhook => "setWebhook",
            Method::DeleteWebhook => "deleteWebhook",
            Method::GetWebhookInfo => "getWebhookInfo",
            Method::SendMessage => "sendMessage",
            Method::SendPhoto => "sendPhoto",
            Method::SendChatAction => "sendChatAction",
            Method::EditMessageText => "editMessageText",
            Method::EditMessageReplyMarkup => "editMessageReplyMarkup",
            Method::EditMessageMedia => "editMessageMedia",
            Method::DeleteMessage => "deleteMessage",
            Method::AnswerCallbackQuery => "answerCallbackQuery",
            Method::SetMyCommands => "setMyCommands",
            Method::GetMyCommands => "getMyCommands",
            Method::DeleteMyCommands => "deleteMyCommands",
            Method::GetChat => "getChat",
            Method::SetChatMenuButton => "setChatMenuButton",
            Method::GetChatMenuButton => "getChatMenuButton",
            Method::AnswerInlineQuery => "answerInlineQuery",
            Method::CreateInvoiceLink => "createInvoiceLink",
            Method::AnswerPreCheckoutQuery => "answerPreCheckoutQuery",
            Method::RefundStarPayment => "refundStarPayment",
        }
    }

    /// Method names are case-insensitive on the Bot API (teloxide calls `SendMessage`).
    pub(crate) fn parse(name: &str) -> Option<Method> {
        Method::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(name))
    }

    /// Methods that post a message and so count against flood limits and receive injected faults.
    pub(crate) fn is_send(self) -> bool {
        matches!(
            self,
            Method::SendMessage
                | Method::SendPhoto
                | Method::EditMessageText
                | Method::EditMessageMedia
        )
    }
}

/// A serialized success body.
pub(crate) struct Reply(pub Vec<u8>);

impl Reply {
    pub(crate) fn json<T: Serialize>(result: &T) -> Result<Reply, ApiError> {
        #[derive(Serialize)]
        struct Ok<'a, T> {
            ok: bool,
            result: &'a T,
        }
        serde_json::to_vec(&Ok { ok: true, result })
            .map(Reply)
            .map_err(|_| ApiError::new(500, "Internal Server Error"))
    }

    /// A body whose `result` is already-serialized JSON.
    pub(crate) fn raw(result: &str) -> Reply {
        let mut body = Vec::with_capacity(result.len() + 22);
        body.extend_from_slice(b"{\"ok\":true,\"result\":");
        body.extend_from_slice(result.as_bytes());
        body.push(b'}');
        Reply(body)
    }
}

pub(crate) async fn call(
    core: &Arc<Core>,
    method: Method,
    params: &Params,
) -> Result<Reply, ApiError> {
    match method {
        Method::GetMe => chat::get_me(core),
        Method::LogOut | Method::Close => Reply::json(&true),
        Method::GetUpdates => updates::get_updates(core, params).await,
        Method::SetWebhook => webhook::set_webhook(core, params),
        Method::DeleteWebhook => webhook::delete_webhook(core, params),
        Method::GetWebhookInfo => webhook::get_webhook_info(core),
        Method::SendMessage => send::send_message(core, params),
        Method::SendPhoto => photo::send_photo(core, params),
        Method::SendChatAction => chat::send_chat_action(core, params),
        Method::EditMessageText => edit::edit_message_text(core, params),
        Method::EditMessageReplyMarkup => edit::edit_message_reply_markup(core, params),
        Method::EditMessageMedia => media::edit_message_media(core, params),
        Method::DeleteMessage => edit::delete_message(core, params),
        Method::AnswerCallbackQuery => callback::answer_callback_query(core, params),
        Method::SetMyCommands => commands::set_my_commands(core, params),
        Method::GetMyCommands => commands::get_my_commands(core, params),
        Method::DeleteMyCommands => commands::delete_my_commands(core, params),
        Method::GetChat => chat::get_chat(core, params),
        Method::SetChatMenuButton => menu::set_chat_menu_button(core, params),
        Method::GetChatMenuButton => menu::get_chat_menu_button(core, params),
        Method::AnswerInlineQuery => inline::answer_inline_query(core, params),
        Method::CreateInvoiceLink => payments::create_invoice_link(core, params),
        Method::AnswerPreCheckoutQuery => payments::answer_pre_checkout_query(core, params),
        Method::RefundStarPayment => payments::refund_star_payment(core, params),
    }
}

/// Reads `chat_id`: required, an integer or a channel's `@username` (the Bot API does not resolve
/// users' usernames).
pub(crate) fn chat_id(core: &Core, params: &Params) -> Result<i64, ApiError> {
    let Some(raw) = params.non_empty("chat_id") else {
        return Err(ApiError::bad_request("Bad Request: chat_id is empty"));
    };
    if raw.starts_with('@') {
        return core
            .lock()
            .chat_by_username(&raw)
            .ok_or_else(ApiError::chat_not_found);
    }
    params
        .int("chat_id")
        .ok()
        .flatten()
        .ok_or_else(ApiError::chat_not_found)
}

/// A user id parameter (`user_id`, or a private chat's `chat_id`): a positive integer.
pub(crate) fn user_id(params: &Params, name: &str) -> Result<i64, ApiError> {
    params
        .int(name)
        .ok()
        .flatten()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::bad(format!("Invalid {name} specified")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names_are_case_insensitive() {
        assert_eq!(Method::parse("SendMessage"), Some(Method::SendMessage));
        assert_eq!(Method::parse("getupdates"), Some(Method::GetUpdates));
        assert_eq!(Method::parse("sendSticker"), None);
        for (i, m) in Method::ALL.iter().enumerate() {
            assert_eq!(*m as usize, i, "ALL is in declaration order");
        }
    }
}
