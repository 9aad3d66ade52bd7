//! The API listener. Herald accepts connections itself rather than through `axum::serve`, which
//! sets no deadline on a request's headers: a client that opens connections and never finishes a
//! request would otherwise hold each one until the process runs out of file descriptors.
//!
//! Every connection takes a slot (`connections`) or is closed at once; it then has
//! `header_timeout` to finish its TLS handshake and each request's headers, counted from the
//! moment it opens or its previous response ends, so an idle keep-alive connection is closed on
//! the same deadline. HTTP/1.1 only: hyper sets no such deadline on an HTTP/2 connection with no
//! open stream, and a JSON API gains nothing from HTTP/2.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use ipnet::IpNet;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use super::connections::{Slot, Slots};
use crate::config::ConnectionLimits;

/// How long open connections get to finish after shutdown starts.
const GRACE: Duration = Duration::from_secs(10);
/// After a failed accept (out of file descriptors, mostly): a pause, so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves `router` on `listener` (over TLS when `tls` is given) until `shutdown`; then stops
/// accepting and gives open connections [`GRACE`] to finish. `trusted_proxies` are exempt from
/// the per-address cap.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    tls: Option<Arc<rustls::ServerConfig>>,
    limits: ConnectionLimits,
    trusted_proxies: Vec<IpNet>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let tls = tls.map(TlsAcceptor::from);
    let slots = Slots::new(&limits, trusted_proxies);
    let graceful = GracefulShutdown::new();
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(err) => {
                tracing::warn!(error = %err, "cannot accept a connection");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let slot = match slots.admit(peer.ip()) {
            Ok(slot) => slot,
            Err(refusal) => {
                // Dropping the stream closes it: the cheapest answer there is.
                crate::ops::metrics::connection_refused(refusal.as_str());
                continue;
            }
        };
        let connection = Connection {
            router: router.clone(),
            peer,
            header_timeout: limits.header_timeout,
            _slot: slot,
        };
        tokio::spawn(connection.serve(stream, tls.clone(), graceful.watcher()));
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(GRACE) => tracing::warn!("connections still open after the grace period; closing them"),
    }
    Ok(())
}

/// One accepted connection and the slot it holds until it ends.
struct Connection {
    router: Router,
    peer: SocketAddr,
    header_timeout: Duration,
    _slot: Slot,
}

impl Connection {
    async fn serve(self, stream: TcpStream, tls: Option<TlsAcceptor>, watcher: Watcher) {
        crate::ops::metrics::connection_opened();
        let _ = stream.set_nodelay(true);
        let result = match tls {
            None => self.http(stream, watcher).await,
            // The handshake gets the same deadline as a request's headers.
            Some(acceptor) => {
                match tokio::time::timeout(self.header_timeout, acceptor.accept(stream)).await {
                    Ok(Ok(stream)) => self.http(stream, watcher).await,
                    Ok(Err(err)) => Err(err.into()),
                    Err(_) => Err(anyhow::anyhow!("TLS handshake timed out")),
                }
            }
        };
        crate::ops::metrics::connection_closed();
        if let Err(err) = result {
            tracing::debug!(error = %err, "connection ended with an error");
        }
    }

    async fn http<IO>(&self, stream: IO, watcher: Watcher) -> anyhow::Result<()>
    where
        IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let peer = self.peer;
        // What `into_make_service_with_connect_info` would add: handlers read the peer from it.
        let router = self
            .router
            .clone()
            .map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            });
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(self.header_timeout);
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(router));
        watcher.watch(connection).await?;
        Ok(())
    }
}
