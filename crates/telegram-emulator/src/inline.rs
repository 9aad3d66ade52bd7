//! Inline mode, the users' side: a user types `@bot query` and the bot has a few seconds to answer.

use std::time::{Duration, Instant};

use crate::core::Core;
use crate::error::EmulatorError;
use crate::html::utf16_len;
use crate::state::InlineQueryRec;
use crate::types::{TgInlineQuery, TgUpdateKind};

/// How long an inline query stays answerable. Telegram does not publish the window (clients give
/// up after some seconds); this matches the pre-checkout deadline.
pub const INLINE_QUERY_TIMEOUT: Duration = Duration::from_secs(10);
/// InlineQuery `query`: "Text of the query (up to 256 characters)".
pub const MAX_INLINE_QUERY_LEN: usize = 256;

impl Core {
    /// The user types `query` after the bot's username in their chat with it; queues the
    /// `inline_query` update and returns its id.
    pub(crate) fn user_inline_query(
        &self,
        user_id: i64,
        query: &str,
    ) -> Result<String, EmulatorError> {
        let len = utf16_len(query);
        if len > MAX_INLINE_QUERY_LEN {
            return Err(EmulatorError::InlineQueryTooLong {
                len,
                max: MAX_INLINE_QUERY_LEN,
            });
        }
        let mut state = self.lock();
        let from = state.active_user(user_id)?;
        let id = state.new_callback_id();
        state.inline_queries.insert(
            id.clone(),
            InlineQueryRec {
                asked: Instant::now(),
                answered: false,
            },
        );
        drop(state);
        self.queue(TgUpdateKind::InlineQuery(TgInlineQuery {
            id: id.clone(),
            from,
            query: query.to_owned(),
            offset: String::new(),
            chat_type: Some("sender".to_owned()),
        }));
        Ok(id)
    }
}
