//! The security part of the configuration: rotation keys, proxies, rate limits, retention, TLS.

use std::path::PathBuf;
use std::time::Duration;

use ipnet::IpNet;

use super::{ConfigError, parse_key};

/// The API's defences and the retention policy.
#[derive(Clone)]
pub struct SecuritySettings {
    /// `HERALD_ENCRYPTION_KEY_PREVIOUS`: keys that still open values during a rotation.
    pub previous_keys: Vec<[u8; 32]>,
    /// `HERALD_TRUSTED_PROXIES`: peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
    /// `HERALD_RATE_LIMIT_IP`: API requests per minute from one address (IPv6: one /64).
    pub rate_per_ip: u32,
    /// `HERALD_RATE_LIMIT_KEY`: API requests per minute with one API key or admin token.
    pub rate_per_key: u32,
    /// `HERALD_RETENTION_DELIVERIES`: finished deliveries older than this are purged.
    pub retention_deliveries: Duration,
    /// `HERALD_RETENTION_AUDIT`: audit and security log rows older than this are purged.
    pub retention_audit: Duration,
    /// `HERALD_TLS_CERT` + `HERALD_TLS_KEY`: PEM files; the API listener speaks HTTPS when set.
    pub tls: Option<TlsFiles>,
}

#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        Self {
            previous_keys: Vec::new(),
            trusted_proxies: Vec::new(),
            rate_per_ip: 1200,
            rate_per_key: 1200,
            retention_deliveries: Duration::from_secs(90 * 86_400),
            retention_audit: Duration::from_secs(365 * 86_400),
            tls: None,
        }
    }
}

/// The same settings from `herald.toml`.
pub(super) struct SecurityFile {
    pub encryption_key_previous: Option<Vec<String>>,
    pub trusted_proxies: Option<Vec<String>>,
    pub rate_limit_ip: Option<u32>,
    pub rate_limit_key: Option<u32>,
    pub retention_deliveries: Option<String>,
    pub retention_audit: Option<String>,
    pub tls_cert: Option<String>,
    pub tls_key: Option<String>,
}

impl SecuritySettings {
    /// Env wins over the file, and an empty variable counts as unset, as for every setting.
    pub(super) fn load(
        env: &dyn Fn(&str) -> Option<String>,
        file: SecurityFile,
        has_current_key: bool,
    ) -> Result<Self, ConfigError> {
        let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let value = |name: &str, from_file: Option<String>| env(name).or(from_file);
        let list = |name: &str, from_file: Option<Vec<String>>| -> Vec<String> {
            match env(name) {
                Some(text) => text
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                None => from_file.unwrap_or_default(),
            }
        };
        let defaults = Self::default();

        let previous_keys = list(
            "HERALD_ENCRYPTION_KEY_PREVIOUS",
            file.encryption_key_previous,
        )
        .iter()
        .map(|text| parse_key("HERALD_ENCRYPTION_KEY_PREVIOUS", text))
        .collect::<Result<Vec<_>, _>>()?;
        if !previous_keys.is_empty() && !has_current_key {
            return Err(ConfigError::new(
                "HERALD_ENCRYPTION_KEY",
                "required when HERALD_ENCRYPTION_KEY_PREVIOUS is set",
            ));
        }
        let trusted_proxies = parse_nets(
            "HERALD_TRUSTED_PROXIES",
            list("HERALD_TRUSTED_PROXIES", file.trusted_proxies),
        )?;
        let per_minute = |name: &str, from_file: Option<u32>, default: u32| {
            match env(name) {
                Some(text) => text.trim().parse::<u32>().ok(),
                None => Some(from_file.unwrap_or(default)),
            }
            .filter(|rate| (1..=1_000_000).contains(rate))
            .ok_or_else(|| ConfigError::new(name, "expected requests per minute from 1 to 1000000"))
        };
        let age =
            |name: &str, from_file: Option<String>, default: Duration| match value(name, from_file)
            {
                Some(text) => humantime::parse_duration(text.trim())
                    .ok()
                    .filter(|age| *age >= Duration::from_secs(60))
                    .ok_or_else(|| {
                        ConfigError::new(
                            name,
                            format!("expected an age like 90d or 36h (at least 1m), got {text:?}"),
                        )
                    }),
                None => Ok(default),
            };
        let tls_cert = value("HERALD_TLS_CERT", file.tls_cert)
            .map(|path| existing_file("HERALD_TLS_CERT", path))
            .transpose()?;
        let tls_key = value("HERALD_TLS_KEY", file.tls_key)
            .map(|path| existing_file("HERALD_TLS_KEY", path))
            .transpose()?;
        let tls = match (tls_cert, tls_key) {
            (None, None) => None,
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (Some(_), None) => {
                return Err(ConfigError::new(
                    "HERALD_TLS_KEY",
                    "required when HERALD_TLS_CERT is set",
                ));
            }
            (None, Some(_)) => {
                return Err(ConfigError::new(
                    "HERALD_TLS_CERT",
                    "required when HERALD_TLS_KEY is set",
                ));
            }
        };
        Ok(Self {
            previous_keys,
            trusted_proxies,
            rate_per_ip: per_minute(
                "HERALD_RATE_LIMIT_IP",
                file.rate_limit_ip,
                defaults.rate_per_ip,
            )?,
            rate_per_key: per_minute(
                "HERALD_RATE_LIMIT_KEY",
                file.rate_limit_key,
                defaults.rate_per_key,
            )?,
            retention_deliveries: age(
                "HERALD_RETENTION_DELIVERIES",
                file.retention_deliveries,
                defaults.retention_deliveries,
            )?,
            retention_audit: age(
                "HERALD_RETENTION_AUDIT",
                file.retention_audit,
                defaults.retention_audit,
            )?,
            tls,
        })
    }
}

