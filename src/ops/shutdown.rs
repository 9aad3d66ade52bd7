//! SIGTERM or Ctrl-C cancels the token; the app then drains in order (see `app::App::run`).

use tokio_util::sync::CancellationToken;

pub async fn on_signal(token: CancellationToken) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down: no new work, finishing what is in flight");
    token.cancel();
}

/// SIGHUP re-reads the configuration (environment and `herald.toml`) and applies what is safe to
/// change while running: feature flags and alert thresholds. A bad file changes nothing; settings
/// that need a restart are named in the log.
pub async fn reload_on_hangup(
    live: crate::config::Live,
    current: std::sync::Arc<crate::config::Config>,
) {
    #[cfg(unix)]
    {
        let Ok(mut hangups) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        else {
            return;
        };
        while hangups.recv().await.is_some() {
            match crate::config::Config::from_env() {
                Ok(new) => {
                    let restart = crate::config::needs_restart(&current, &new);
                    if !restart.is_empty() {
                        tracing::warn!(settings = ?restart, "changed settings take effect only after a restart");
                    }
                    live.set(new.ops.reloadable.clone());
                    tracing::info!(target: crate::ops::telemetry::AUDIT, features = ?new.ops.reloadable.features, "configuration reloaded");
                }
                Err(err) => {
                    tracing::error!(error = %err, "configuration not reloaded; keeping the current one")
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (live, current);
    }
}
