//! Configuration: built-in defaults, then an optional `herald.toml`, then `HERALD_*` environment
//! variables (env wins). Every value is checked here, once; a bad one becomes a `ConfigError` that
//! names the variable, and `main` turns it into one line and exit code 2.

mod ops;

pub use ops::{AlertSettings, FEATURES, Features, Live, OpsSettings, Reloadable, needs_restart};

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use base64::Engine;
use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

mod security;

use security::{SecurityFile, parse_nets};
pub use security::{SecuritySettings, TlsFiles};

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

/// Telegram allows up to 1000 messages/s with paid broadcasts (`allow_paid_broadcast`).
pub const TELEGRAM_PAID_RATE: u32 = 1000;
/// Higher rates only make sense against a local Bot API server or the emulator (benchmarks).
pub const MAX_GLOBAL_RATE: u32 = 100_000;
/// Higher only for benchmarks, where simulated users send commands back to back.
const MAX_COMMAND_RATE: u32 = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// The whole configuration of one Herald process.
#[derive(Clone)]
pub struct Config {
    pub telegram_token: Option<SecretString>,
    pub telegram_api_url: String,
    pub database_url: String,
    pub listen: SocketAddr,
    pub api_keys: Vec<SecretString>,
    pub admin_ids: Vec<i64>,
    pub jwt_secret: Option<SecretString>,
    pub encryption_key: Option<[u8; 32]>,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<SecretString>,
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
    pub performance: PerformanceSettings,
}

/// `[performance]` in `herald.toml`; `HERALD_REPORT_HOUR` overrides the report hour.
#[derive(Debug, Clone)]
pub struct PerformanceSettings {
    /// Local hour (0-23, in each user's time zone) at which scheduled reports go out.
    pub report_hour: u8,
    /// When open signals expire, per timeframe.
    pub horizons: crate::domain::performance::Horizons,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PerformanceFile {
    report_hour: Option<u8>,
    session_close: Option<String>,
    session_timezone: Option<String>,
    #[serde(default)]
    horizons: std::collections::BTreeMap<String, String>,
}

/// Reports at 08:00 local: read with breakfast, and after the night's signals have closed.
const DEFAULT_REPORT_HOUR: u8 = 8;

impl Default for PerformanceSettings {
    fn default() -> Self {
        Self {
            report_hour: DEFAULT_REPORT_HOUR,
            horizons: crate::domain::performance::Horizons::default(),
        }
    }
}

/// Knobs of the dispatcher; defaults follow Telegram's documented limits.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// Telegram: "avoid sending more than one message per second" to one chat.
    pub per_chat_interval: Duration,
    /// Telegram: at most 20 messages per minute to the same group.
    pub group_per_minute: u32,
    /// Attempts for 5xx/network failures before a delivery is `failed`.
    pub max_attempts: u32,
    /// Requests to Telegram in flight at once.
    pub max_in_flight: usize,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            per_chat_interval: Duration::from_secs(1),
            group_per_minute: 20,
            max_attempts: 8,
            max_in_flight: 64,
        }
    }
}

impl std::fmt::Debug for Config {
    // Secrets never reach a log line, even through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("telegram_api_url", &self.telegram_api_url)
            .field("database", &redact_url(&self.database_url))
            .field("listen", &self.listen)
            .field("api_keys", &self.api_keys.len())
            .field("admin_ids", &self.admin_ids.len())
            .field("webhook_url", &self.webhook_url)
            .field("allowed_ips", &self.allowed_ips)
            .field("global_rate", &self.global_rate)
            .field("trusted_proxies", &self.security.trusted_proxies)
            .field("tls", &self.security.tls)
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

/// `herald.toml`: the same settings as the environment, in lower case without the prefix.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    telegram_token: Option<String>,
    telegram_api_url: Option<String>,
    database_url: Option<String>,
    listen: Option<String>,
    api_keys: Option<Vec<String>>,
    admin_ids: Option<Vec<i64>>,
    jwt_secret: Option<String>,
    encryption_key: Option<String>,
    webhook_url: Option<String>,
    webhook_secret: Option<String>,
    allowed_ips: Option<Vec<String>>,
    global_rate: Option<u32>,
    command_rate: Option<u32>,
    log_format: Option<String>,
    features: Option<String>,
    alert_interval: Option<String>,
    alert_errors: Option<u64>,
    alert_queue: Option<i64>,
    alert_login_failures: Option<u64>,
    shutdown_delay: Option<String>,
    tiers: Option<crate::domain::tier::TierRules>,
    encryption_key_previous: Option<Vec<String>>,
    trusted_proxies: Option<Vec<String>>,
    rate_limit_ip: Option<u32>,
    rate_limit_key: Option<u32>,
    retention_deliveries: Option<String>,
    retention_audit: Option<String>,
    tls_cert: Option<String>,
    tls_key: Option<String>,
    performance: Option<PerformanceFile>,
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
        let file: FileConfig = match &sources.file {
            Some(text) => toml::from_str(text)
                .map_err(|err| ConfigError::new("herald.toml", err.message().to_owned()))?,
            None => FileConfig::default(),
        };
        // Env wins over the file; an empty variable counts as unset.
        let value = |name: &str, from_file: Option<String>| -> Option<String> {
            (sources.env)(name)
                .filter(|v| !v.trim().is_empty())
                .or(from_file)
        };
        let list = |name: &str, from_file: Option<Vec<String>>| -> Vec<String> {
            match (sources.env)(name).filter(|v| !v.trim().is_empty()) {
                Some(text) => text
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                None => from_file.unwrap_or_default(),
            }
        };

