//! The Telegram side of the configuration: the Bot API's address, the bot token and the webhook.

use ipnet::IpNet;
use secrecy::SecretString;

use super::ConfigError;
use super::access::parse_nets;
use super::file::FileConfig;
use super::reader::Reader;

/// What this section reads; `Config` keeps the fields flat.
pub(super) struct TelegramSettings {
    pub token: Option<SecretString>,
    pub api_url: String,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<SecretString>,
    pub webhook_allowed_ips: Vec<IpNet>,
}

pub(super) fn load(reader: &Reader, file: &FileConfig) -> Result<TelegramSettings, ConfigError> {
    let api_url = reader
        .string("HERALD_TELEGRAM_API_URL", file.telegram_api_url.clone())
        .unwrap_or_else(|| "https://api.telegram.org".to_owned());
    check_api_url(&api_url)?;
    let token = reader
        .string("HERALD_TELEGRAM_TOKEN", file.telegram_token.clone())
        .map(|token| {
            check_token(&token)?;
            Ok(SecretString::from(token))
        })
        .transpose()?;
    let webhook_url = reader.string("HERALD_WEBHOOK_URL", file.webhook_url.clone());
    if let Some(url) = &webhook_url {
        check_webhook_url(url)?;
    }
    let webhook_secret = reader
        .string("HERALD_WEBHOOK_SECRET", file.webhook_secret.clone())
        .map(|secret| {
            check_webhook_secret(&secret)?;
            Ok(SecretString::from(secret))
        })
        .transpose()?;
    if webhook_url.is_some() && webhook_secret.is_none() {
        return Err(ConfigError::new(
            "HERALD_WEBHOOK_SECRET",
            "required when HERALD_WEBHOOK_URL is set",
        ));
    }
    let webhook_allowed_ips = parse_nets(
        "HERALD_WEBHOOK_ALLOWED_IPS",
        reader.list(
            "HERALD_WEBHOOK_ALLOWED_IPS",
            file.webhook_allowed_ips.clone(),
        ),
    )?;
    Ok(TelegramSettings {
        token,
        api_url,
        webhook_url,
        webhook_secret,
        webhook_allowed_ips,
    })
}

/// The token travels in every request path, so plain HTTP is allowed only to this machine.
fn check_api_url(url: &str) -> Result<(), ConfigError> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|err| ConfigError::new("HERALD_TELEGRAM_API_URL", format!("not a URL ({err})")))?;
    let loopback = super::is_loopback(&parsed);
    if parsed.scheme() == "https" || (parsed.scheme() == "http" && loopback) {
        Ok(())
    } else {
        Err(ConfigError::new(
            "HERALD_TELEGRAM_API_URL",
            "must start with https:// (http:// only for a local emulator on this machine)",
        ))
    }
}

/// Telegram tokens look like `123456789:AA…`; catching a pasted-wrong token here beats a 401 later.
fn check_token(token: &str) -> Result<(), ConfigError> {
    let valid = token.split_once(':').is_some_and(|(bot_id, secret)| {
        !bot_id.is_empty()
            && bot_id.chars().all(|c| c.is_ascii_digit())
            && !secret.is_empty()
            && secret
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    });
    if valid {
        Ok(())
    } else {
        Err(ConfigError::new(
            "HERALD_TELEGRAM_TOKEN",
            "expected a bot token like 123456789:AAE…",
        ))
    }
}

fn check_webhook_url(url: &str) -> Result<(), ConfigError> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|err| ConfigError::new("HERALD_WEBHOOK_URL", format!("not a URL ({err})")))?;
    if parsed.scheme() != "https" && parsed.host_str() != Some("127.0.0.1") {
        return Err(ConfigError::new(
            "HERALD_WEBHOOK_URL",
            "Telegram only calls https:// webhooks",
        ));
    }
    Ok(())
}

/// The shortest webhook secret accepted. Telegram allows one character; the secret is all that
/// stands between the route and anyone who finds it, so it must be too long to guess.
const MIN_WEBHOOK_SECRET: usize = 32;

/// Telegram's rule for `secret_token` (up to 256 of A-Z a-z 0-9 _ -), at least
/// [`MIN_WEBHOOK_SECRET`] long.
fn check_webhook_secret(secret: &str) -> Result<(), ConfigError> {
    let valid = (MIN_WEBHOOK_SECRET..=256).contains(&secret.len())
        && secret
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if valid {
        Ok(())
    } else {
        Err(ConfigError::new(
            "HERALD_WEBHOOK_SECRET",
            "must be 32-256 characters of A-Z a-z 0-9 _ - (openssl rand -hex 32)",
        ))
    }
}
