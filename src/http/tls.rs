//! HTTPS for the API listener when `HERALD_TLS_CERT` and `HERALD_TLS_KEY` are set: rustls on the
//! `ring` provider (the one the rest of the tree uses), HTTP/1.1 (see `listener` for why not 2).

use std::sync::Arc;

use crate::config::{ConfigError, TlsFiles};

/// Reads and checks the certificate and key; a bad file is a configuration error.
pub fn load(files: &TlsFiles) -> Result<Arc<rustls::ServerConfig>, ConfigError> {
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
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
