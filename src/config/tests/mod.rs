//! The configuration as a whole: defaults, the file under the environment, and every bad value
//! named by its variable. Sections with more to check have their own files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ops;
mod security;

use std::collections::HashMap;

use super::*;

pub(super) fn load(vars: &[(&str, &str)], file: Option<&str>) -> Result<Config, ConfigError> {
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
fn webhook_secrets_must_be_long_and_allowed_ips_cidrs() {
    let url = ("HERALD_WEBHOOK_URL", "https://bot.example.com/tg");
    let short = load(&[url, ("HERALD_WEBHOOK_SECRET", "x")], None).unwrap_err();
    assert_eq!(short.name, "HERALD_WEBHOOK_SECRET");
    let secret = ("HERALD_WEBHOOK_SECRET", "0123456789abcdef0123456789abcdef");
    assert!(load(&[url, secret], None).is_ok());
    let ranges = (
        "HERALD_WEBHOOK_ALLOWED_IPS",
        "149.154.160.0/20, 91.108.4.0/22",
    );
    let config = load(&[url, secret, ranges], None).unwrap();
    assert_eq!(config.webhook_allowed_ips.len(), 2);
    let bad = load(
        &[url, secret, ("HERALD_WEBHOOK_ALLOWED_IPS", "telegram")],
        None,
    )
    .unwrap_err();
    assert_eq!(bad.name, "HERALD_WEBHOOK_ALLOWED_IPS");
}

#[test]
fn an_all_zero_encryption_key_is_refused() {
    let zeros = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let err = load(&[("HERALD_ENCRYPTION_KEY", zeros)], None).unwrap_err();
    assert_eq!(err.name, "HERALD_ENCRYPTION_KEY");
    assert!(err.problem.contains("all zeros"), "{err}");
    let previous = [
        (
            "HERALD_ENCRYPTION_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        ),
        ("HERALD_ENCRYPTION_KEY_PREVIOUS", zeros),
    ];
    assert_eq!(
        load(&previous, None).unwrap_err().name,
        "HERALD_ENCRYPTION_KEY_PREVIOUS"
    );
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

#[test]
fn above_thirty_a_second_needs_paid_broadcasts_against_telegram() {
    let refused = load(&[("HERALD_GLOBAL_RATE", "100")], None).unwrap_err();
    assert_eq!(refused.name, "HERALD_GLOBAL_RATE");
    assert!(
        refused.to_string().contains("HERALD_PAID_BROADCAST"),
        "{refused}"
    );
    let paid = load(
        &[
            ("HERALD_GLOBAL_RATE", "1000"),
            ("HERALD_PAID_BROADCAST", "true"),
        ],
        None,
    )
    .unwrap();
    assert!(paid.delivery.paid_broadcast);
    assert_eq!(paid.global_rate, 1000);
    let too_fast = load(
        &[
            ("HERALD_GLOBAL_RATE", "1001"),
            ("HERALD_PAID_BROADCAST", "yes"),
        ],
        None,
    )
    .unwrap_err();
    assert_eq!(too_fast.name, "HERALD_GLOBAL_RATE");
    // A local Bot API server (or the emulator) is not held to Telegram's limits.
    let local = load(
        &[
            ("HERALD_GLOBAL_RATE", "5000"),
            ("HERALD_TELEGRAM_API_URL", "http://127.0.0.1:8081"),
        ],
        None,
    )
    .unwrap();
    assert!(!local.delivery.paid_broadcast);
    let file = load(&[], Some("paid_broadcast = true\nglobal_rate = 300\n")).unwrap();
    assert!(file.delivery.paid_broadcast);
    let bad = load(&[("HERALD_PAID_BROADCAST", "sometimes")], None).unwrap_err();
    assert_eq!(bad.name, "HERALD_PAID_BROADCAST");
    assert!(!load(&[], None).unwrap().delivery.paid_broadcast);
}
