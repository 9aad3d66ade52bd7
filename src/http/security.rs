//! State shared by the API's defences: the admin-token keys, the rate limiters, the budget of
//! audit rows refusals may write, and when each stored API key was last marked used.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::rate_limit::{RateLimits, SWEEP_EVERY};
use super::refusals::RefusalLog;
use crate::auth::jwt::JwtKeys;
use crate::config::{Config, reveal};
use crate::store::Store;

/// `last_used_at` is written at most this often per key, not on every request.
const TOUCH_EVERY: Duration = Duration::from_secs(60);

pub struct Security {
    /// `None` when `HERALD_JWT_SECRET` is not set: the admin API is off.
    pub jwt: Option<JwtKeys>,
    pub limits: RateLimits,
    pub refusals: RefusalLog,
    touched: Mutex<HashMap<String, Instant>>,
}

impl Security {
    pub fn new(config: &Config) -> Self {
        Self {
            jwt: config
                .jwt_secret
                .as_ref()
                .map(|secret| JwtKeys::new(reveal(secret).as_bytes())),
            // Mini App calls count like button presses in the bot: three times the command rate.
            limits: RateLimits::new(
                config.security.rate_per_ip,
                config.security.rate_per_key,
                config.command_rate.saturating_mul(3),
            ),
            refusals: RefusalLog::default(),
            touched: Mutex::new(HashMap::new()),
        }
    }

    /// Records that a stored key was used, in the background and at most once a minute per key.
    /// The map holds only keys that authenticated, so it is as small as the key table.
    pub fn note_key_used(&self, store: &Store, id: &str) {
        let due = match self.touched.lock() {
            Ok(mut touched) => {
                let due = touched
                    .get(id)
                    .is_none_or(|last| last.elapsed() >= TOUCH_EVERY);
                if due {
                    touched.insert(id.to_owned(), Instant::now());
                }
                due
            }
            Err(_) => false,
        };
        if due {
            let store = store.clone();
            let id = id.to_owned();
            tokio::spawn(async move {
                if let Err(err) = store.touch_api_key(&id, chrono::Utc::now()).await {
                    tracing::warn!(error = %err, "cannot record API key use");
                }
            });
        }
    }

    /// Sweeps the rate limiters until `stop` (see `rate_limit` on bounded memory).
    pub async fn maintain(&self, stop: CancellationToken) {
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(SWEEP_EVERY) => {
                    self.limits.sweep();
                    self.refusals.sweep();
                }
            }
        }
    }
}