        let telegram_api_url = value("HERALD_TELEGRAM_API_URL", file.telegram_api_url)
            .unwrap_or_else(|| "https://api.telegram.org".to_owned());
        let parsed = reqwest::Url::parse(&telegram_api_url).map_err(|err| {
            ConfigError::new("HERALD_TELEGRAM_API_URL", format!("not a URL ({err})"))
        })?;
        // The token travels in every request path, so plain HTTP is allowed only to this machine.
        let loopback = match parsed.host_str() {
            Some("localhost") => true,
            Some(host) => host
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback()),
            None => false,
        };
        if !(parsed.scheme() == "https" || (parsed.scheme() == "http" && loopback)) {
            return Err(ConfigError::new(
                "HERALD_TELEGRAM_API_URL",
                "must start with https:// (http:// only for a local emulator on this machine)",
            ));
        }

        let telegram_token = value("HERALD_TELEGRAM_TOKEN", file.telegram_token)
            .map(|token| {
                check_token(&token)?;
                Ok(SecretString::from(token))
            })
            .transpose()?;

        let database_url = value("HERALD_DATABASE_URL", file.database_url)
            .unwrap_or_else(|| "sqlite://herald.db".to_owned());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError::new(
                "HERALD_DATABASE_URL",
                "must start with sqlite:// or postgres://",
            ));
        }

        let listen_text =
            value("HERALD_LISTEN", file.listen).unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = listen_text.parse().map_err(|_| {
            ConfigError::new(
                "HERALD_LISTEN",
                format!("expected an address like 127.0.0.1:8080, got {listen_text:?}"),
            )
        })?;

        let api_keys = list("HERALD_API_KEYS", file.api_keys);
        if let Some(short) = api_keys.iter().find(|key| key.len() < 16) {
            let _ = short;
            return Err(ConfigError::new(
                "HERALD_API_KEYS",
                "every key must be at least 16 characters",
            ));
        }
        let api_keys = api_keys.into_iter().map(SecretString::from).collect();

        let admin_ids = match (sources.env)("HERALD_ADMIN_IDS").filter(|v| !v.trim().is_empty()) {
            Some(text) => text
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|id| {
                    id.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
                        ConfigError::new(
                            "HERALD_ADMIN_IDS",
                            format!("{id:?} is not a Telegram user id"),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => file.admin_ids.unwrap_or_default(),
        };

        let jwt_secret = value("HERALD_JWT_SECRET", file.jwt_secret)
            .map(|secret| {
                if secret.len() < 32 {
                    Err(ConfigError::new(
                        "HERALD_JWT_SECRET",
                        "must be at least 32 characters",
                    ))
                } else {
                    Ok(SecretString::from(secret))
                }
            })
            .transpose()?;

        let encryption_key = value("HERALD_ENCRYPTION_KEY", file.encryption_key)
            .map(|text| parse_key("HERALD_ENCRYPTION_KEY", &text))
            .transpose()?;

        let webhook_url = value("HERALD_WEBHOOK_URL", file.webhook_url);
        if let Some(url) = &webhook_url {
            let parsed = reqwest::Url::parse(url).map_err(|err| {
                ConfigError::new("HERALD_WEBHOOK_URL", format!("not a URL ({err})"))
            })?;
            if parsed.scheme() != "https" && parsed.host_str() != Some("127.0.0.1") {
                return Err(ConfigError::new(
                    "HERALD_WEBHOOK_URL",
                    "Telegram only calls https:// webhooks",
                ));
            }
        }
        let webhook_secret = value("HERALD_WEBHOOK_SECRET", file.webhook_secret)
            .map(|secret| {
                // Telegram's rule for secret_token: 1-256 characters of A-Z a-z 0-9 _ -.
                let valid = (1..=256).contains(&secret.len())
                    && secret
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if valid {
                    Ok(SecretString::from(secret))
                } else {
                    Err(ConfigError::new(
                        "HERALD_WEBHOOK_SECRET",
                        "must be 1-256 characters of A-Z a-z 0-9 _ -",
                    ))
                }
            })
            .transpose()?;
        if webhook_url.is_some() && webhook_secret.is_none() {
            return Err(ConfigError::new(
                "HERALD_WEBHOOK_SECRET",
                "required when HERALD_WEBHOOK_URL is set",
            ));
        }

        let allowed_ips = parse_nets(
            "HERALD_ALLOWED_IPS",
            list("HERALD_ALLOWED_IPS", file.allowed_ips),
        )?;

        let security = SecuritySettings::load(
            sources.env,
            SecurityFile {
                encryption_key_previous: file.encryption_key_previous,
                trusted_proxies: file.trusted_proxies,
                rate_limit_ip: file.rate_limit_ip,
                rate_limit_key: file.rate_limit_key,
                retention_deliveries: file.retention_deliveries,
                retention_audit: file.retention_audit,
                tls_cert: file.tls_cert,
                tls_key: file.tls_key,
            },
            encryption_key.is_some(),
        )?;

        let global_rate =
            match (sources.env)("HERALD_GLOBAL_RATE").filter(|v| !v.trim().is_empty()) {
                Some(text) => text.trim().parse::<u32>().ok(),
                None => Some(file.global_rate.unwrap_or(30)),
            }
            .filter(|rate| (1..=MAX_GLOBAL_RATE).contains(rate))
            .ok_or_else(|| {
                ConfigError::new(
                    "HERALD_GLOBAL_RATE",
                    format!("expected messages per second from 1 to {MAX_GLOBAL_RATE}"),
                )
            })?;
        if global_rate > TELEGRAM_PAID_RATE {
            tracing::warn!(
                global_rate,
                "HERALD_GLOBAL_RATE is above Telegram's paid-broadcast limit of 1000/s; only a local Bot API server or the emulator accepts that"
            );
        }

        let command_rate =
            match (sources.env)("HERALD_COMMAND_RATE").filter(|v| !v.trim().is_empty()) {
                Some(text) => text.trim().parse::<u32>().ok(),
                None => Some(
                    file.command_rate
                        .unwrap_or(crate::bot::ratelimit::CommandRate::DEFAULT_PER_MINUTE),
                ),
            }
            .filter(|rate| (1..=MAX_COMMAND_RATE).contains(rate))
            .ok_or_else(|| {
                ConfigError::new(
                    "HERALD_COMMAND_RATE",
                    format!("expected commands per user per minute from 1 to {MAX_COMMAND_RATE}"),
                )
            })?;

        let log_format = match value("HERALD_LOG_FORMAT", file.log_format).as_deref() {
            None => {
                if sources.stdout_is_terminal {
                    LogFormat::Pretty
                } else {
                    LogFormat::Json
                }
            }
            Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::new(
                    "HERALD_LOG_FORMAT",
                    format!("expected pretty or json, got {other:?}"),
                ));
            }
        };

        let ops = {
            let from_file = |name: &str| -> Option<String> {
                match name {
                    "HERALD_FEATURES" => file.features.clone(),
                    "HERALD_ALERT_INTERVAL" => file.alert_interval.clone(),
                    "HERALD_ALERT_ERRORS" => file.alert_errors.map(|n| n.to_string()),
                    "HERALD_ALERT_QUEUE" => file.alert_queue.map(|n| n.to_string()),
                    "HERALD_ALERT_LOGIN_FAILURES" => {
                        file.alert_login_failures.map(|n| n.to_string())
                    }
                    "HERALD_SHUTDOWN_DELAY" => file.shutdown_delay.clone(),
                    _ => None,
                }
            };
            ops::load(&|name: &str| value(name, from_file(name)))?
        };
        let performance = file.performance.unwrap_or_default();
        let report_hour =
            match (sources.env)("HERALD_REPORT_HOUR").filter(|v| !v.trim().is_empty()) {
                Some(text) => text.trim().parse::<u8>().ok(),
                None => Some(performance.report_hour.unwrap_or(DEFAULT_REPORT_HOUR)),
            }
            .filter(|hour| *hour <= 23)
            .ok_or_else(|| {
                ConfigError::new("HERALD_REPORT_HOUR", "expected an hour from 0 to 23")
            })?;
        let horizons = crate::domain::performance::Horizons::configured(
            performance.session_close.as_deref(),
            performance.session_timezone.as_deref(),
            &performance.horizons,
        )
        .map_err(|err| ConfigError::new(&err.key, err.problem))?;

        Ok(Self {
            telegram_token,
            telegram_api_url,
            database_url,
            listen,
            api_keys,
            admin_ids,
            jwt_secret,
            encryption_key,
            webhook_url,
            webhook_secret,
            allowed_ips,
            global_rate,
            command_rate,
            log_format,
            delivery: DeliverySettings::default(),
            ops,
            tiers: file.tiers.unwrap_or_default(),
            security,
            performance: PerformanceSettings {
                report_hour,
                horizons,
            },
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

    pub fn is_postgres(&self) -> bool {
        self.database_url.starts_with("postgres")
    }

    /// PRODUCT §1: personal data on a shared database server is never stored in the clear.
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

pub(crate) fn parse_key(name: &str, text: &str) -> Result<[u8; 32], ConfigError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| ConfigError::new(name, "not valid base64"))?;
    bytes.try_into().map_err(|_| {
        ConfigError::new(
            name,
            "must decode to exactly 32 bytes (openssl rand -base64 32)",
        )
    })
}

