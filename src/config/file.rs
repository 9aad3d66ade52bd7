//! `herald.toml`: the same settings as the environment, in lower case without the `HERALD_`
//! prefix, plus the structured ones the environment cannot hold (`[tiers.*]`, `[performance]`,
//! `[plans.*]`).

use serde::Deserialize;

use super::ConfigError;
use super::performance::PerformanceFile;

/// One flat struct, so that an unknown key is an error naming it (`deny_unknown_fields` does not
/// work through `#[serde(flatten)]`); each section takes the keys it reads.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileConfig {
    pub telegram_token: Option<String>,
    pub telegram_api_url: Option<String>,
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub metrics_listen: Option<String>,
    pub api_keys: Option<Vec<String>>,
    pub admin_ids: Option<Vec<i64>>,
    pub jwt_secret: Option<String>,
    pub encryption_key: Option<String>,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<String>,
    pub webhook_allowed_ips: Option<Vec<String>>,
    pub allowed_ips: Option<Vec<String>>,
    pub global_rate: Option<u32>,
    pub paid_broadcast: Option<bool>,
    pub command_rate: Option<u32>,
    pub log_format: Option<String>,
    pub features: Option<String>,
    pub alert_interval: Option<String>,
    pub alert_errors: Option<u64>,
    pub alert_queue: Option<i64>,
    pub alert_login_failures: Option<u64>,
    pub shutdown_delay: Option<String>,
    pub tiers: Option<crate::domain::tier::TierRules>,
    pub encryption_key_previous: Option<Vec<String>>,
    pub trusted_proxies: Option<Vec<String>>,
    pub rate_limit_ip: Option<u32>,
    pub rate_limit_key: Option<u32>,
    pub retention_deliveries: Option<String>,
    pub retention_audit: Option<String>,
    pub tls_cert: Option<String>,
    pub tls_key: Option<String>,
    pub http_header_timeout: Option<String>,
    pub http_max_connections: Option<usize>,
    pub http_max_connections_per_ip: Option<usize>,
    pub performance: Option<PerformanceFile>,
    pub plans: Option<std::collections::BTreeMap<String, crate::billing::PlanFile>>,
    pub public_url: Option<String>,
}

impl FileConfig {
    /// The file's settings, or none without a file.
    pub(super) fn parse(text: Option<&str>) -> Result<Self, ConfigError> {
        match text {
            Some(text) => toml::from_str(text)
                .map_err(|err| ConfigError::new("herald.toml", err.message().to_owned())),
            None => Ok(Self::default()),
        }
    }
}
