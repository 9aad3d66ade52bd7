//! `herald admin create|password|disable|enable`, `herald apikey create|list|revoke` and
//! `herald rotate-key`: the operator's side of the API's credentials and of the encryption key.
//! Secrets are printed once and stored only hashed (passwords, keys) or sealed (TOTP secrets).

use chrono::Utc;
use clap::Subcommand;

use crate::auth::key_registry::{self, By};
use crate::auth::{Scope, passwords};
use crate::config::{Config, ConfigError};
use crate::store::{AuditEvent, Outcome, RotationReport, Store, StoreError, StoredApiKey};

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin of the HTTP API: prints a generated password and a TOTP enrolment URI once.
    Create {
        /// Login name: 1-64 letters, digits, `.`, `_`, `-` or `@`.
        name: String,
    },
    /// Give an admin of the HTTP API a new generated password (printed once); lifts a lockout
    /// and ends every session the admin has.
    Password {
        /// The admin's login name.
        name: String,
    },
    /// Disable an admin of the HTTP API: no login, and every token it holds is refused.
    Disable {
        /// The admin's login name.
        name: String,
    },
    /// Enable a disabled admin again (old tokens stay refused: log in anew).
    Enable {
        /// The admin's login name.
        name: String,
    },
    /// Create a new TOTP secret for a bot admin (by Telegram user id); prints it once as an
    /// otpauth:// URI and invalidates any previous one.
    Totp {
        /// The admin's Telegram user id.
        telegram_id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create a key: printed once, stored as a hash.
    Create {
        /// What the key is for (shown by `list`).
        name: String,
        /// Comma-separated scopes: signals, stats.
        #[arg(long, default_value = "signals")]
        scopes: String,
    },
    /// List keys (never the keys themselves).
    List,
    /// Revoke a key by id, or every key with that name.
    Revoke { id_or_name: String },
}

/// What `admin create` shows once.
pub struct NewAdmin {
    pub name: String,
    pub password: String,
    pub totp_secret: String,
    pub otpauth_uri: String,
}

pub use crate::auth::key_registry::NewApiKey;

