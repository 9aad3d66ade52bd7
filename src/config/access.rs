//! Who may call Herald: API keys, bot admins, the admin tokens' signing secret, and the addresses
//! the API answers.

use ipnet::IpNet;
use secrecy::SecretString;

use super::ConfigError;
use super::file::FileConfig;
use super::reader::Reader;

/// What this section reads; `Config` keeps the fields flat.
pub(super) struct AccessSettings {
    pub api_keys: Vec<SecretString>,
    pub admin_ids: Vec<i64>,
    pub jwt_secret: Option<SecretString>,
    pub allowed_ips: Vec<IpNet>,
}

pub(super) fn load(reader: &Reader, file: &FileConfig) -> Result<AccessSettings, ConfigError> {
    let api_keys = reader.list("HERALD_API_KEYS", file.api_keys.clone());
    if api_keys.iter().any(|key| key.len() < 16) {
        return Err(ConfigError::new(
            "HERALD_API_KEYS",
            "every key must be at least 16 characters",
        ));
    }
    let admin_ids = match reader.env_list("HERALD_ADMIN_IDS") {
        Some(items) => items
            .iter()
            .map(|id| admin_id(id))
            .collect::<Result<Vec<_>, _>>()?,
        None => file.admin_ids.clone().unwrap_or_default(),
    };
    let jwt_secret = reader
        .string("HERALD_JWT_SECRET", file.jwt_secret.clone())
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
    let allowed_ips = parse_nets(
        "HERALD_ALLOWED_IPS",
        reader.list("HERALD_ALLOWED_IPS", file.allowed_ips.clone()),
    )?;
    Ok(AccessSettings {
        api_keys: api_keys.into_iter().map(SecretString::from).collect(),
        admin_ids,
        jwt_secret,
        allowed_ips,
    })
}

fn admin_id(text: &str) -> Result<i64, ConfigError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            ConfigError::new(
                "HERALD_ADMIN_IDS",
                format!("{text:?} is not a Telegram user id"),
            )
        })
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
