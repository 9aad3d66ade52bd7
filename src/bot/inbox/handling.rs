//! One stored update through its handler, and what becomes of it: marked handled, tried again, or
//! — after `MAX_ATTEMPTS` failures — given up on with an apology to the user.

use std::time::Instant;

use teloxide_core::types::{Update, UpdateKind};
use tracing::Instrument;

use crate::bot::commands::{self, Parsed};
use crate::bot::{BotContext, handle_update};
use crate::domain::i18n::{Lang, t};
use crate::ops::metrics::ErrorKind;
use crate::ops::telemetry::PERFORMANCE;
use crate::store::InboxUpdate;

/// A handler that failed this often is given up on, with an apology to the user.
const MAX_ATTEMPTS: i32 = 3;

/// What becomes of an update after its handler ran.
pub(super) enum NextStep {
    /// Handled, or given up on: to be marked handled.
    MarkHandled,
    /// The handler failed; to be tried again.
    TryAgain,
}

/// Runs an update's handler; returns what becomes of the update, and who sent it.
pub(super) async fn handle_stored(
    ctx: &BotContext,
    stored: InboxUpdate,
) -> (NextStep, Option<i64>) {
    let update: Update = match serde_json::from_str(&stored.payload) {
        Ok(update) => update,
        Err(err) => {
            tracing::warn!(update_id = stored.update_id, error = %err, "unreadable update; skipped");
            return (NextStep::MarkHandled, None);
        }
    };
    let command = command_label(&update, &ctx.bot_username);
    let span = tracing::info_span!("update", update_id = stored.update_id, command);
    let sender = update.from().map(|user| user.id.0 as i64);
    let next = handle_parsed(ctx, stored, update, command)
        .instrument(span)
        .await;
    (next, sender)
}

async fn handle_parsed(
    ctx: &BotContext,
    mut stored: InboxUpdate,
    update: Update,
    command: &'static str,
) -> NextStep {
    let started = Instant::now();
    let result = handle_update(ctx, &update, stored.caller.take()).await;
    crate::ops::metrics::command(command, started, result.is_ok());
    tracing::info!(target: PERFORMANCE, command, latency_ms = started.elapsed().as_millis() as u64, ok = result.is_ok(), "update handled");
    let Err(err) = result else {
        return NextStep::MarkHandled;
    };
    crate::ops::metrics::error(ErrorKind::Handler);
    tracing::error!(error = %err, "handler failed");
    if let Err(err) = ctx.store.note_update_attempt(stored.update_id).await {
        // The count is what ends the retries of an update that always fails.
        crate::ops::metrics::error(ErrorKind::Database);
        tracing::error!(error = %err, "cannot count the failed attempt; the update is tried again");
    }
    if stored.attempts + 1 < MAX_ATTEMPTS {
        return NextStep::TryAgain;
    }
    if let Some(chat_id) = stored.chat_id {
        // The stored language may be what failed to load; Telegram's is at hand.
        let lang = update
            .from()
            .and_then(|user| user.language_code.as_deref())
            .and_then(Lang::from_code)
            .unwrap_or_default();
        if let Err(err) = ctx
            .replies
            .send(chat_id, t(lang, "error-apology"), None)
            .await
        {
            tracing::warn!(error = %err, "cannot send the apology for an update given up on");
        }
    }
    NextStep::MarkHandled
}

/// The metric label of an update: the command's own name, or what kind of input it was. A closed
/// set, whatever users type.
pub fn command_label(update: &Update, bot_username: &str) -> &'static str {
    match &update.kind {
        UpdateKind::Message(message) => match message.text() {
            Some(text) => match commands::parse(text, bot_username) {
                Some(Parsed::Command(command)) => command.name(),
                Some(Parsed::Unknown(_)) => "unknown",
                Some(Parsed::NotForUs) => "other_bot",
                None => "text",
            },
            None => "non_text",
        },
        UpdateKind::CallbackQuery(_) => "callback",
        UpdateKind::MyChatMember(_) => "membership",
        _ => "other",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn text_update(text: &str) -> Update {
        let json = serde_json::json!({"update_id": 1, "message": {
            "message_id": 1, "date": 1700000000, "chat": {"id": 5, "type": "private", "first_name": "A"},
            "from": {"id": 5, "is_bot": false, "first_name": "A"}, "text": text}});
        // From text: teloxide's `Update` does not read back from a `Value`.
        serde_json::from_str(&json.to_string()).unwrap()
    }

    #[test]
    fn labels_are_a_closed_set() {
        assert_eq!(command_label(&text_update("/help"), "bot"), "help");
        assert_eq!(command_label(&text_update("/HELP@bot x"), "bot"), "help");
        assert_eq!(command_label(&text_update("/x9f3k2"), "bot"), "unknown");
        assert_eq!(
            command_label(&text_update("/help@other"), "bot"),
            "other_bot"
        );
        assert_eq!(command_label(&text_update("hello"), "bot"), "text");
    }
}
