//! Signals, stored together with their fan-out job in one transaction (`store::fanout`).

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::fanout::insert_fanout_job;
use super::{Store, StoreError, StoreResult, from_millis, parse_uuid, to_millis};
use crate::domain::signal::{Signal, SignalKind};

#[derive(Debug, Clone)]
pub struct StoredSignal {
    pub signal: Signal,
    /// The canonical request, compared when the same id is posted again.
    pub request: String,
    /// What the message needs beyond the signal (e.g. the performance category), as JSON.
    pub context: serde_json::Value,
    pub accepted_at: DateTime<Utc>,
    /// The audience at acceptance (a close: the audience of the signal it closes).
    pub recipients: i64,
}

/// The result of posting a signal whose id may already exist.
#[derive(Debug)]
pub enum InsertOutcome {
    Created(StoredSignal),
    /// Same id, same request: the original, untouched.
    Duplicate(StoredSignal),
}

#[derive(Debug, Clone, Default)]
pub struct SignalListQuery {
    pub asset: Option<String>,
    pub kind: Option<SignalKind>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Only signals accepted before this one (keyset paging, newest first).
    pub before: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

pub(super) const SIGNAL_COLUMNS: &str = "id, body, request, context, accepted_at, recipients";

pub(super) fn signal_from_row(row: &AnyRow) -> StoreResult<StoredSignal> {
    let body: String = row.try_get("body")?;
    let signal: Signal = serde_json::from_str(&body)
        .map_err(|err| StoreError::Corrupt(format!("signals.body: {err}")))?;
    let context: String = row.try_get("context")?;
    Ok(StoredSignal {
        signal,
        request: row.try_get("request")?,
        context: serde_json::from_str(&context)
            .map_err(|err| StoreError::Corrupt(format!("signals.context: {err}")))?,
        accepted_at: from_millis(row.try_get("accepted_at")?),
        recipients: row.try_get("recipients")?,
    })
}

/// Writes the signal row and its fan-out job inside `tx`; false (and nothing written) when a
/// signal with this id already exists. Shared by plain signals and by closes that record an
/// outcome in the same transaction (`store::outcomes`).
pub(super) async fn insert_signal_rows(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    signal: &Signal,
    request: &str,
    context: &serde_json::Value,
    recipients: i64,
    accepted_at: DateTime<Utc>,
) -> StoreResult<bool> {
    let body = serde_json::to_string(signal).map_err(|err| StoreError::Corrupt(err.to_string()))?;
    // ON CONFLICT DO NOTHING makes a concurrent duplicate wait for the first insert's commit
    // and then insert nothing, so exactly one fan-out is ever written.
    let inserted = sqlx::query(
        "INSERT INTO signals (id, kind, asset, confidence, source_model, generated_at, accepted_at, \
         closes, body, request, context, recipients) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING",
    )
    .bind(signal.id.to_string())
    .bind(signal.kind.as_str())
    .bind(signal.asset.as_str())
    .bind(i32::from(signal.confidence.value()))
    .bind(&signal.source_model)
    .bind(to_millis(signal.generated_at))
    .bind(to_millis(accepted_at))
    .bind(signal.closes.map(|id| id.to_string()))
    .bind(&body)
    .bind(request)
    .bind(context.to_string())
    .bind(recipients)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Ok(false);
    }
    insert_fanout_job(tx, signal.id, accepted_at).await?;
    Ok(true)
}

impl Store {
    /// Stores the signal and its fan-out atomically. The same id posted again with the same
    /// canonical request returns the original; with a different one, `Conflict`.
    pub async fn insert_signal(
        &self,
        signal: &Signal,
        request: &str,
        context: &serde_json::Value,
        recipients: i64,
        accepted_at: DateTime<Utc>,
    ) -> StoreResult<InsertOutcome> {
        let mut tx = self.begin_write().await?;
        let inserted =
            insert_signal_rows(&mut tx, signal, request, context, recipients, accepted_at).await?;
        if !inserted {
            tx.rollback().await?;
            let existing = self.signal(signal.id).await?.ok_or(StoreError::NotFound)?;
            return if existing.request == request {
                Ok(InsertOutcome::Duplicate(existing))
            } else {
                Err(StoreError::Conflict(
                    "a different signal was already posted with this id".into(),
                ))
            };
        }
        self.announce_deliveries(&mut tx).await?;
        super::webhooks::record_event(
            &mut tx,
            "signal.created",
            &signal.id.to_string(),
            accepted_at,
        )
        .await?;
        tx.commit().await?;
        self.fanouts_queued.notify_one();
        Ok(InsertOutcome::Created(StoredSignal {
            signal: signal.clone(),
            request: request.to_owned(),
            context: context.clone(),
            accepted_at,
            recipients,
        }))
    }

    pub async fn signal(&self, id: Uuid) -> StoreResult<Option<StoredSignal>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SIGNAL_COLUMNS} FROM signals WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(signal_from_row).transpose()
    }

    /// Newest first, filtered, keyset-paged.
    pub async fn list_signals(&self, query: &SignalListQuery) -> StoreResult<Vec<StoredSignal>> {
        // Unused filters compare against NULL and drop out, which keeps this one static query.
        let (before_at, before_id) = match query.before {
            Some((at, id)) => (Some(to_millis(at)), Some(id.to_string())),
            None => (None, None),
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SIGNAL_COLUMNS} FROM signals \
             WHERE ($1 IS NULL OR asset = $1) AND ($2 IS NULL OR kind = $2) \
             AND ($3 IS NULL OR accepted_at >= $3) AND ($4 IS NULL OR accepted_at < $4) \
             AND ($5 IS NULL OR accepted_at < $5 OR (accepted_at = $5 AND id < $6)) \
             ORDER BY accepted_at DESC, id DESC LIMIT $7"
        )))
        .bind(query.asset.as_deref())
        .bind(query.kind.map(SignalKind::as_str))
        .bind(query.since.map(to_millis))
        .bind(query.until.map(to_millis))
        .bind(before_at)
        .bind(before_id)
        .bind(query.limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(signal_from_row).collect()
    }

    pub(crate) fn signal_id(row: &AnyRow) -> StoreResult<Uuid> {
        parse_uuid(&row.try_get::<String, _>("signal_id")?)
    }
}
