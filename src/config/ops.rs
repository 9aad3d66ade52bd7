//! Operations settings: feature flags, alert thresholds, shutdown delay. Feature flags and alert
//! thresholds are safe to change while running, so SIGHUP reloads them (`reload`); everything
//! else in the configuration needs a restart.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use super::ConfigError;
use super::file::FileConfig;
use super::reader::Reader;

/// Flags and their defaults. Turning one off never loses data: paused work waits in the database.
pub const FEATURES: &[(&str, bool, &str)] = &[
    (
        "deliveries",
        true,
        "the leader sends queued deliveries; off pauses sending (signals are still accepted and queued)",
    ),
    (
        "alerts",
        true,
        "admins get Telegram messages about incidents",
    ),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Features(BTreeMap<&'static str, bool>);

impl Default for Features {
    fn default() -> Self {
        Self(FEATURES.iter().map(|(name, on, _)| (*name, *on)).collect())
    }
}

impl Features {
    /// `alerts,-deliveries`: a bare name turns a flag on, a leading `-` turns it off; flags not
    /// named keep their defaults.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let mut features = Self::default();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (name, on) = match item.strip_prefix('-') {
                Some(name) => (name, false),
                None => (item.strip_prefix('+').unwrap_or(item), true),
            };
            let Some((known, _, _)) = FEATURES.iter().find(|(known, _, _)| *known == name) else {
                let names: Vec<&str> = FEATURES.iter().map(|(name, _, _)| *name).collect();
                return Err(ConfigError::new(
                    "HERALD_FEATURES",
                    format!("unknown flag {name:?} (known: {})", names.join(", ")),
                ));
            };
            features.0.insert(known, on);
        }
        Ok(features)
    }

    pub fn enabled(&self, name: &str) -> bool {
        self.0.get(name).copied().unwrap_or(false)
    }
}

/// When admins are alerted (see `alerts`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertSettings {
    /// How often conditions are checked; counts below are per interval.
    pub interval: Duration,
    pub errors: u64,
    pub queue: i64,
    pub login_failures: u64,
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(30),
            errors: 50,
            queue: 5000,
            login_failures: 10,
        }
    }
}

/// What SIGHUP may change while running.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reloadable {
    pub features: Features,
    pub alerts: AlertSettings,
}

/// The current reloadable settings, shared by every part that reads them.
#[derive(Clone, Debug)]
pub struct Live(Arc<RwLock<Reloadable>>);

impl Live {
    pub fn new(initial: Reloadable) -> Self {
        Self(Arc::new(RwLock::new(initial)))
    }

    pub fn get(&self) -> Reloadable {
        // A poisoned lock means a panic mid-write of plain data; the value is still whole.
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub fn set(&self, value: Reloadable) {
        *self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = value;
    }
}

#[derive(Debug, Clone, Default)]
pub struct OpsSettings {
    pub reloadable: Reloadable,
    /// After SIGTERM, how long to keep serving while readiness already says no, so load balancers
    /// stop routing here before intake stops.
    pub shutdown_delay: Duration,
}

/// Reads the operations variables.
pub(super) fn load(reader: &Reader, file: &FileConfig) -> Result<OpsSettings, ConfigError> {
    let features = match reader.string("HERALD_FEATURES", file.features.clone()) {
        Some(text) => Features::parse(&text)?,
        None => Features::default(),
    };
    let defaults = AlertSettings::default();
    let alerts = AlertSettings {
        interval: duration(
            reader,
            "HERALD_ALERT_INTERVAL",
            file.alert_interval.clone(),
            defaults.interval,
        )?,
        errors: reader.positive("HERALD_ALERT_ERRORS", file.alert_errors, defaults.errors)?,
        queue: reader.positive("HERALD_ALERT_QUEUE", file.alert_queue, defaults.queue)?,
        login_failures: reader.positive(
            "HERALD_ALERT_LOGIN_FAILURES",
            file.alert_login_failures,
            defaults.login_failures,
        )?,
    };
    if alerts.interval < Duration::from_millis(100) {
        return Err(ConfigError::new(
            "HERALD_ALERT_INTERVAL",
            "must be at least 100ms",
        ));
    }
    let shutdown_delay = duration(
        reader,
        "HERALD_SHUTDOWN_DELAY",
        file.shutdown_delay.clone(),
        Duration::ZERO,
    )?;
    if shutdown_delay > Duration::from_secs(60) {
        return Err(ConfigError::new(
            "HERALD_SHUTDOWN_DELAY",
            "at most 60s (Kubernetes kills the pod after its grace period)",
        ));
    }
    Ok(OpsSettings {
        reloadable: Reloadable { features, alerts },
        shutdown_delay,
    })
}

/// Any duration; the limits are checked by the caller, each with its own reason.
fn duration(
    reader: &Reader,
    name: &str,
    from_file: Option<String>,
    default: Duration,
) -> Result<Duration, ConfigError> {
    reader.duration(
        name,
        from_file,
        default,
        Duration::ZERO,
        "a duration like 30s or 500ms",
    )
}

/// Names of the settings that differ between `old` and `new` but only take effect on restart.
pub fn needs_restart(old: &super::Config, new: &super::Config) -> Vec<&'static str> {
    let mut changed = Vec::new();
    let mut check = |name: &'static str, differs: bool| {
        if differs {
            changed.push(name);
        }
    };
    check("HERALD_DATABASE_URL", old.database_url != new.database_url);
    check("HERALD_LISTEN", old.listen != new.listen);
    check(
        "HERALD_TELEGRAM_API_URL",
        old.telegram_api_url != new.telegram_api_url,
    );
    check("HERALD_WEBHOOK_URL", old.webhook_url != new.webhook_url);
    check("HERALD_GLOBAL_RATE", old.global_rate != new.global_rate);
    check("HERALD_ADMIN_IDS", old.admin_ids != new.admin_ids);
    check("HERALD_ALLOWED_IPS", old.allowed_ips != new.allowed_ips);
    check("HERALD_API_KEYS", old.api_keys.len() != new.api_keys.len());
    check(
        "HERALD_SHUTDOWN_DELAY",
        old.ops.shutdown_delay != new.ops.shutdown_delay,
    );
    changed
}
