//! At start in webhook mode, a look at what Telegram has registered. Registering is the operator's
//! step (`herald webhook set`), never a side effect of a replica starting.

use teloxide_core::Bot;
use teloxide_core::prelude::Requester;

use super::error_text;
use crate::config::Config;

/// At start in webhook mode: warn when Telegram has a different URL (or none) registered. It
/// never changes the registration.
pub async fn check_registration(bot: &Bot, config: &Config) {
    let Some(expected) = &config.webhook_url else {
        return;
    };
    match bot.get_webhook_info().await {
        Ok(info) => {
            let registered = info.url.as_ref().map(reqwest::Url::as_str);
            let expected = reqwest::Url::parse(expected).ok();
            if registered != expected.as_ref().map(reqwest::Url::as_str) {
                tracing::warn!(
                    registered = registered.unwrap_or("(none)"),
                    "Telegram has a different webhook registered; run `herald webhook set`"
                );
            }
            // A registration from an older version misses update kinds added since (payments).
            let missing: Vec<_> = info
                .allowed_updates
                .as_ref()
                .map(|kinds| {
                    crate::bot::ALLOWED_UPDATES
                        .iter()
                        .filter(|kind| !kinds.iter().any(|have| have == *kind))
                        .collect()
                })
                .unwrap_or_default();
            if !missing.is_empty() {
                tracing::warn!(
                    ?missing,
                    "the webhook is registered without update kinds Herald handles; run `herald webhook set`"
                );
            }
        }
        Err(err) => {
            tracing::warn!(error = %error_text(&err), "cannot read the webhook registration")
        }
    }
}