/// CIDR ranges or single addresses; host bits are dropped so a range reads as written.
pub(super) fn parse_nets(name: &str, items: Vec<String>) -> Result<Vec<IpNet>, ConfigError> {
    items
        .into_iter()
        .map(|text| {
            text.parse::<IpNet>()
                .or_else(|_| text.parse::<std::net::IpAddr>().map(IpNet::from))
                .map(|net| net.trunc())
                .map_err(|_| {
                    ConfigError::new(name, format!("{text:?} is not an IP address or CIDR range"))
                })
        })
        .collect()
}

fn existing_file(name: &str, path: String) -> Result<PathBuf, ConfigError> {
    let path = PathBuf::from(path);
    if path.is_file() {
        Ok(path)
    } else {
        Err(ConfigError::new(
            name,
            format!("{} is not a readable file", path.display()),
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashMap;
    use std::time::Duration;

    use crate::config::{Config, ConfigError, Sources};

    fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let env = move |name: &str| map.get(name).cloned();
        Config::load(Sources {
            env: &env,
            file: None,
            stdout_is_terminal: false,
        })
    }

    #[test]
    fn security_settings_have_defaults_and_accept_overrides() {
        let config = load(&[]).unwrap();
        assert_eq!(config.security.rate_per_ip, 1200);
        assert_eq!(
            config.security.retention_deliveries,
            Duration::from_secs(90 * 86_400)
        );
        assert!(config.security.tls.is_none());
        let config = load(&[
            ("HERALD_RETENTION_DELIVERIES", "36h"),
            ("HERALD_RETENTION_AUDIT", "30d"),
            ("HERALD_RATE_LIMIT_KEY", "60"),
            ("HERALD_TRUSTED_PROXIES", "10.1.2.3/8, fd00::/8"),
        ])
        .unwrap();
        assert_eq!(
            config.security.retention_deliveries,
            Duration::from_secs(36 * 3600)
        );
        assert_eq!(
            config.security.retention_audit,
            Duration::from_secs(30 * 86_400)
        );
        assert_eq!(config.security.rate_per_key, 60);
        // Host bits are dropped so a range reads as written.
        assert_eq!(config.security.trusted_proxies[0].to_string(), "10.0.0.0/8");
    }

    #[test]
    fn tls_needs_both_files_and_previous_keys_need_a_current_one() {
        let existing = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
        let err = load(&[("HERALD_TLS_KEY", existing)]).unwrap_err();
        assert_eq!(err.name, "HERALD_TLS_CERT");
        let key = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";
        let err = load(&[("HERALD_ENCRYPTION_KEY_PREVIOUS", key)]).unwrap_err();
        assert_eq!(err.name, "HERALD_ENCRYPTION_KEY");
    }

    #[test]
    fn postgres_without_an_encryption_key_is_refused() {
        let config = load(&[("HERALD_DATABASE_URL", "postgres://db/herald")]).unwrap();
        let err = config.require_encryption_on_postgres().unwrap_err();
        assert_eq!(err.name, "HERALD_ENCRYPTION_KEY");
        let sqlite = load(&[]).unwrap();
        assert!(sqlite.require_encryption_on_postgres().is_ok());
    }
}
