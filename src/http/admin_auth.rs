//! `POST /api/auth/login`: admin name + password + TOTP code → a 15-minute admin token;
//! `POST /api/auth/logout` ends the admin's sessions (every token issued so far).
//!
//! Every attempt is a security event. Failures are counted per (name, address): after four in a
//! row that address is locked out of the account for a minute, then two, four, eight, fifteen, so
//! one client guessing cannot lock the admin out for everyone. Fifty failures in a row from all
//! addresses together (a guess spread over many) lock the account everywhere for 15 minutes and
//! alert the admins. Locked attempts fail without being checked; every answer to a failure is the
//! same 401, so the form tells an attacker neither which names exist nor what is locked. Codes
//! are single-use: the step of the last accepted code is stored and only later ones pass.

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::AppState;
use super::answers::Token;
use super::auth::AdminCaller;
use super::client_ip::ClientIp;
use super::error::ApiError;
use super::extract::{Json as JsonBody, JsonRequest};
use super::rate_limit::{ip_bucket, retry_after_secs};
use crate::auth::jwt::TOKEN_LIFETIME;
use crate::auth::passwords;
use crate::auth::totp::{self, TotpError};
use crate::ops::telemetry::SECURITY;
use crate::store::{AdminRecord, AuditEvent, LoginFailure, Outcome};

/// The failure in a row from one address that first locks that address out of the account.
pub const FIRST_LOCKING_FAILURE: u32 = 4;
/// Failures in a row from all addresses together that lock the account for everyone: only a guess
/// spread over many addresses gets there, since each address is locked out long before.
pub const DISTRIBUTED_FAILURES: u32 = 50;
/// The longest lock, of an address or of the whole account.
pub const LOCK_FOR: chrono::Duration = chrono::Duration::minutes(15);
/// Argon2 cost grows with the input; nobody's password is longer than this.
const MAX_PASSWORD_BYTES: usize = 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub name: String,
    pub password: String,
    pub totp: String,
}

impl JsonRequest for LoginRequest {
    /// Every unreadable form is the same 400, whatever was wrong with it.
    fn unreadable(err: serde_json::Error) -> ApiError {
        ApiError::Malformed(format!("expected {{name, password, totp}}: {err}"))
    }
}

pub(super) async fn login(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    JsonBody(request): JsonBody<LoginRequest>,
) -> Result<Json<Token>, ApiError> {
    let Some(keys) = state.security.jwt.clone() else {
        return Err(ApiError::Unavailable(
            "admin API disabled: HERALD_JWT_SECRET is not set".into(),
        ));
    };
    let now = Utc::now();
    let admin = check_login(&state, ip, &request, Via::Api, now).await?;
    let (token, expires_at) = keys
        .issue(admin.id, &admin.name, admin.token_generation, now)
        .map_err(|err| ApiError::Internal(anyhow::anyhow!(err)))?;
    Ok(Json(Token {
        token,
        token_type: "Bearer",
        expires_at,
        expires_in: TOKEN_LIFETIME.num_seconds(),
    }))
}

/// Where a login comes from, as its audit row says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Api,
    Console,
}

/// Checks a login, with the lockout, the single-use codes and the audit rows described above;
/// the admin when name, password and code are right. Every edge that logs admins in (the API's
/// tokens, the console's sessions) goes through here.
pub async fn check_login(
    state: &AppState,
    ip: Option<IpAddr>,
    request: &LoginRequest,
    via: Via,
    now: DateTime<Utc>,
) -> Result<AdminRecord, ApiError> {
    if request.name.is_empty() || request.name.chars().count() > 64 {
        return Err(ApiError::invalid("name", "1 to 64 characters"));
    }
    if request.password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::invalid("password", "too long"));
    }
    if let Some(ip) = ip
        && let Err(wait) = state.security.limits.login.check(&ip)
    {
        return Err(ApiError::RateLimited {
            retry_after_secs: retry_after_secs(wait),
        });
    }
    let attempt = Attempt {
        state,
        request,
        ip,
        via,
        address: ip.map_or_else(|| "unknown".to_owned(), |ip| ip_bucket(ip).to_string()),
    };

    let Some(admin) = state.store.admin_by_name(&request.name).await? else {
        return Err(attempt
            .refuse(attempt.event(Outcome::Denied), "unknown admin")
            .await);
    };
    let denied = attempt
        .event(Outcome::Denied)
        .by_admin(admin.id, &admin.name);
    if admin.disabled_at.is_some() {
        return Err(attempt.refuse(denied, "admin disabled").await);
    }
    if let Some(until) = admin.locked_until.filter(|until| *until > now) {
        let detail = format!(
            "account locked for every address until {}",
            until.to_rfc3339()
        );
        return Err(attempt.refuse(denied, &detail).await);
    }
    let pair_lock = state
        .store
        .login_locked_until(&admin.name, &attempt.address, now)
        .await?;
    if let Some(until) = pair_lock {
        let detail = format!("locked for this address until {}", until.to_rfc3339());
        return Err(attempt.refuse(denied, &detail).await);
    }

    let password = request.password.clone();
    let hash = admin.password_hash.clone();
    let password_ok = run_blocking(move || passwords::verify(&password, &hash)).await?;
    let unix_now = u64::try_from(now.timestamp()).unwrap_or_default();
    let code = totp::verify(
        &admin.totp_secret,
        &request.totp,
        unix_now,
        admin.totp_last_step,
    );
    let failure = match (password_ok, code) {
        (true, Ok(step)) => {
            if state.store.record_admin_login(admin.id, step, now).await? {
                state
                    .store
                    .clear_login_failures(&admin.name, &attempt.address)
                    .await?;
                let ok = attempt.event(Outcome::Ok).by_admin(admin.id, &admin.name);
                state.store.audit(ok).await;
                return Ok(admin);
            }
            // Another login used this code a moment ago.
            "two-factor code already used"
        }
        (false, _) => "wrong password",
        (true, Err(TotpError::Replayed)) => "two-factor code already used",
        (true, Err(TotpError::WrongCode)) => "wrong two-factor code",
        (true, Err(TotpError::BadSecret)) => {
            return Err(ApiError::Internal(anyhow::anyhow!(
                "admin {} has an unusable TOTP secret",
                admin.id
            )));
        }
    };
    let detail = attempt.count_failure(&admin, now).await?;
    state
        .store
        .audit(denied.detail(format!("{failure}; {detail}")))
        .await;
    Err(refused())
}

