//! The Bot API client: teloxide-core's `Bot`, pointed at `HERALD_TELEGRAM_API_URL` (Telegram, or
//! the bundled emulator), over rustls. Its URLs contain the token, so nothing here logs them.

use std::time::Duration;

use teloxide_core::Bot;

use crate::config::{ConfigError, reveal};

/// Long polls wait up to this long at Telegram; the HTTP timeout must outlast it.
pub const LONG_POLL_SECONDS: u32 = 25;

pub fn build_bot(token: &secrecy::SecretString, api_url: &str) -> Result<Bot, ConfigError> {
    let url = reqwest::Url::parse(api_url).map_err(|err| ConfigError {
        name: "HERALD_TELEGRAM_API_URL".into(),
        problem: format!("not a URL ({err})"),
    })?;
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(u64::from(LONG_POLL_SECONDS) + 10))
        .pool_max_idle_per_host(256)
        .tcp_nodelay(true)
        .build()
        .map_err(|err| ConfigError {
            name: "HERALD_TELEGRAM_API_URL".into(),
            problem: format!("cannot build an HTTP client ({err})"),
        })?;
    Ok(Bot::with_client(reveal(token), client).set_api_url(url))
}
