//! Admin accounts of the HTTP API: Argon2id password hashes, sealed TOTP secrets, the last TOTP
//! step used (so a code works once), the failed-attempt counter behind the lockout, and the token
//! generation that logout, a new password and disabling bump (older tokens are refused).

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::{Store, StoreError, StoreResult, from_millis, parse_uuid, to_millis};

/// One admin, with the TOTP secret already opened.
#[derive(Clone)]
pub struct AdminRecord {
    pub id: Uuid,
    pub name: String,
    pub password_hash: String,
    pub totp_secret: String,
    pub totp_last_step: Option<u64>,
    pub role: String,
    pub failed_attempts: u32,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Tokens carry the generation they were issued in; only the current one is accepted.
    pub token_generation: u32,
    pub disabled_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for AdminRecord {
    // The hash and the secret stay out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminRecord")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// What a failed login did to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginFailure {
    /// Counted; `remaining` more failures lock the account.
    Counted { remaining: u32 },
    /// This failure locked the account until the given time.
    Locked(DateTime<Utc>),
}

const COLUMNS: &str = "id, name, password_hash, totp_secret, totp_last_step, role, \
     failed_attempts, locked_until, created_at, token_generation, disabled_at";

impl Store {
    fn admin_from_row(&self, row: &AnyRow) -> StoreResult<AdminRecord> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("admins.{what}"));
        Ok(AdminRecord {
            id: parse_uuid(&row.try_get::<String, _>("id")?)?,
            name: row.try_get("name")?,
            password_hash: row.try_get("password_hash")?,
            totp_secret: self
                .cipher
                .open(&row.try_get::<String, _>("totp_secret")?)?,
            totp_last_step: row
                .try_get::<Option<i64>, _>("totp_last_step")?
                .map(|step| u64::try_from(step).map_err(|_| corrupt("totp_last_step")))
                .transpose()?,
            role: row.try_get("role")?,
            failed_attempts: u32::try_from(row.try_get::<i32, _>("failed_attempts")?)
                .map_err(|_| corrupt("failed_attempts"))?,
            locked_until: row
                .try_get::<Option<i64>, _>("locked_until")?
                .map(from_millis),
            created_at: from_millis(row.try_get("created_at")?),
            token_generation: u32::try_from(row.try_get::<i32, _>("token_generation")?)
                .map_err(|_| corrupt("token_generation"))?,
            disabled_at: row
                .try_get::<Option<i64>, _>("disabled_at")?
                .map(from_millis),
        })
    }

    /// Creates an admin; a taken name is a `Conflict`.
    pub async fn create_admin(
        &self,
        name: &str,
        password_hash: &str,
        totp_secret: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Uuid> {
        let id = Uuid::now_v7();
        let result = sqlx::query(
            "INSERT INTO admins (id, name, password_hash, totp_secret, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(name)
        .bind(password_hash)
        .bind(self.cipher.seal(totp_secret))
        .bind(to_millis(now))
        .execute(&self.pool)
        .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!(
                "an admin named {name:?} exists"
            )));
        }
        Ok(id)
    }

    pub async fn admin_by_name(&self, name: &str) -> StoreResult<Option<AdminRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM admins WHERE name = $1"
        )))
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(|row| self.admin_from_row(row)).transpose()
    }

    pub async fn admin_by_id(&self, id: Uuid) -> StoreResult<Option<AdminRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM admins WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(|row| self.admin_from_row(row)).transpose()
    }

    /// Ends every session of the admin (logout): tokens issued before are refused from now on.
    pub async fn end_admin_sessions(&self, id: Uuid) -> StoreResult<bool> {
        let result =
            sqlx::query("UPDATE admins SET token_generation = token_generation + 1 WHERE id = $1")
                .bind(id.to_string())
                .execute(&self.pool)
                .await?;
        Ok(result.rows_affected() == 1)
    }

    /// A new password: the lockout is lifted and every session ends. `NotFound` for an unknown
    /// name.
    pub async fn set_admin_password(&self, name: &str, password_hash: &str) -> StoreResult<Uuid> {
        let row = sqlx::query(
            "UPDATE admins SET password_hash = $2, failed_attempts = 0, locked_until = NULL, \
             token_generation = token_generation + 1 WHERE name = $1 RETURNING id",
        )
        .bind(name)
        .bind(password_hash)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        parse_uuid(&row.try_get::<String, _>("id")?)
    }

    /// Disables (or enables again) an admin: a disabled one can neither log in nor use a token,
    /// and enabling does not bring old tokens back. `NotFound` for an unknown name.
    pub async fn set_admin_disabled(
        &self,
        name: &str,
        disabled: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<Uuid> {
        let row = sqlx::query(
            "UPDATE admins SET disabled_at = $2, token_generation = token_generation + 1 \
             WHERE name = $1 RETURNING id",
        )
        .bind(name)
        .bind(disabled.then(|| to_millis(now)))
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        parse_uuid(&row.try_get::<String, _>("id")?)
    }

    pub async fn list_admins(&self) -> StoreResult<Vec<AdminRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM admins ORDER BY name"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| self.admin_from_row(row)).collect()
    }

    /// Counts a failed login; the `max_failures`-th in a row locks the account until
    /// `now + lock_for` and starts the count again.
    pub async fn record_admin_failure(
        &self,
        id: Uuid,
        max_failures: u32,
        lock_for: chrono::Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<LoginFailure> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "UPDATE admins SET failed_attempts = failed_attempts + 1 WHERE id = $1 \
             RETURNING failed_attempts",
        )
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let failures = u32::try_from(row.try_get::<i32, _>("failed_attempts")?).unwrap_or(0);
        let outcome = if failures >= max_failures {
            let until = now + lock_for;
            sqlx::query("UPDATE admins SET failed_attempts = 0, locked_until = $2 WHERE id = $1")
                .bind(id.to_string())
                .bind(to_millis(until))
                .execute(&mut *tx)
                .await?;
            LoginFailure::Locked(until)
        } else {
            LoginFailure::Counted {
                remaining: max_failures - failures,
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// Records a successful login that used TOTP `step`. Returns false, changing nothing, when
    /// that step (or a later one) was already used: two logins racing with one code cannot both
    /// succeed, because the check and the write are one statement.
    pub async fn record_admin_login(
        &self,
        id: Uuid,
        step: u64,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let step = i64::try_from(step).map_err(|_| StoreError::Corrupt("totp step".into()))?;
        let result = sqlx::query(
            "UPDATE admins SET totp_last_step = $2, failed_attempts = 0, locked_until = NULL, \
             last_login_at = $3 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
        )
        .bind(id.to_string())
        .bind(step)
        .bind(to_millis(now))
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }
}
