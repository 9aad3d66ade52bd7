//! The security part of the configuration: encryption keys, proxies, rate limits, retention, TLS.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use ipnet::IpNet;

use super::ConfigError;
use super::access::parse_nets;
use super::file::FileConfig;
use super::reader::Reader;

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

/// The shortest retention accepted.
const MIN_RETENTION: Duration = Duration::from_secs(60);

/// `HERALD_ENCRYPTION_KEY`: the key that seals personal data, if one is set.
pub(super) fn encryption_key(
    reader: &Reader,
    file: &FileConfig,
) -> Result<Option<[u8; 32]>, ConfigError> {
    reader
        .string("HERALD_ENCRYPTION_KEY", file.encryption_key.clone())
        .map(|text| parse_key("HERALD_ENCRYPTION_KEY", &text))
        .transpose()
}

impl SecuritySettings {
    pub(super) fn load(
        reader: &Reader,
        file: &FileConfig,
        has_current_key: bool,
    ) -> Result<Self, ConfigError> {
        let defaults = Self::default();
        let previous_keys = reader
            .list(
                "HERALD_ENCRYPTION_KEY_PREVIOUS",
                file.encryption_key_previous.clone(),
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
            reader.list("HERALD_TRUSTED_PROXIES", file.trusted_proxies.clone()),
        )?;
        let per_minute = |name: &str, from_file: Option<u32>, default: u32| {
            reader.number(
                name,
                from_file,
                default,
                1..=1_000_000,
                "requests per minute",
            )
        };
        let age = |name: &str, from_file: &Option<String>, default: Duration| {
            reader.duration(
                name,
                from_file.clone(),
                default,
                MIN_RETENTION,
                "an age like 90d or 36h (at least 1m)",
            )
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
                &file.retention_deliveries,
                defaults.retention_deliveries,
            )?,
            retention_audit: age(
                "HERALD_RETENTION_AUDIT",
                &file.retention_audit,
                defaults.retention_audit,
            )?,
            tls: tls_files(reader, file)?,
        })
    }
}

/// Both PEM files, or neither.
fn tls_files(reader: &Reader, file: &FileConfig) -> Result<Option<TlsFiles>, ConfigError> {
    let cert = reader
        .string("HERALD_TLS_CERT", file.tls_cert.clone())
        .map(|path| existing_file("HERALD_TLS_CERT", path))
        .transpose()?;
    let key = reader
        .string("HERALD_TLS_KEY", file.tls_key.clone())
        .map(|path| existing_file("HERALD_TLS_KEY", path))
        .transpose()?;
    match (cert, key) {
        (None, None) => Ok(None),
        (Some(cert), Some(key)) => Ok(Some(TlsFiles { cert, key })),
        (Some(_), None) => Err(ConfigError::new(
            "HERALD_TLS_KEY",
            "required when HERALD_TLS_CERT is set",
        )),
        (None, Some(_)) => Err(ConfigError::new(
            "HERALD_TLS_CERT",
            "required when HERALD_TLS_KEY is set",
        )),
    }
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

fn parse_key(name: &str, text: &str) -> Result<[u8; 32], ConfigError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| ConfigError::new(name, "not valid base64"))?;
    let key: [u8; 32] = bytes.try_into().map_err(|_| {
        ConfigError::new(
            name,
            "must decode to exactly 32 bytes (openssl rand -base64 32)",
        )
    })?;
    // The placeholder of many a template: a key anyone can guess seals nothing.
    if key == [0u8; 32] {
        return Err(ConfigError::new(
            name,
            "is all zeros: use 32 random bytes (openssl rand -base64 32)",
        ));
    }
    Ok(key)
}
