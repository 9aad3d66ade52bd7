//! API keys created with `herald apikey create`: only the SHA-256 of a key is stored, next to its
//! public id (the part of the key before the secret), its name and its scopes.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError, StoreResult, from_millis, to_millis};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredApiKey {
    pub id: String,
    pub name: String,
    /// Hex SHA-256 of the whole key.
    pub key_hash: String,
    /// Scope names, as stored (`signals,stats`).
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

fn key_from_row(row: &AnyRow) -> StoreResult<StoredApiKey> {
    Ok(StoredApiKey {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        key_hash: row.try_get("key_hash")?,
        scopes: row
            .try_get::<String, _>("scopes")?
            .split(',')
            .filter(|scope| !scope.is_empty())
            .map(str::to_owned)
            .collect(),
        created_at: from_millis(row.try_get("created_at")?),
        last_used_at: row
            .try_get::<Option<i64>, _>("last_used_at")?
            .map(from_millis),
        revoked_at: row
            .try_get::<Option<i64>, _>("revoked_at")?
            .map(from_millis),
    })
}

const COLUMNS: &str = "id, name, key_hash, scopes, created_at, last_used_at, revoked_at";

impl Store {
    pub async fn create_api_key(
        &self,
        id: &str,
        name: &str,
        key_hash: &str,
        scopes: &[&str],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let result = sqlx::query(
            "INSERT INTO api_keys (id, name, key_hash, scopes, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(name)
        .bind(key_hash)
        .bind(scopes.join(","))
        .bind(to_millis(now))
        .execute(&self.pool)
        .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::Conflict("api key id taken".into()));
        }
        Ok(())
    }

    pub async fn api_key(&self, id: &str) -> StoreResult<Option<StoredApiKey>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM api_keys WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(key_from_row).transpose()
    }

    pub async fn list_api_keys(&self) -> StoreResult<Vec<StoredApiKey>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM api_keys ORDER BY created_at, id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(key_from_row).collect()
    }

    /// Revokes the key with this id, or every unrevoked key with this name; returns how many.
    pub async fn revoke_api_key(&self, id_or_name: &str, now: DateTime<Utc>) -> StoreResult<u64> {
        let result = sqlx::query(
            "UPDATE api_keys SET revoked_at = $2 \
             WHERE (id = $1 OR name = $1) AND revoked_at IS NULL",
        )
        .bind(id_or_name)
        .bind(to_millis(now))
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected())
    }

    pub async fn touch_api_key(&self, id: &str, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1")
            .bind(id)
            .bind(to_millis(now))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
