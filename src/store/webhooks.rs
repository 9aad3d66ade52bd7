//! Outgoing webhooks: endpoints (their signing secrets sealed at rest), events written inside the
//! transaction of what they report, and one delivery row per event and endpoint, sent and retried
//! by the leader (`webhooks::Sender`). A delivery is leased while it is being sent, so a sender
//! that dies mid-request leaves it to be sent again (at least once: receivers deduplicate on the
//! `webhook-id`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use super::{Store, StoreResult, from_millis, parse_uuid, to_millis};

/// A delivery not acknowledged within this long of being claimed is claimed again.
const LEASE: chrono::Duration = chrono::Duration::seconds(60);

/// A registered receiver, as the API lists it (the secret is shown once, at creation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookEndpoint {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub disabled_reason: Option<String>,
}

/// An event waiting to be fanned out to the endpoints.
#[derive(Debug, Clone)]
pub struct WaitingEvent {
    pub id: Uuid,
    pub kind: String,
    pub subject: String,
    pub created_at: DateTime<Utc>,
}

/// A delivery claimed for sending, with everything the request needs.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: i64,
    pub event_id: Uuid,
    pub endpoint_id: Uuid,
    pub url: String,
    pub secret: String,
    pub body: String,
    pub attempts: i32,
}

