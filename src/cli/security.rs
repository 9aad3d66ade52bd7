//! `herald admin create`, `herald apikey create|list|revoke` and `herald rotate-key`: the operator's
//! side of the API's credentials and of the encryption key. Secrets are printed once and stored
//! only hashed (passwords, keys) or sealed (TOTP secrets).

use chrono::Utc;
use clap::Subcommand;

use crate::auth::{Scope, api_keys, passwords};
use crate::config::{Config, ConfigError};
use crate::store::{AuditEvent, RotationReport, Store, StoredApiKey};

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin of the HTTP API: prints a generated password and a TOTP enrolment URI once.
    Create {
        /// Login name: 1-64 letters, digits, `.`, `_`, `-` or `@`.
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

/// What `apikey create` shows once.
pub struct NewApiKey {
    pub id: String,
    pub key: String,
    pub scopes: Vec<Scope>,
}

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

pub async fn create_api_key(store: &Store, name: &str, scopes: &str) -> anyhow::Result<NewApiKey> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        anyhow::bail!("key names are 1-64 printable characters");
    }
    let scopes = Scope::parse_list(scopes)
        .map_err(|bad| anyhow::anyhow!("unknown scope {bad:?}; scopes are signals, stats"))?;
    let generated = api_keys::generate();
    let names: Vec<&str> = scopes.iter().map(|scope| scope.as_str()).collect();
    store
        .create_api_key(&generated.id, name, &generated.hash, &names, Utc::now())
        .await?;
    store
        .audit(
            AuditEvent::audit("apikey.create")
                .target("api_key", generated.id.clone())
                .detail(format!("{name} ({})", names.join(","))),
        )
        .await;
    Ok(NewApiKey {
        id: generated.id,
        key: generated.key,
        scopes,
    })
}

pub async fn revoke_api_key(store: &Store, id_or_name: &str) -> anyhow::Result<u64> {
    let revoked = store.revoke_api_key(id_or_name, Utc::now()).await?;
    if revoked > 0 {
        store
            .audit(
                AuditEvent::audit("apikey.revoke")
                    .target("api_key", id_or_name)
                    .detail(format!("{revoked} key(s)")),
            )
            .await;
    }
    Ok(revoked)
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
