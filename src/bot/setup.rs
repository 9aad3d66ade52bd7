//! Registers the command menu with Telegram (setMyCommands) in every catalog language, from the
//! same `Command::VISIBLE` list the bot dispatches on. Admin commands are never registered.

use teloxide_core::payloads::SetMyCommandsSetters;
use teloxide_core::prelude::Requester;
use teloxide_core::types::BotCommand;

use super::commands::Command;
use crate::domain::i18n::{Lang, t};

pub fn command_list(lang: Lang) -> Vec<BotCommand> {
    Command::VISIBLE
        .iter()
        .map(|(name, key, _)| BotCommand::new(*name, t(lang, key)))
        .collect()
}

/// One list per language plus the default (English) for clients in any other language. A
/// failure is logged and not fatal: the bot works without the menu.
pub async fn register_commands(bot: &teloxide_core::Bot) {
    let mut result = bot.set_my_commands(command_list(Lang::En)).await.map(drop);
    for lang in Lang::ALL {
        if result.is_err() {
            break;
        }
        result = bot
            .set_my_commands(command_list(lang))
            .language_code(lang.code())
            .await
            .map(drop);
    }
    if let Err(err) = result {
        tracing::warn!(error = %crate::telegram::error_text(&err), "cannot register the command menu with Telegram");
    }
}

/// The menu button of every private chat opens the Mini App. Not fatal: `/settings` still has
/// its button.
pub async fn set_menu_app(outbound: &crate::telegram::Outbound, url: reqwest::Url) {
    if let Err(err) = outbound
        .set_menu_app(t(Lang::default(), "menu-app"), url)
        .await
    {
        tracing::warn!(error = %err, "cannot set the menu button to the Mini App");
    }
}