/// Writes an event inside the caller's transaction, so it exists exactly when what it reports
/// does.
pub(super) async fn record_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    kind: &str,
    subject: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO webhook_events (id, kind, subject, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(kind)
    .bind(subject)
    .bind(to_millis(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Whether an enabled receiver subscribes to `kind` (the endpoint table is tiny).
pub(super) async fn wanted(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    kind: &str,
) -> StoreResult<bool> {
    let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut **tx)
        .await?;
    for row in &rows {
        if endpoint(row)?.wants(kind) {
            return Ok(true);
        }
    }
    Ok(false)
}

impl WebhookEndpoint {
    /// Enabled, and subscribed to events of `kind`.
    pub fn wants(&self, kind: &str) -> bool {
        self.disabled_at.is_none() && self.events.iter().any(|event| event == kind)
    }
}

/// A delivery that failed for good, as `delivery.failed` reports it: Herald's ids, never the
/// chat's.
#[derive(Debug, Clone, Serialize)]
pub struct FailedDelivery {
    pub delivery_id: i64,
    pub signal_id: Uuid,
    /// `None` once the user erased their data.
    pub user_id: Option<Uuid>,
    /// `failed`, or `blocked` (the user blocked the bot).
    pub status: String,
    pub attempts: i64,
    pub error: Option<String>,
}

fn endpoint(row: &sqlx::any::AnyRow) -> StoreResult<WebhookEndpoint> {
    let events: String = row.try_get("events")?;
    Ok(WebhookEndpoint {
        id: parse_uuid(&row.try_get::<String, _>("id")?)?,
        url: row.try_get("url")?,
        events: events.split(',').map(str::to_owned).collect(),
        description: row.try_get("description")?,
        created_at: from_millis(row.try_get("created_at")?),
        disabled_at: row
            .try_get::<Option<i64>, _>("disabled_at")?
            .map(from_millis),
        disabled_reason: row.try_get("disabled_reason")?,
    })
}

const ENDPOINT_COLUMNS: &str =
    "id, url, events, description, created_at, disabled_at, disabled_reason";

impl Store {
    pub async fn create_webhook_endpoint(
        &self,
        url: &str,
        events: &[String],
        description: Option<&str>,
        secret: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<WebhookEndpoint> {
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO webhook_endpoints (id, url, events, secret, description, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.to_string())
        .bind(url)
        .bind(events.join(","))
        .bind(self.cipher.seal(secret))
        .bind(description)
        .bind(to_millis(now))
        .execute(&self.pool)
        .await?;
        self.webhook_endpoint(id)
            .await?
            .ok_or(super::StoreError::NotFound)
    }

    pub async fn webhook_endpoint(&self, id: Uuid) -> StoreResult<Option<WebhookEndpoint>> {
        let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(endpoint)
            .transpose()
    }

    pub async fn webhook_endpoints(&self) -> StoreResult<Vec<WebhookEndpoint>> {
        let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY created_at");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(endpoint).collect()
    }

    /// Removes an endpoint and what was still to be sent to it; false if there was none.
    pub async fn delete_webhook_endpoint(&self, id: Uuid) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM webhook_deliveries WHERE endpoint_id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        let deleted = sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(deleted == 1)
    }

    /// Events not fanned out yet, oldest first.
    pub async fn waiting_webhook_events(&self, limit: i64) -> StoreResult<Vec<WaitingEvent>> {
        let rows = sqlx::query(
            "SELECT id, kind, subject, created_at FROM webhook_events \
             WHERE fanned_out_at IS NULL ORDER BY created_at, id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(WaitingEvent {
                    id: parse_uuid(&row.try_get::<String, _>("id")?)?,
                    kind: row.try_get("kind")?,
                    subject: row.try_get("subject")?,
                    created_at: from_millis(row.try_get("created_at")?),
                })
            })
            .collect()
    }

    /// Gives `event` its body and a delivery row for each of `subscribed` (the enabled endpoints
    /// that want its kind), at once; `None` as body when its subject is gone or nobody wants it
    /// (nothing is sent). Returns how many deliveries were queued.
    pub async fn fan_out_webhook_event(
        &self,
        event: &WaitingEvent,
        body: Option<&str>,
        subscribed: &[&WebhookEndpoint],
        now: DateTime<Utc>,
    ) -> StoreResult<usize> {
        let mut tx = self.begin_write().await?;
        let claimed = sqlx::query(
            "UPDATE webhook_events SET body = $2, fanned_out_at = $3 \
             WHERE id = $1 AND fanned_out_at IS NULL",
        )
        .bind(event.id.to_string())
        .bind(body)
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed == 0 || body.is_none() {
            tx.commit().await?;
            return Ok(0);
        }
        for endpoint in subscribed {
            sqlx::query(
                "INSERT INTO webhook_deliveries (event_id, endpoint_id, status, next_attempt_at) \
                 VALUES ($1, $2, 'pending', $3) ON CONFLICT (event_id, endpoint_id) DO NOTHING",
            )
            .bind(event.id.to_string())
            .bind(endpoint.id.to_string())
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(subscribed.len())
    }

    /// Claims up to `limit` deliveries that are due, leasing them to this sender.
    pub async fn claim_webhook_deliveries(
        &self,
        limit: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<DueDelivery>> {
        let rows = sqlx::query(
            "UPDATE webhook_deliveries SET lease_until = $2 WHERE id IN ( \
                 SELECT id FROM webhook_deliveries WHERE status = 'pending' \
                 AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1) \
                 ORDER BY next_attempt_at, id LIMIT $3) \
             AND status = 'pending' AND (lease_until IS NULL OR lease_until <= $1) \
             RETURNING id",
        )
        .bind(to_millis(now))
        .bind(to_millis(now + LEASE))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut due = Vec::with_capacity(rows.len());
        for row in rows {
            let id: i64 = row.try_get("id")?;
            let detail = sqlx::query(
                "SELECT d.event_id, d.endpoint_id, d.attempts, e.url, e.secret, v.body \
                 FROM webhook_deliveries d \
                 JOIN webhook_endpoints e ON e.id = d.endpoint_id \
                 JOIN webhook_events v ON v.id = d.event_id WHERE d.id = $1",
            )
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
            let Some(detail) = detail else { continue };
            let secret: String = detail.try_get("secret")?;
            due.push(DueDelivery {
                id,
                event_id: parse_uuid(&detail.try_get::<String, _>("event_id")?)?,
                endpoint_id: parse_uuid(&detail.try_get::<String, _>("endpoint_id")?)?,
                url: detail.try_get("url")?,
                secret: self.cipher.open(&secret)?,
                body: detail
                    .try_get::<Option<String>, _>("body")?
                    .unwrap_or_default(),
                attempts: detail.try_get("attempts")?,
            });
        }
        Ok(due)
    }

    pub async fn webhook_delivered(
        &self,
        id: i64,
        status: u16,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, \
             last_status = $2, last_error = NULL, delivered_at = $3, lease_until = NULL WHERE id = $1",
        )
        .bind(id)
        .bind(i32::from(status))
        .bind(to_millis(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A failed attempt: tried again at `retry_at`, or given up on (`None`).
    pub async fn webhook_attempt_failed(
        &self,
        id: i64,
        status: Option<u16>,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $2, \
             last_error = $3, lease_until = NULL, \
             status = CASE WHEN $4 < 0 THEN 'failed' ELSE 'pending' END, \
             next_attempt_at = CASE WHEN $4 < 0 THEN next_attempt_at ELSE $4 END WHERE id = $1",
        )
        .bind(id)
        .bind(status.map(i32::from))
        .bind(error)
        .bind(retry_at.map_or(-1, to_millis))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The receiver answered `410 Gone`: the endpoint is off and nothing more is sent to it.
    pub async fn disable_webhook_endpoint(
        &self,
        id: Uuid,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE webhook_endpoints SET disabled_at = $2, disabled_reason = $3 \
             WHERE id = $1 AND disabled_at IS NULL",
        )
        .bind(id.to_string())
        .bind(to_millis(now))
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE webhook_deliveries SET status = 'failed', lease_until = NULL, \
             last_error = $2 WHERE endpoint_id = $1 AND status = 'pending'",
        )
        .bind(id.to_string())
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Events older than `before` and their deliveries go: the log is for sending, not keeping.
    pub async fn failed_delivery(&self, id: i64) -> StoreResult<Option<FailedDelivery>> {
        let row = sqlx::query(
            "SELECT id, signal_id, user_id, status, attempts, last_error FROM signal_deliveries \
             WHERE id = $1 AND status IN ('failed', 'blocked')",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(FailedDelivery {
            delivery_id: row.try_get("id")?,
            signal_id: parse_uuid(&row.try_get::<String, _>("signal_id")?)?,
            user_id: row
                .try_get::<Option<String>, _>("user_id")?
                .map(|id| parse_uuid(&id))
                .transpose()?,
            status: row.try_get("status")?,
            attempts: i64::from(row.try_get::<i32, _>("attempts")?),
            error: row.try_get("last_error")?,
        }))
    }

    pub async fn purge_webhook_events(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "DELETE FROM webhook_deliveries WHERE event_id IN \
             (SELECT id FROM webhook_events WHERE created_at < $1 AND fanned_out_at IS NOT NULL) \
             AND status <> 'pending'",
        )
        .bind(to_millis(before))
        .execute(&mut *tx)
        .await?;
        let purged = sqlx::query(
            "DELETE FROM webhook_events WHERE created_at < $1 AND fanned_out_at IS NOT NULL \
             AND id NOT IN (SELECT event_id FROM webhook_deliveries)",
        )
        .bind(to_millis(before))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(purged)
    }

    /// Deliveries of one event to one endpoint, for tests and operators: status and attempts.
    pub async fn webhook_delivery_states(
        &self,
        endpoint_id: Uuid,
    ) -> StoreResult<Vec<(String, i32)>> {
        let rows = sqlx::query(
            "SELECT status, attempts FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY id",
        )
        .bind(endpoint_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("status")?, row.try_get("attempts")?)))
            .collect()
    }
}
