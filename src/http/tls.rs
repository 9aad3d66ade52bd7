//! HTTPS for the API listener when `HERALD_TLS_CERT` and `HERALD_TLS_KEY` are set: rustls on the
//! `ring` provider (the one the rest of the tree uses), HTTP/1.1 and HTTP/2.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum_server::tls_rustls::RustlsConfig;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::{ConfigError, TlsFiles};

/// How long open connections get to finish after shutdown starts.
const GRACE: Duration = Duration::from_secs(10);

/// Reads and checks the certificate and key; a bad file is a configuration error.
pub fn load(files: &TlsFiles) -> Result<RustlsConfig, ConfigError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|err| {
            ConfigError::new(
                "HERALD_TLS_CERT",
                format!("cannot read a PEM certificate chain: {err}"),
            )
        })?;
    if certs.is_empty() {
        return Err(ConfigError::new(
            "HERALD_TLS_CERT",
            "no certificate in the file",
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|err| {
        ConfigError::new(
            "HERALD_TLS_KEY",
            format!("cannot read a PEM private key: {err}"),
        )
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| ConfigError::new("HERALD_TLS_CERT", err.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|err| {
            ConfigError::new(
                "HERALD_TLS_KEY",
                format!("does not match the certificate: {err}"),
            )
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(RustlsConfig::from_config(Arc::new(config)))
}

/// Serves `router` over TLS on `listener` until `shutdown`, then lets connections finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    tls: RustlsConfig,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let listener = listener.into_std().context("TLS listener")?;
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        // The handle's notice reaches only a server already serving, so wait for that first.
        stopper.listening().await;
        shutdown.cancelled().await;
        stopper.graceful_shutdown(Some(GRACE));
    });
    axum_server::from_tcp_rustls(listener, tls)
        .context("TLS listener")?
        .handle(handle)
        .serve(router.into_make_service_with_connect_info::<SocketAddr>())
        .await
        .context("TLS server")
}