/// Exposes a secret for the one place that needs it (building a request), never for logging.
pub fn reveal(secret: &SecretString) -> &str {
    secret.expose_secret()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)], file: Option<&str>) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let env = move |name: &str| map.get(name).cloned();
        Config::load(Sources {
            env: &env,
            file: file.map(str::to_owned),
            stdout_is_terminal: false,
        })
    }

    #[test]
    fn defaults_match_the_product_contract() {
        let config = load(&[], None).unwrap();
        assert_eq!(config.telegram_api_url, "https://api.telegram.org");
        assert_eq!(config.database_url, "sqlite://herald.db");
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.global_rate, 30);
        assert_eq!(config.log_format, LogFormat::Json);
        assert!(config.telegram_token.is_none());
        assert_eq!(
            config.require_token().unwrap_err().name,
            "HERALD_TELEGRAM_TOKEN"
        );
    }

    #[test]
    fn tiers_come_from_the_file() {
        let file = "[tiers.free]\ndelivery_delay_secs = 300\nsignal_types = [\"buy\"]\n\
                    [tiers.premium]\nsignals_history = 100\n";
        let config = load(&[], Some(file)).unwrap();
        assert_eq!(config.tiers.free.delivery_delay_secs, 300);
        assert_eq!(config.tiers.premium.signals_history, 100);
        assert!(
            config.tiers.premium.protect_content,
            "unset keys keep their defaults"
        );
        assert_eq!(
            load(&[], None).unwrap().tiers,
            crate::domain::tier::TierRules::default()
        );
        let err = load(&[], Some("[tiers.free]\nchart = true\n")).unwrap_err();
        assert_eq!(err.name, "herald.toml");
    }

    #[test]
    fn env_wins_over_the_file() {
        let file = "global_rate = 10\ncommand_rate = 5\nlisten = \"0.0.0.0:9000\"\n";
        let config = load(&[("HERALD_GLOBAL_RATE", "25")], Some(file)).unwrap();
        assert_eq!(config.global_rate, 25);
        assert_eq!(config.command_rate, 5, "from the file");
        assert_eq!(load(&[], None).unwrap().command_rate, 20);
        assert_eq!(config.listen.to_string(), "0.0.0.0:9000");
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        let cases = [
            ("HERALD_GLOBAL_RATE", "fast"),
            ("HERALD_GLOBAL_RATE", "0"),
            ("HERALD_GLOBAL_RATE", "500000"),
            ("HERALD_COMMAND_RATE", "0"),
            ("HERALD_COMMAND_RATE", "many"),
            ("HERALD_LISTEN", "localhost"),
            ("HERALD_TELEGRAM_TOKEN", "not a token"),
            ("HERALD_TELEGRAM_API_URL", "ftp://x"),
            ("HERALD_TELEGRAM_API_URL", "http://api.telegram.org"),
            ("HERALD_DATABASE_URL", "mysql://x"),
            ("HERALD_ADMIN_IDS", "12,abc"),
            ("HERALD_ENCRYPTION_KEY", "c2hvcnQ="),
            ("HERALD_ALLOWED_IPS", "10.0.0.0/8,nonsense"),
            ("HERALD_LOG_FORMAT", "xml"),
            ("HERALD_API_KEYS", "short"),
            ("HERALD_JWT_SECRET", "tooshort"),
            ("HERALD_TRUSTED_PROXIES", "10.0.0.0/33"),
            ("HERALD_RATE_LIMIT_IP", "0"),
            ("HERALD_RATE_LIMIT_KEY", "lots"),
            ("HERALD_RETENTION_DELIVERIES", "forever"),
            ("HERALD_RETENTION_AUDIT", "5s"),
            ("HERALD_TLS_CERT", "/nonexistent/cert.pem"),
        ];
        for (name, bad) in cases {
            let err = load(&[(name, bad)], None)
                .err()
                .unwrap_or_else(|| panic!("{name}={bad} accepted"));
            assert_eq!(err.name, name, "{err}");
            assert!(!err.to_string().contains('\n'));
        }
    }

    #[test]
    fn webhook_url_needs_a_secret() {
        let err = load(
            &[("HERALD_WEBHOOK_URL", "https://bot.example.com/tg")],
            None,
        )
        .unwrap_err();
        assert_eq!(err.name, "HERALD_WEBHOOK_SECRET");
    }

    #[test]
    fn unknown_file_keys_are_rejected() {
        let err = load(&[], Some("global_rat = 3")).unwrap_err();
        assert_eq!(err.name, "herald.toml");
        assert!(err.problem.contains("global_rat"), "{err}");
    }

    #[test]
    fn lists_are_split_on_commas() {
        let config = load(
            &[
                ("HERALD_ADMIN_IDS", "1, 2 ,3"),
                ("HERALD_ALLOWED_IPS", "10.0.0.0/8, ::1"),
                ("HERALD_API_KEYS", "aaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbbbbbb"),
            ],
            None,
        )
        .unwrap();
        assert_eq!(config.admin_ids, vec![1, 2, 3]);
        assert_eq!(config.allowed_ips.len(), 2);
        assert_eq!(config.api_keys.len(), 2);
    }

    #[test]
    fn performance_settings_come_from_the_file_and_the_environment() {
        let config = load(&[], None).unwrap();
        assert_eq!(config.performance.report_hour, 8);
        let file = "[performance]\nreport_hour = 7\nsession_close = \"22:00\"\n\
                    [performance.horizons]\n4H = \"3d\"\n";
        let config = load(&[], Some(file)).unwrap();
        assert_eq!(config.performance.report_hour, 7);
        assert_eq!(
            config
                .performance
                .horizons
                .horizon(crate::domain::signal::Timeframe::H4),
            crate::domain::performance::Horizon::After(chrono::Duration::days(3))
        );
        let config = load(&[("HERALD_REPORT_HOUR", "9")], Some(file)).unwrap();
        assert_eq!(config.performance.report_hour, 9);
        assert_eq!(
            load(&[("HERALD_REPORT_HOUR", "24")], None)
                .unwrap_err()
                .name,
            "HERALD_REPORT_HOUR"
        );
        let bad = "[performance.horizons]\n4H = \"soon\"\n";
        assert_eq!(
            load(&[], Some(bad)).unwrap_err().name,
            "performance.horizons.4H"
        );
        assert_eq!(
            load(&[], Some("[performance]\nreport_time = 8\n"))
                .unwrap_err()
                .name,
            "herald.toml"
        );
    }

    #[test]
    fn database_passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://herald:hunter2@db:5432/herald"),
            "postgres://herald:***@db:5432/herald"
        );
        assert_eq!(redact_url("sqlite://herald.db"), "sqlite://herald.db");
    }
}
