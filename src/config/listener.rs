//! The API listener's defences against clients that hold connections: a deadline on each request's
//! headers and caps on open connections.

use std::time::Duration;

use super::ConfigError;
use super::file::FileConfig;
use super::reader::Reader;

/// What a client gets from the API listener before it must have sent something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// `HERALD_HTTP_HEADER_TIMEOUT`: the time a connection gets to complete a request's headers
    /// (and its TLS handshake), from opening or from the end of its previous response.
    pub header_timeout: Duration,
    /// `HERALD_HTTP_MAX_CONNECTIONS`: connections open at once, all addresses together.
    pub max_total: usize,
    /// `HERALD_HTTP_MAX_CONNECTIONS_PER_IP`: connections open at once from one address (IPv6:
    /// one /64); trusted proxies are exempt.
    pub max_per_address: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            max_total: 10_000,
            max_per_address: 100,
        }
    }
}

/// The shortest header deadline accepted: below it, a client on a slow link could not send one.
const MIN_HEADER_TIMEOUT: Duration = Duration::from_millis(100);
const MAX_CONNECTIONS: usize = 1_000_000;

pub(super) fn load(reader: &Reader, file: &FileConfig) -> Result<ConnectionLimits, ConfigError> {
    let defaults = ConnectionLimits::default();
    let connections = |name: &str, from_file: Option<usize>, default: usize| {
        reader.number(
            name,
            from_file,
            default,
            1..=MAX_CONNECTIONS,
            "a number of connections",
        )
    };
    Ok(ConnectionLimits {
        header_timeout: reader.duration(
            "HERALD_HTTP_HEADER_TIMEOUT",
            file.http_header_timeout.clone(),
            defaults.header_timeout,
            MIN_HEADER_TIMEOUT,
            "a duration like 10s (at least 100ms)",
        )?,
        max_total: connections(
            "HERALD_HTTP_MAX_CONNECTIONS",
            file.http_max_connections,
            defaults.max_total,
        )?,
        max_per_address: connections(
            "HERALD_HTTP_MAX_CONNECTIONS_PER_IP",
            file.http_max_connections_per_ip,
            defaults.max_per_address,
        )?,
    })
}
