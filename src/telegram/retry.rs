//! When a failed request is tried again: one pure policy, with one set of numbers per kind of
//! sender. A 429 is waited out (its `retry_after`; the limiter holds the chat back meanwhile), 5xx
//! and network failures back off exponentially with jitter, a request that may have reached
//! Telegram is resent only where a repeat is flagged, and a 403 stops the chat.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::errors::SendFailure;
use crate::store::DeliveryOutcome;

/// 429s are not failures, but a chat that answers nothing else is given up on eventually.
const RATE_LIMITED_ATTEMPTS: u32 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts, the failed one included, after which 5xx and network failures give up.
    pub attempts: u32,
    /// Attempts, the failed one included, after which 429s give up.
    pub rate_limited_attempts: u32,
    /// Whether a request that may have reached Telegram is sent again (the next copy says it may
    /// be a repeat) or left as it is.
    pub resend_uncertain: bool,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Send again once `after` has passed; `uncertain` when the failed request may have reached
    /// Telegram, so the next copy must say it may be a repeat.
    Retry {
        after: Duration,
        uncertain: bool,
    },
    /// The request may have reached Telegram; it is not sent again.
    LeaveUncertain,
    /// The user blocked the bot or is gone: nothing more goes to this chat.
    ChatBlocked,
    GiveUp,
}

impl RetryPolicy {
    /// Queued deliveries: transient failures are retried until `max_attempts`
    /// (`HERALD_MAX_ATTEMPTS`), and a cut request is resent flagged (the `uncertain` rule).
    pub const fn deliveries(max_attempts: u32) -> Self {
        Self {
            attempts: max_attempts,
            rate_limited_attempts: RATE_LIMITED_ATTEMPTS,
            resend_uncertain: true,
        }
    }

    /// Scheduled reports: a few transient retries, and a report is never risked twice.
    pub const REPORTS: Self = Self {
        attempts: 6,
        rate_limited_attempts: RATE_LIMITED_ATTEMPTS,
        resend_uncertain: false,
    };

    /// Replies and alerts, which someone is waiting for: a 429 is waited out three times, any
    /// other failure goes back to the caller at once.
    pub const REPLIES: Self = Self {
        attempts: 1,
        rate_limited_attempts: 4,
        resend_uncertain: false,
    };

    /// `attempts` counts the failed attempt; `jitter` is uniform in 0..1 (see [`backoff`]).
    pub fn decide(&self, failure: &SendFailure, attempts: u32, jitter: f64) -> Decision {
        match failure {
            SendFailure::RetryAfter(delay) if attempts < self.rate_limited_attempts => {
                Decision::Retry {
                    after: *delay,
                    uncertain: false,
                }
            }
            SendFailure::Blocked(_) => Decision::ChatBlocked,
            SendFailure::Uncertain(_) if !self.resend_uncertain => Decision::LeaveUncertain,
            SendFailure::Transient(_) | SendFailure::Uncertain(_) if attempts < self.attempts => {
                Decision::Retry {
                    after: backoff(attempts.max(1), jitter),
                    uncertain: matches!(failure, SendFailure::Uncertain(_)),
                }
            }
            SendFailure::RetryAfter(_)
            | SendFailure::Permanent(_)
            | SendFailure::Transient(_)
            | SendFailure::Uncertain(_) => Decision::GiveUp,
        }
    }

    /// How a queued sender (deliveries, reports) records a failed attempt; `attempts` was counted
    /// when the row was claimed.
    pub fn outcome(
        &self,
        failure: &SendFailure,
        attempts: i32,
        now: DateTime<Utc>,
    ) -> DeliveryOutcome {
        let attempts = u32::try_from(attempts).unwrap_or(0);
        let error = failure.to_string();
        match self.decide(failure, attempts, rand::random()) {
            Decision::Retry { after, uncertain } => DeliveryOutcome::Retry {
                at: now + chrono::Duration::from_std(after).unwrap_or_default(),
                error,
                uncertain,
            },
            // How `Store::record_report` is told that a report stays `uncertain` for good.
            Decision::LeaveUncertain => DeliveryOutcome::Retry {
                at: now,
                error,
                uncertain: true,
            },
            Decision::ChatBlocked => DeliveryOutcome::Blocked { error },
            Decision::GiveUp if matches!(failure, SendFailure::RetryAfter(_)) => {
                DeliveryOutcome::Failed {
                    error: "Too Many Requests: gave up".into(),
                }
            }
            Decision::GiveUp => DeliveryOutcome::Failed { error },
        }
    }
}

/// Delay before retry `attempt` (1-based) of a transient failure: exponential from half a second
/// (Telegram's 5xx are usually momentary), capped at a minute, with ±20 % jitter so a burst of
/// failures does not retry in lockstep. With the default 8 attempts a delivery keeps trying for
/// about a minute: a signal much later than that is worth less than an honest `failed`.
pub fn backoff(attempt: u32, jitter: f64) -> Duration {
    let base = (0.5 * 2f64.powi(attempt.saturating_sub(1).min(16) as i32)).min(60.0);
    let factor = 1.0 + (jitter.clamp(0.0, 1.0) - 0.5) * 0.4;
    Duration::from_secs_f64(base * factor)
}

#[cfg(test)]
mod tests;
