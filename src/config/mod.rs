//! Configuration: built-in defaults, then an optional `herald.toml`, then `HERALD_*` environment
//! variables (env wins). Every value is checked here, once; a bad one becomes a `ConfigError` that
//! names the variable, and `main` turns it into one line and exit code 2.
//!
//! Each section reads its variables through `reader::Reader` (one way to read a string, a list, a
//! number in a range or a duration) in a file of its own: `telegram`, `server`, `access`, `rates`,
//! `security`, `listener`, `ops`, `performance`; `file` is the shape of `herald.toml`.

mod access;
mod file;
mod listener;
mod ops;
mod payments;
mod performance;
mod rates;
mod reader;
mod security;
mod server;
mod telegram;
#[cfg(test)]
mod tests;

pub use listener::ConnectionLimits;
pub use ops::{AlertSettings, FEATURES, Features, Live, OpsSettings, Reloadable, needs_restart};
pub use performance::PerformanceSettings;
pub use rates::{DEFAULT_COMMAND_RATE, DeliverySettings, MAX_GLOBAL_RATE, TELEGRAM_PAID_RATE};
pub use security::{SecuritySettings, TlsFiles};
pub use server::LogFormat;

use std::net::SocketAddr;
use std::path::Path;

use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};

use file::FileConfig;
use reader::Reader;

/// A configuration problem, always naming the variable (or `herald.toml` key) at fault.
#[derive(Debug, thiserror::Error)]
#[error("{name}: {problem}")]
pub struct ConfigError {
    pub name: String,
    pub problem: String,
}

impl ConfigError {
    pub fn new(name: &str, problem: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            problem: problem.into(),
        }
    }
}

/// The whole configuration of one Herald process.
#[derive(Clone)]
pub struct Config {
    pub telegram_token: Option<SecretString>,
    pub telegram_api_url: String,
    pub database_url: String,
    pub listen: SocketAddr,
    /// `HERALD_METRICS_LISTEN`: where `/metrics` is served; `None` when turned off.
    pub metrics_listen: Option<SocketAddr>,
    pub api_keys: Vec<SecretString>,
    pub admin_ids: Vec<i64>,
    pub jwt_secret: Option<SecretString>,
    pub encryption_key: Option<[u8; 32]>,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<SecretString>,
    /// `HERALD_WEBHOOK_ALLOWED_IPS`: when set, the only addresses the webhook route answers.
    pub webhook_allowed_ips: Vec<IpNet>,
    pub allowed_ips: Vec<IpNet>,
    pub global_rate: u32,
    /// Commands one user may send per minute before being asked to slow down.
    pub command_rate: u32,
    pub log_format: LogFormat,
    pub delivery: DeliverySettings,
    /// Feature flags, alert thresholds, shutdown delay (`config::ops`).
    pub ops: OpsSettings,
    /// `[tiers.free]` / `[tiers.premium]` in `herald.toml` (file only: too structured for env).
    pub tiers: crate::domain::tier::TierRules,
    pub security: SecuritySettings,
    /// The API listener's header deadline and connection caps (`config::listener`).
    pub connections: ConnectionLimits,
    pub performance: PerformanceSettings,
    /// `[plans.*]`: what users can buy with Telegram Stars (none: premium is granted only).
    pub plans: crate::billing::Plans,
    /// `HERALD_PUBLIC_URL`: where `/app` (the Mini App) is reachable; `None` turns it off.
    pub public_url: Option<reqwest::Url>,
}

impl std::fmt::Debug for Config {
    // Secrets never reach a log line, even through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("telegram_api_url", &self.telegram_api_url)
            .field("database", &redact_url(&self.database_url))
            .field("listen", &self.listen)
            .field("metrics_listen", &self.metrics_listen)
            .field("api_keys", &self.api_keys.len())
            .field("admin_ids", &self.admin_ids.len())
            .field("webhook_url", &self.webhook_url)
            .field("allowed_ips", &self.allowed_ips)
            .field("global_rate", &self.global_rate)
            .field("trusted_proxies", &self.security.trusted_proxies)
            .field("tls", &self.security.tls)
            .field("plans", &self.plans)
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Where the values come from: a lookup for env vars (a closure, so tests need not touch the
/// process environment) and the text of `herald.toml` if there is one.
pub struct Sources<'a> {
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub file: Option<String>,
    pub stdout_is_terminal: bool,
}

impl Config {
    /// Reads the process environment and `./herald.toml` (or the file named by `HERALD_CONFIG`).
    pub fn from_env() -> Result<Self, ConfigError> {
        let path = std::env::var("HERALD_CONFIG").unwrap_or_else(|_| "herald.toml".to_owned());
        let file = if Path::new(&path).exists() {
            Some(std::fs::read_to_string(&path).map_err(|err| {
                ConfigError::new("HERALD_CONFIG", format!("cannot read {path}: {err}"))
            })?)
        } else {
            None
        };
        let env = |name: &str| std::env::var(name).ok();
        Self::load(Sources {
            env: &env,
            file,
            stdout_is_terminal: std::io::IsTerminal::is_terminal(&std::io::stdout()),
        })
    }

