//! The process itself: its database, the addresses the API and the metrics listen on, and how it
//! logs.

use std::net::SocketAddr;

use super::ConfigError;
use super::file::FileConfig;
use super::reader::Reader;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// `/metrics` has its own listener, on loopback unless said otherwise: it tells how many users are
/// active and where requests fail, which is nobody's business outside the operators'.
pub const DEFAULT_METRICS_LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 9090);

/// What this section reads; `Config` keeps the fields flat.
pub(super) struct ServerSettings {
    pub database_url: String,
    pub listen: SocketAddr,
    pub metrics_listen: Option<SocketAddr>,
    pub log_format: LogFormat,
}

pub(super) fn load(
    reader: &Reader,
    file: &FileConfig,
    stdout_is_terminal: bool,
) -> Result<ServerSettings, ConfigError> {
    let database_url = reader
        .string("HERALD_DATABASE_URL", file.database_url.clone())
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
    let listen_text = reader
        .string("HERALD_LISTEN", file.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let listen = listen_text.parse().map_err(|_| {
        ConfigError::new(
            "HERALD_LISTEN",
            format!("expected an address like 127.0.0.1:8080, got {listen_text:?}"),
        )
    })?;
    let metrics_listen = match reader
        .string("HERALD_METRICS_LISTEN", file.metrics_listen.clone())
        .as_deref()
        .map(str::trim)
    {
        None => Some(DEFAULT_METRICS_LISTEN),
        Some("off") => None,
        Some(text) => Some(text.parse().map_err(|_| {
            ConfigError::new(
                "HERALD_METRICS_LISTEN",
                format!("expected an address like 127.0.0.1:9090 or off, got {text:?}"),
            )
        })?),
    };
    let log_format = match reader
        .string("HERALD_LOG_FORMAT", file.log_format.clone())
        .as_deref()
    {
        // A person reads a terminal; anything else is collected by a machine.
        None if stdout_is_terminal => LogFormat::Pretty,
        None => LogFormat::Json,
        Some("pretty") => LogFormat::Pretty,
        Some("json") => LogFormat::Json,
        Some(other) => {
            return Err(ConfigError::new(
                "HERALD_LOG_FORMAT",
                format!("expected pretty or json, got {other:?}"),
            ));
        }
    };
    Ok(ServerSettings {
        database_url,
        listen,
        metrics_listen,
        log_format,
    })
}
