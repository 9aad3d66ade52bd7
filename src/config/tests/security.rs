//! Keys, proxies, rate limits, retention and TLS.

use std::time::Duration;

use crate::config::{Config, ConfigError};

fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    super::load(vars, None)
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