fn valid_admin_name(name: &str) -> bool {
    (1..=64).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

pub async fn create_admin(store: &Store, name: &str) -> anyhow::Result<NewAdmin> {
    if !valid_admin_name(name) {
        anyhow::bail!("admin names are 1-64 letters, digits, '.', '_', '-' or '@'");
    }
    let password = passwords::generate();
    let to_hash = password.clone();
    let hash = tokio::task::spawn_blocking(move || passwords::hash(&to_hash)).await??;
    let totp_secret = crate::auth::totp::generate_secret();
    let otpauth_uri = crate::auth::totp::otpauth_uri(&totp_secret, name)?;
    let id = store
        .create_admin(name, &hash, &totp_secret, Utc::now())
        .await?;
    store
        .audit(
            AuditEvent::audit("admin.create")
                .target("admin", id.to_string())
                .detail(name),
        )
        .await;
    Ok(NewAdmin {
        name: name.to_owned(),
        password,
        totp_secret,
        otpauth_uri,
    })
}

/// A new generated password for admin `name`; every session of the admin ends. Returns it.
pub async fn reset_admin_password(store: &Store, name: &str) -> anyhow::Result<String> {
    let password = passwords::generate();
    let to_hash = password.clone();
    let hash = tokio::task::spawn_blocking(move || passwords::hash(&to_hash)).await??;
    let id = match store.set_admin_password(name, &hash).await {
        Err(StoreError::NotFound) => anyhow::bail!("no admin named {name:?}"),
        other => other?,
    };
    let event = AuditEvent::security("admin.password", Outcome::Ok).target("admin", id.to_string());
    store.audit(event.detail(name)).await;
    Ok(password)
}

/// Disables (or enables) admin `name`; disabling ends every session at once.
pub async fn set_admin_disabled(store: &Store, name: &str, disabled: bool) -> anyhow::Result<()> {
    let id = match store.set_admin_disabled(name, disabled, Utc::now()).await {
        Err(StoreError::NotFound) => anyhow::bail!("no admin named {name:?}"),
        other => other?,
    };
    let action = if disabled {
        "admin.disable"
    } else {
        "admin.enable"
    };
    let event = AuditEvent::security(action, Outcome::Ok).target("admin", id.to_string());
    store.audit(event.detail(name)).await;
    Ok(())
}

pub async fn create_api_key(store: &Store, name: &str, scopes: &str) -> anyhow::Result<NewApiKey> {
    let scopes = Scope::parse_list(scopes).map_err(|bad| {
        let known: Vec<&str> = Scope::ALL.iter().map(|scope| scope.as_str()).collect();
        anyhow::anyhow!("unknown scope {bad:?}; scopes are {}", known.join(", "))
    })?;
    Ok(key_registry::create(store, name, &scopes, By::Operator).await?)
}

pub async fn revoke_api_key(store: &Store, id_or_name: &str) -> anyhow::Result<u64> {
    Ok(key_registry::revoke(store, id_or_name, By::Operator).await?)
}

/// Re-seals personal data with the current key; the previous ones must be configured.
pub async fn rotate_key(store: &Store, config: &Config) -> anyhow::Result<RotationReport> {
    if config.encryption_key.is_none() {
        return Err(ConfigError::new(
            "HERALD_ENCRYPTION_KEY",
            "rotate-key needs the new key here (and the old ones in HERALD_ENCRYPTION_KEY_PREVIOUS)",
        )
        .into());
    }
    let report = store.rotate_encryption().await?;
    store
        .audit(AuditEvent::audit("encryption.rotate").detail(format!(
            "users {}, admins {}, bot admins {}, updates {}",
            report.users, report.admins, report.bot_admins, report.updates
        )))
        .await;
    Ok(report)
}

pub async fn run_admin(config: Config, command: AdminCommand) -> anyhow::Result<()> {
    let name = match command {
        AdminCommand::Create { name } => name,
        AdminCommand::Totp { telegram_id } => {
            return crate::cli::admin::run_totp(config, telegram_id).await;
        }
        AdminCommand::Password { name } => {
            let store = crate::store::at_rest::open_store(&config).await?;
            let result = reset_admin_password(&store, &name).await;
            store.close().await;
            println!(
                "New password for {name:?} (shown once; every session ended): {}",
                result?
            );
            return Ok(());
        }
        AdminCommand::Disable { name } => return switch_admin(&config, &name, true).await,
        AdminCommand::Enable { name } => return switch_admin(&config, &name, false).await,
    };
    let store = crate::store::at_rest::open_store(&config).await?;
    let result = create_admin(&store, &name).await;
    store.close().await;
    let admin = result?;
    println!(
        "Admin {:?} created. Shown once — store both now:",
        admin.name
    );
    println!("  password: {}", admin.password);
    println!(
        "  two-factor (add to an authenticator app): {}",
        admin.otpauth_uri
    );
    println!("  (secret for manual entry: {})", admin.totp_secret);
    println!(
        "Log in with POST /api/auth/login {{\"name\": {:?}, \"password\": \"…\", \"totp\": \"123456\"}}",
        admin.name
    );
    Ok(())
}

pub async fn run_apikey(config: Config, command: ApiKeyCommand) -> anyhow::Result<()> {
    let store = crate::store::at_rest::open_store(&config).await?;
    let result = apikey(&store, command).await;
    store.close().await;
    result
}

async fn apikey(store: &Store, command: ApiKeyCommand) -> anyhow::Result<()> {
    match command {
        ApiKeyCommand::Create { name, scopes } => {
            let key = create_api_key(store, &name, &scopes).await?;
            let scopes: Vec<&str> = key.scopes.iter().map(|s| s.as_str()).collect();
            println!(
                "API key {} ({}) created. Shown once — store it now:",
                key.id,
                scopes.join(",")
            );
            println!("{}", key.key);
        }
        ApiKeyCommand::List => {
            let keys = store.list_api_keys().await?;
            if keys.is_empty() {
                println!("no API keys (keys in HERALD_API_KEYS are not listed)");
            }
            for key in keys {
                println!("{}", describe(&key));
            }
        }
        ApiKeyCommand::Revoke { id_or_name } => match revoke_api_key(store, &id_or_name).await? {
            0 => anyhow::bail!("no active key with id or name {id_or_name:?}"),
            n => println!("revoked {n} key(s)"),
        },
    }
    Ok(())
}

fn describe(key: &StoredApiKey) -> String {
    let day = |at: chrono::DateTime<Utc>| at.format("%Y-%m-%d %H:%M").to_string();
    let status = match key.revoked_at {
        Some(at) => format!("revoked {}", day(at)),
        None => "active".to_owned(),
    };
    format!(
        "{}  {:<24}  {:<14}  created {}  last used {}  {status}",
        key.id,
        key.name,
        key.scopes.join(","),
        day(key.created_at),
        key.last_used_at.map(day).unwrap_or_else(|| "never".into()),
    )
}

pub async fn run_rotate(config: Config) -> anyhow::Result<()> {
    let store = crate::store::at_rest::open_store(&config).await?;
    let result = rotate_key(&store, &config).await;
    store.close().await;
    let report = result?;
    println!(
        "re-encrypted with key {}: {} users, {} admins, {} bot admins, {} stored updates; \
         HERALD_ENCRYPTION_KEY_PREVIOUS can now be removed",
        config.cipher().key_id().unwrap_or_default(),
        report.users,
        report.admins,
        report.bot_admins,
        report.updates
    );
    Ok(())
}

async fn switch_admin(config: &Config, name: &str, disabled: bool) -> anyhow::Result<()> {
    let store = crate::store::at_rest::open_store(config).await?;
    let result = set_admin_disabled(&store, name, disabled).await;
    store.close().await;
    result?;
    if disabled {
        println!("{name:?} is disabled: no login, and every token it holds is refused");
    } else {
        println!("{name:?} is enabled again; it must log in anew");
    }
    Ok(())
}
