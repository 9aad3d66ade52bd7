//! Fan-out jobs (migration 0018): what the 202 commits besides the signal, and the cursor with
//! which the leader expands it into delivery rows, one committed chunk at a time.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;
use tokio::sync::Notify;
use uuid::Uuid;

use super::audience::AudienceSlice;
use super::deliveries::{NewDelivery, insert_deliveries};
use super::{Store, StoreError, StoreResult, from_millis, parse_uuid, to_millis};

/// Where a fan-out stands: the slice being written and the last chat written in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FanoutCursor {
    pub phase: FanoutPhase,
    /// Chats up to this one (in the phase's chat order) have their rows.
    pub after_chat: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FanoutPhase {
    Paying,
    Rest,
    Done,
}

impl FanoutPhase {
    fn code(self) -> i64 {
        match self {
            Self::Paying => 0,
            Self::Rest => 1,
            Self::Done => 2,
        }
    }

    fn from_code(code: i64) -> StoreResult<Self> {
        match code {
            0 => Ok(Self::Paying),
            1 => Ok(Self::Rest),
            2 => Ok(Self::Done),
            other => Err(StoreError::Corrupt(format!("fanout_jobs.phase {other}"))),
        }
    }

    /// The audience slice this phase reads; `None` when done.
    pub fn slice(self) -> Option<AudienceSlice> {
        match self {
            Self::Paying => Some(AudienceSlice::Paying),
            Self::Rest => Some(AudienceSlice::Rest),
            Self::Done => None,
        }
    }
}

impl FanoutCursor {
    pub const START: FanoutCursor = FanoutCursor {
        phase: FanoutPhase::Paying,
        after_chat: i64::MIN,
    };

    /// Every row written.
    pub const DONE: FanoutCursor = FanoutCursor {
        phase: FanoutPhase::Done,
        after_chat: i64::MIN,
    };

    /// The start of the phase after this one.
    pub fn next_phase(self) -> FanoutCursor {
        FanoutCursor {
            phase: match self.phase {
                FanoutPhase::Paying => FanoutPhase::Rest,
                FanoutPhase::Rest | FanoutPhase::Done => FanoutPhase::Done,
            },
            after_chat: i64::MIN,
        }
    }
}

#[derive(Debug, Clone)]
pub struct FanoutJob {
    pub signal_id: Uuid,
    /// When the signal was accepted: every recipient decision is taken at this moment.
    pub accepted_at: DateTime<Utc>,
    pub cursor: FanoutCursor,
    /// Delivery rows written so far.
    pub written: i64,
}

fn job_from_row(row: &AnyRow) -> StoreResult<FanoutJob> {
    Ok(FanoutJob {
        signal_id: parse_uuid(&row.try_get::<String, _>("signal_id")?)?,
        accepted_at: from_millis(row.try_get("accepted_at")?),
        cursor: FanoutCursor {
            phase: FanoutPhase::from_code(row.try_get::<i32, _>("phase")?.into())?,
            after_chat: row.try_get("after_chat")?,
        },
        written: row.try_get("written")?,
    })
}

/// The signal's fan-out, inside the transaction that stores the signal.
pub(super) async fn insert_fanout_job(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    signal_id: Uuid,
    accepted_at: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO fanout_jobs (signal_id, accepted_at, phase, after_chat) VALUES ($1, $2, 0, $3)",
    )
    .bind(signal_id.to_string())
    .bind(to_millis(accepted_at))
    .bind(i64::MIN)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Wakes the fan-out when a signal is accepted (on PostgreSQL, whichever replica took it).
    pub fn fanouts_queued(&self) -> Arc<Notify> {
        self.fanouts_queued.clone()
    }

    /// The oldest fan-out not yet written out. Jobs are expanded one after another in
    /// acceptance order, so each chat's rows keep the order its signals were accepted in, and a
    /// close is expanded only once the signal it closes has all its rows.
    pub async fn open_fanout_job(&self) -> StoreResult<Option<FanoutJob>> {
        let row = sqlx::query(
            "SELECT signal_id, accepted_at, phase, after_chat, written FROM fanout_jobs \
             WHERE phase < 2 ORDER BY seq LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// Fan-outs whose rows are not all written yet.
    pub async fn fanouts_open(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM fanout_jobs WHERE phase < 2")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }

    /// The fan-out of one signal, finished or not.
    pub async fn fanout_job(&self, signal_id: Uuid) -> StoreResult<Option<FanoutJob>> {
        let row = sqlx::query(
            "SELECT signal_id, accepted_at, phase, after_chat, written FROM fanout_jobs \
             WHERE signal_id = $1",
        )
        .bind(signal_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// Writes one chunk of `job`'s rows and moves its cursor to `next`, atomically. False (and
    /// nothing written) when the cursor is no longer where `job` says: another leader wrote this
    /// chunk, so writing it again would send it twice. Runs on the leader's own connection's
    /// side of the lock: only the leader expands.
    pub async fn write_fanout_chunk(
        &self,
        job: &FanoutJob,
        rows: &[NewDelivery],
        next: FanoutCursor,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let finished_at = (next.phase == FanoutPhase::Done).then(|| to_millis(Utc::now()));
        let moved = sqlx::query(
            "UPDATE fanout_jobs SET phase = $2, after_chat = $3, written = written + $4, \
             finished_at = $5 WHERE signal_id = $1 AND phase = $6 AND after_chat = $7",
        )
        .bind(job.signal_id.to_string())
        .bind(next.phase.code())
        .bind(next.after_chat)
        .bind(rows.len() as i64)
        .bind(finished_at)
        .bind(job.cursor.phase.code())
        .bind(job.cursor.after_chat)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        if !rows.is_empty() {
            insert_deliveries(&mut tx, self.backend, job.signal_id, rows, job.accepted_at).await?;
            self.announce_deliveries(&mut tx).await?;
        }
        tx.commit().await?;
        if !rows.is_empty() {
            self.deliveries_queued.notify_one();
        }
        Ok(true)
    }
}
