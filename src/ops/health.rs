//! Whether Telegram answers, checked with getMe and remembered briefly so health checks from a
//! load balancer do not turn into a stream of Bot API calls.

use std::sync::Arc;
use std::time::Duration;

use teloxide_core::Bot;
use teloxide_core::prelude::Requester;
use tokio::sync::Mutex;
use tokio::time::Instant;

const REMEMBER_FOR: Duration = Duration::from_secs(10);
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Clone)]
pub struct TelegramProbe {
    bot: Bot,
    last: Arc<Mutex<Option<(Instant, bool)>>>,
}

impl TelegramProbe {
    pub fn new(bot: Bot) -> Self {
        Self {
            bot,
            last: Arc::new(Mutex::new(None)),
        }
    }

    pub async fn reachable(&self) -> bool {
        let mut last = self.last.lock().await;
        if let Some((at, ok)) = *last
            && at.elapsed() < REMEMBER_FOR
        {
            return ok;
        }
        let ok = matches!(
            tokio::time::timeout(PROBE_TIMEOUT, self.bot.get_me()).await,
            Ok(Ok(_))
        );
        *last = Some((Instant::now(), ok));
        ok
    }
}
