//! `POST /api/auth/login`: admin name + password + TOTP code → a 15-minute admin token.
//!
//! Every attempt is a security event. Five failures in a row lock the account for 15 minutes
//! (further attempts fail without being checked); every answer to a failure is the same 401, so
//! the form tells an attacker neither which names exist nor whether an account is locked. Codes
//! are single-use: the step of the last accepted code is stored and only later ones pass.

use axum::Json;
use axum::extract::{Extension, State};
use chrono::Utc;
use serde::Deserialize;

use super::AppState;
use super::answers::Token;
use super::client_ip::ClientIp;
use super::error::ApiError;
use super::extract::{Json as JsonBody, JsonRequest};
use super::rate_limit::retry_after_secs;
use crate::auth::jwt::TOKEN_LIFETIME;
use crate::auth::passwords;
use crate::auth::totp::{self, TotpError};
use crate::store::{AuditEvent, LoginFailure, Outcome};

/// Failures in a row that lock an account, and for how long.
pub const MAX_FAILURES: u32 = 5;
pub const LOCK_FOR: chrono::Duration = chrono::Duration::minutes(15);
/// Argon2 cost grows with the input; nobody's password is longer than this.
const MAX_PASSWORD_BYTES: usize = 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LoginRequest {
    name: String,
    password: String,
    totp: String,
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
    if request.name.is_empty() || request.name.chars().count() > 64 {
        return Err(ApiError::invalid("name", "1 to 64 characters"));
    }
    if request.password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::invalid("password", "too long"));
    }
    let Some(keys) = state.security.jwt.clone() else {
        return Err(ApiError::Unavailable(
            "admin API disabled: HERALD_JWT_SECRET is not set".into(),
        ));
    };
    if let Some(ip) = ip
        && let Err(wait) = state.security.limits.login.check(&ip)
    {
        return Err(ApiError::RateLimited {
            retry_after_secs: retry_after_secs(wait),
        });
    }
    let now = Utc::now();
    let event = |outcome: Outcome| {
        AuditEvent::security("auth.login", outcome)
            .by_anonymous(Some(&request.name))
            .ip(ip)
    };
    let password = request.password.clone();

    let Some(admin) = state.store.admin_by_name(&request.name).await? else {
        run_blocking(move || passwords::verify_decoy(&password)).await?;
        state
            .store
            .audit(event(Outcome::Denied).detail("unknown admin"))
            .await;
        return Err(ApiError::Unauthorized);
    };
    let as_admin = |outcome: Outcome| event(outcome).by_admin(admin.id, &admin.name);
    if let Some(until) = admin.locked_until.filter(|until| *until > now) {
        run_blocking(move || passwords::verify_decoy(&password)).await?;
        let detail = format!("account locked until {}", until.to_rfc3339());
        state
            .store
            .audit(as_admin(Outcome::Denied).detail(detail))
            .await;
        return Err(ApiError::Unauthorized);
    }

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
                let (token, expires_at) = keys
                    .issue(admin.id, &admin.name, now)
                    .map_err(|err| ApiError::Internal(anyhow::anyhow!(err)))?;
                state.store.audit(as_admin(Outcome::Ok)).await;
                return Ok(Json(Token {
                    token,
                    token_type: "Bearer",
                    expires_at,
                    expires_in: TOKEN_LIFETIME.num_seconds(),
                }));
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
    let detail = match state
        .store
        .record_admin_failure(admin.id, MAX_FAILURES, LOCK_FOR, now)
        .await?
    {
        LoginFailure::Locked(until) => {
            format!("{failure}; account locked until {}", until.to_rfc3339())
        }
        LoginFailure::Counted { remaining } => {
            format!("{failure}; {remaining} more failures lock the account")
        }
    };
    state
        .store
        .audit(as_admin(Outcome::Denied).detail(detail))
        .await;
    Err(ApiError::Unauthorized)
}

/// Argon2 takes tens of milliseconds of CPU: keep it off the async workers.
async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| ApiError::Internal(anyhow::anyhow!("password check failed: {err}")))
}