/// One login attempt: who asked, from where, and how a refusal is written down.
struct Attempt<'a> {
    state: &'a AppState,
    request: &'a LoginRequest,
    ip: Option<IpAddr>,
    via: Via,
    /// The key of the per-address count: the address, IPv6 by its /64.
    address: String,
}

impl Attempt<'_> {
    fn event(&self, outcome: Outcome) -> AuditEvent {
        let action = match self.via {
            Via::Api => "auth.login",
            Via::Console => "console.login",
        };
        AuditEvent::security(action, outcome)
            .by_anonymous(Some(&self.request.name))
            .ip(self.ip)
    }

    /// Refuses without looking at the password, yet spends the time a check would, so timing
    /// does not tell which names exist or which are locked.
    async fn refuse(&self, event: AuditEvent, detail: &str) -> ApiError {
        let password = self.request.password.clone();
        if let Err(err) = run_blocking(move || passwords::verify_decoy(&password)).await {
            return err;
        }
        self.state.store.audit(event.detail(detail)).await;
        refused()
    }

    /// Counts a wrong password or code against this address and against the account; returns
    /// what it did, for the audit row.
    async fn count_failure(
        &self,
        admin: &AdminRecord,
        now: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        let store = &self.state.store;
        let (in_a_row, pair_until) = store
            .record_login_failure(&admin.name, &self.address, now, address_lock)
            .await?;
        let everywhere = store
            .record_admin_failure(admin.id, DISTRIBUTED_FAILURES, LOCK_FOR, now)
            .await?;
        if let LoginFailure::Locked(until) = everywhere {
            crate::ops::metrics::admin_locked();
            tracing::warn!(
                target: SECURITY,
                admin = %admin.id,
                "admin locked for every address: failed logins spread over many addresses"
            );
            return Ok(format!(
                "{DISTRIBUTED_FAILURES} failures in a row: account locked for every address until {}",
                until.to_rfc3339()
            ));
        }
        Ok(match pair_until {
            Some(until) => format!(
                "{in_a_row} failures from this address: locked for it until {}",
                until.to_rfc3339()
            ),
            None => format!("{in_a_row} failures from this address"),
        })
    }
}

/// How long an address is locked out of an account after its `failures`-th failure in a row:
/// the first three are free (typos), then 1 minute, doubling each time, up to [`LOCK_FOR`].
pub fn address_lock(failures: u32) -> Option<chrono::Duration> {
    let doublings = failures.checked_sub(FIRST_LOCKING_FAILURE)?;
    let minutes = 1i64 << doublings.min(4);
    Some(chrono::Duration::minutes(minutes).min(LOCK_FOR))
}

/// `POST /api/auth/logout`: ends every session of the calling admin, this token's included.
pub(super) async fn logout(
    State(state): State<AppState>,
    admin: AdminCaller,
) -> Result<StatusCode, ApiError> {
    state.store.end_admin_sessions(admin.id).await?;
    let event = AuditEvent::security("auth.logout", Outcome::Ok).by_admin(admin.id, &admin.name);
    state.store.audit(event).await;
    Ok(StatusCode::NO_CONTENT)
}

/// The one answer to every failed login, counted for monitoring and the failed-logins alert.
fn refused() -> ApiError {
    crate::ops::metrics::auth_failure(crate::ops::metrics::AuthFailure::Login);
    ApiError::Unauthorized
}

/// Argon2 takes tens of milliseconds of CPU: keep it off the async workers.
async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| ApiError::Internal(anyhow::anyhow!("password check failed: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_waits_longer_after_each_failure() {
        let minutes: Vec<Option<i64>> = (1..=9)
            .map(|n| address_lock(n).map(|d| d.num_minutes()))
            .collect();
        assert_eq!(
            minutes,
            [
                None,
                None,
                None,
                Some(1),
                Some(2),
                Some(4),
                Some(8),
                Some(15),
                Some(15)
            ]
        );
    }
}
