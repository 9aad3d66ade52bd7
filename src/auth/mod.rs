//! Who may call the API: admin passwords (Argon2id), admin tokens (JWT, HS256, 15 minutes) and API
//! keys (random, stored as SHA-256, with scopes). The HTTP guard (`http::guard`) puts the result,
//! a [`Principal`], on each request.

pub mod api_keys;
pub mod init_data;
pub mod jwt;
pub mod key_registry;
pub mod passwords;
pub mod totp;

use uuid::Uuid;

/// What an API key may do. Keys from `HERALD_API_KEYS` have every scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Post and read signals, outcomes and prices.
    Signals,
    /// Read statistics and performance; export CSV.
    Stats,
    /// Register, list and remove outgoing webhooks.
    Webhooks,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Signals, Scope::Stats, Scope::Webhooks];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signals => "signals",
            Self::Stats => "stats",
            Self::Webhooks => "webhooks",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|scope| scope.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// `signals,stats` → scopes, or the first unknown name.
    pub fn parse_list(text: &str) -> Result<Vec<Scope>, String> {
        let mut scopes = Vec::new();
        for name in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let scope = Self::parse(name).ok_or_else(|| name.to_owned())?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        if scopes.is_empty() {
            return Err(text.to_owned());
        }
        scopes.sort();
        Ok(scopes)
    }
}

/// The authenticated caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An API key: `id` is the stored key's id, `None` for a key from `HERALD_API_KEYS`.
    ApiKey {
        id: Option<String>,
        name: String,
        scopes: Vec<Scope>,
    },
    /// An admin holding a valid token.
    Admin { id: Uuid, name: String },
    /// A Telegram user in the Mini App, by launch data signed for this bot (`init_data`).
    MiniAppUser { telegram_id: i64 },
}

impl Principal {
    /// The rate-limit bucket of this caller.
    pub fn bucket(&self) -> String {
        match self {
            Self::ApiKey { id: Some(id), .. } => format!("key:{id}"),
            Self::ApiKey { id: None, name, .. } => format!("env:{name}"),
            Self::Admin { id, .. } => format!("admin:{id}"),
            Self::MiniAppUser { telegram_id } => format!("tma:{telegram_id}"),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn scope_lists_parse_strictly() {
        assert_eq!(
            Scope::parse_list("stats, SIGNALS,stats").unwrap(),
            vec![Scope::Signals, Scope::Stats]
        );
        assert_eq!(Scope::parse_list("signals,admin").unwrap_err(), "admin");
        assert!(Scope::parse_list(" , ").is_err());
    }
}
