//! getMe, getChat and sendChatAction.

use std::sync::Arc;

use serde_json::json;

use super::{Reply, chat_id};
use crate::core::Core;
use crate::error::ApiError;
use crate::params::Params;
use crate::types::TgMe;

pub(crate) fn get_me(core: &Arc<Core>) -> Result<Reply, ApiError> {
    Reply::json(&TgMe {
        user: core.bot.clone(),
        can_join_groups: true,
        can_read_all_group_messages: false,
        // Inline mode is modelled (answerInlineQuery), as if enabled with @BotFather.
        supports_inline_queries: true,
        can_connect_to_business: false,
        has_main_web_app: false,
    })
}

/// getChat answers a ChatFullInfo: the Chat fields plus the ones every full chat carries.
pub(crate) fn get_chat(core: &Arc<Core>, params: &Params) -> Result<Reply, ApiError> {
    let chat_id = chat_id(core, params)?;
    let state = core.lock();
    let chat = state
        .chats
        .get(&chat_id)
        .ok_or_else(ApiError::chat_not_found)?;
    let mut info = serde_json::to_value(&chat.chat)
        .map_err(|_| ApiError::new(500, "Internal Server Error"))?;
    if let Some(map) = info.as_object_mut() {
        map.insert("accent_color_id".into(), json!(0));
        map.insert("max_reaction_count".into(), json!(11));
        map.insert(
            "accepted_gift_types".into(),
            json!({"unlimited_gifts": true, "limited_gifts": true, "unique_gifts": true, "premium_subscription": true}),
        );
    }
    Reply::json(&info)
}

/// "typing…" has no visible effect here; the chat must still exist and accept the bot.
pub(crate) fn send_chat_action(core: &Arc<Core>, params: &Params) -> Result<Reply, ApiError> {
    let chat_id = chat_id(core, params)?;
    if params.non_empty("action").is_none() {
        return Err(ApiError::bad_request("Bad Request: action is empty"));
    }
    super::send::check_recipient(&core.lock(), chat_id)?;
    Reply::json(&true)
}
