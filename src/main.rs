//! Thin entry point: parse the command line, load the configuration, run, map errors to exit codes
//! (2 for configuration, 1 for anything else).

use std::process::ExitCode;

use clap::Parser;
use herald::cli::{Cli, Command};
use herald::config::{Config, ConfigError};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> ExitCode {
    // With two rustls crypto providers in the dependency tree, building a TLS client without an
    // installed default panics; installing ring first makes that impossible.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => return config_error(&err),
    };
    let result = match cli.command {
        Command::Serve => serve(config).await,
        Command::Demo { interval } => herald::cli::demo::run(config, interval).await,
        Command::Migrate => migrate(config).await,
        Command::Webhook(command) => herald::cli::webhook::run(&config, command).await,
        Command::Admin { command } => herald::cli::admin::run(config, command).await,
        Command::Apikey { command } => herald::cli::security::run_apikey(config, command).await,
        Command::Channel { command } => herald::cli::channel::run(config, command).await,
        Command::RotateKey => herald::cli::security::run_rotate(config).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => match err.downcast_ref::<ConfigError>() {
            Some(config_err) => config_error(config_err),
            None => {
                eprintln!("herald: {err:#}");
                ExitCode::FAILURE
            }
        },
    }
}

fn config_error(err: &ConfigError) -> ExitCode {
    eprintln!("herald: configuration error: {err}");
    ExitCode::from(2)
}

async fn serve(config: Config) -> anyhow::Result<()> {
    config.require_token()?;
    herald::ops::telemetry::init(config.log_format, "info");
    let listen = config.listen;
    let app = herald::app::App::build(config).await?;
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!(address = %listener.local_addr()?, "listening");
    let metrics = match app.config.metrics_listen {
        Some(address) => {
            let metrics = tokio::net::TcpListener::bind(address).await?;
            tracing::info!(address = %metrics.local_addr()?, "serving /metrics");
            Some(metrics)
        }
        None => None,
    };
    let shutdown = CancellationToken::new();
    tokio::spawn(herald::ops::shutdown::on_signal(shutdown.clone()));
    tokio::spawn(herald::ops::shutdown::reload_on_hangup(
        app.live(),
        app.config.clone(),
    ));
    app.run(listener, metrics, shutdown).await
}

async fn migrate(config: Config) -> anyhow::Result<()> {
    let store = herald::store::Store::open(&config.database_url).await?;
    store.close().await;
    println!(
        "migrations applied to {}",
        herald::config::redact_url(&config.database_url)
    );
    Ok(())
}
