//! Feature flags, alert thresholds and the shutdown delay.

use std::time::Duration;

use crate::config::ConfigError;
use crate::config::Features;
use crate::config::file::FileConfig;
use crate::config::ops::{OpsSettings, load as load_ops};
use crate::config::reader::Reader;

/// The operations settings from `lookup` alone (no file).
fn load(lookup: &dyn Fn(&str) -> Option<String>) -> Result<OpsSettings, ConfigError> {
    load_ops(&Reader::new(lookup), &FileConfig::default())
}

#[test]
fn flags_default_on_and_toggle_by_name() {
    let features = Features::parse("").unwrap();
    assert!(features.enabled("deliveries") && features.enabled("alerts"));
    let features = Features::parse("-deliveries, alerts").unwrap();
    assert!(!features.enabled("deliveries"));
    assert!(features.enabled("alerts"));
    let err = Features::parse("-delivery").unwrap_err();
    assert_eq!(err.name, "HERALD_FEATURES");
    assert!(err.problem.contains("deliveries"), "{err}");
}

#[test]
fn bad_values_name_their_variable() {
    for (name, bad) in [
        ("HERALD_ALERT_INTERVAL", "soon"),
        ("HERALD_ALERT_INTERVAL", "10ms"),
        ("HERALD_ALERT_ERRORS", "0"),
        ("HERALD_ALERT_QUEUE", "-5"),
        ("HERALD_ALERT_LOGIN_FAILURES", "many"),
        ("HERALD_SHUTDOWN_DELAY", "5m"),
    ] {
        let lookup = |asked: &str| (asked == name).then(|| bad.to_owned());
        let err = load(&lookup).unwrap_err();
        assert_eq!(err.name, name, "{bad}");
    }
    let lookup = |asked: &str| (asked == "HERALD_ALERT_INTERVAL").then(|| "500ms".to_owned());
    let settings = load(&lookup).unwrap();
    assert_eq!(
        settings.reloadable.alerts.interval,
        Duration::from_millis(500)
    );
}
