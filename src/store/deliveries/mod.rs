//! The delivery queue: one row per (signal, recipient), walked by the dispatcher. The row's types
//! are here; `queue` holds the dispatcher's statements, `reads` what the API and `/status` read.
//!
//! Life of a row: `pending` → `sending` (committed before the request) → `sent` | `failed` |
//! `blocked`, or back to `pending` with a later `next_attempt_at`. A row found in `sending` when a
//! dispatcher takes over was interrupted mid-request; nobody can know whether Telegram got it, so
//! it becomes `uncertain` and is sent again, flagged as a possible repeat.

mod queue;
mod reads;

pub use queue::due_deliveries_sql;
pub(super) use queue::insert_deliveries;
pub use reads::{DeliveryCounts, DeliveryRow, SignalFlow};

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::i18n::Lang;
use crate::domain::preferences::{MessageFormat, Tier};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    Pending,
    Sending,
    Sent,
    Failed,
    Blocked,
    Skipped,
    Uncertain,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 7] = [
        Self::Pending,
        Self::Sending,
        Self::Sent,
        Self::Failed,
        Self::Blocked,
        Self::Skipped,
        Self::Uncertain,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Blocked => "blocked",
            Self::Skipped => "skipped",
            Self::Uncertain => "uncertain",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// A row to write when a signal is accepted.
#[derive(Debug, Clone, Serialize)]
pub struct NewDelivery {
    /// `None` for a channel's post.
    pub user_id: Option<Uuid>,
    pub chat_id: i64,
    pub status: DeliveryStatus,
    pub skip_reason: Option<String>,
    pub lang: Lang,
    pub format: MessageFormat,
    pub silent: bool,
    pub protect_content: bool,
    pub reply_to_message_id: Option<i64>,
    pub next_attempt_at: i64,
}

impl NewDelivery {
    pub fn is_queued(&self) -> bool {
        self.status == DeliveryStatus::Pending
    }
}

/// A row the dispatcher is about to send.
#[derive(Debug, Clone)]
pub struct QueuedDelivery {
    pub id: i64,
    /// The nil uuid for a broadcast row (see `broadcast_id`).
    pub signal_id: Uuid,
    /// Set on an admin's `/broadcast` row: the message is the broadcast's text, not a signal.
    pub broadcast_id: Option<Uuid>,
    pub chat_id: i64,
    pub lang: Lang,
    pub format: MessageFormat,
    pub silent: bool,
    pub protect_content: bool,
    pub reply_to_message_id: Option<i64>,
    pub attempts: i32,
    pub accepted_at: DateTime<Utc>,
    /// It was interrupted mid-request before: the message must say it may be a repeat.
    pub maybe_repeat: bool,
    /// Whether the user can still be sent to, as of reading the row.
    pub recipient: Recipient,
    /// The user's chart switch and tier as of reading the row; `None` for a broadcast.
    pub chart_choice: Option<ChartChoice>,
}

/// What decides whether a signal goes with its chart, read with the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartChoice {
    /// The user's switch in `/settings`.
    pub on: bool,
    pub tier: Tier,
    pub tier_expires_at: Option<DateTime<Utc>>,
}

impl QueuedDelivery {
    /// Channels and groups have negative ids; users never do.
    pub fn is_channel_post(&self) -> bool {
        self.chat_id < 0
    }
}

/// The user of a queued row, checked when the row is read for sending: a user erased or
/// deactivated after the row was written (even by a transaction that raced the signal's) is
/// never sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    Active,
    Deactivated,
    Erased,
    /// A channel's post, the channel removed since (`herald channel remove`).
    ChannelRemoved,
}

/// How one attempt ended, as the dispatcher records it.
#[derive(Debug, Clone)]
pub enum DeliveryOutcome {
    Sent {
        message_id: i64,
        at: DateTime<Utc>,
    },
    /// Try again at `at`; `uncertain` when the failed request may have reached Telegram, so the
    /// next copy must say it may be a repeat.
    Retry {
        at: DateTime<Utc>,
        error: String,
        uncertain: bool,
    },
    Failed {
        error: String,
    },
    Blocked {
        error: String,
    },
}