    pub fn load(sources: Sources<'_>) -> Result<Self, ConfigError> {
        let file = FileConfig::parse(sources.file.as_deref())?;
        let reader = Reader::new(sources.env);
        let telegram = telegram::load(&reader, &file)?;
        let server = server::load(&reader, &file, sources.stdout_is_terminal)?;
        let access = access::load(&reader, &file)?;
        let encryption_key = security::encryption_key(&reader, &file)?;
        let security = SecuritySettings::load(&reader, &file, encryption_key.is_some())?;
        let rates = rates::load(&reader, &file, &telegram.api_url)?;
        let ops = ops::load(&reader, &file)?;
        let performance = performance::load(&reader, file.performance.as_ref())?;
        let connections = listener::load(&reader, &file)?;
        let payments = payments::load(&reader, &file)?;
        Ok(Self {
            telegram_token: telegram.token,
            telegram_api_url: telegram.api_url,
            database_url: server.database_url,
            listen: server.listen,
            metrics_listen: server.metrics_listen,
            api_keys: access.api_keys,
            admin_ids: access.admin_ids,
            jwt_secret: access.jwt_secret,
            encryption_key,
            webhook_url: telegram.webhook_url,
            webhook_secret: telegram.webhook_secret,
            webhook_allowed_ips: telegram.webhook_allowed_ips,
            allowed_ips: access.allowed_ips,
            global_rate: rates.global_rate,
            command_rate: rates.command_rate,
            log_format: server.log_format,
            delivery: DeliverySettings {
                paid_broadcast: rates.paid_broadcast,
                fanout_chunk: rates.fanout_chunk,
                ..DeliverySettings::default()
            },
            ops,
            tiers: file.tiers.unwrap_or_default(),
            security,
            connections,
            performance,
            plans: payments.plans,
            public_url: payments.public_url,
        })
    }

    /// The bot token, or the error `serve` reports when it is missing.
    pub fn require_token(&self) -> Result<&SecretString, ConfigError> {
        self.telegram_token.as_ref().ok_or_else(|| {
            ConfigError::new(
                "HERALD_TELEGRAM_TOKEN",
                "required: the bot token from @BotFather",
            )
        })
    }

    /// The Mini App's address: `HERALD_PUBLIC_URL` + `/app`, when the URL is set.
    pub fn mini_app_url(&self) -> Option<reqwest::Url> {
        let base = self.public_url.as_ref()?;
        let path = format!("{}/app", base.path().trim_end_matches('/'));
        let mut url = base.clone();
        url.set_path(&path);
        Some(url)
    }

    pub fn is_postgres(&self) -> bool {
        self.database_url.starts_with("postgres")
    }

    /// Personal data on a shared database server is never stored in the clear.
    pub fn require_encryption_on_postgres(&self) -> Result<(), ConfigError> {
        if self.is_postgres() && self.encryption_key.is_none() {
            return Err(ConfigError::new(
                "HERALD_ENCRYPTION_KEY",
                "required on PostgreSQL (32 random bytes, base64: openssl rand -base64 32)",
            ));
        }
        Ok(())
    }

    /// The cipher for personal data: the current key, plus previous keys during a rotation.
    pub fn cipher(&self) -> crate::crypto::Cipher {
        let Some(key) = &self.encryption_key else {
            return crate::crypto::Cipher::plaintext();
        };
        self.security
            .previous_keys
            .iter()
            .fold(crate::crypto::Cipher::new(key), |cipher, old| {
                cipher.with_previous(old)
            })
    }
}

/// Whether `url` points at this machine (`localhost`, 127.0.0.0/8, ::1): where plain http is
/// allowed, since nothing crosses a network.
pub fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host_str() {
        Some("localhost") => true,
        Some(host) => host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

/// Exposes a secret for the one place that needs it (building a request), never for logging.
pub fn reveal(secret: &SecretString) -> &str {
    secret.expose_secret()
}
