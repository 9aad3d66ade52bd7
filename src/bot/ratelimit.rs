//! Per-user command rate limiting: a token bucket per Telegram user (20 commands a minute by
//! default, refilled evenly). The first refused command gets a polite "slow down"; further ones
//! are dropped silently until the bucket refills, so one user cannot flood the bot or others'
//! replies. Kept in memory on the leader, which is the only process handling updates.
//!
//! Time is when the user sent the command (Telegram's message date), not when it is handled: a
//! chat's replies are paced at one a second, so a burst is handled slowly and would otherwise
//! look like a polite pace.

use std::collections::HashMap;
use std::sync::Mutex;

/// Past this many tracked users, buckets that are full again are forgotten.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// Over the limit for the first time since the last allowed command: say so once.
    SlowDown,
    /// Still over the limit: ignore.
    Ignore,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    /// Seconds (Unix time) of the last check.
    at: f64,
    warned: bool,
}

#[derive(Debug)]
pub struct CommandRate {
    per_minute: u32,
    buckets: Mutex<HashMap<i64, Bucket>>,
}

impl CommandRate {
    pub const DEFAULT_PER_MINUTE: u32 = crate::config::DEFAULT_COMMAND_RATE;

    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute: per_minute.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn capacity(&self) -> f64 {
        f64::from(self.per_minute)
    }

    fn refill(&self, bucket: &mut Bucket, now: f64) {
        // Out-of-order times (a redelivered update) refill nothing and do not move the clock back.
        let elapsed = (now - bucket.at).max(0.0);
        bucket.tokens = (bucket.tokens + elapsed * self.capacity() / 60.0).min(self.capacity());
        bucket.at = bucket.at.max(now);
    }

    /// `now`: when the command was sent, in (fractional) Unix seconds.
    pub fn check(&self, user_id: i64, now: f64) -> Verdict {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|_, b| now - b.at < 60.0);
        }
        let capacity = self.capacity();
        let bucket = buckets.entry(user_id).or_insert(Bucket {
            tokens: capacity,
            at: now,
            warned: false,
        });
        self.refill(bucket, now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            bucket.warned = false;
            Verdict::Allow
        } else if !bucket.warned {
            bucket.warned = true;
            Verdict::SlowDown
        } else {
            Verdict::Ignore
        }
    }
}

impl Default for CommandRate {
    fn default() -> Self {
        Self::new(Self::DEFAULT_PER_MINUTE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_a_minute_then_one_warning_then_silence_then_refill() {
        let rate = CommandRate::new(20);
        let start = 1_700_000_000.0;
        for _ in 0..20 {
            assert_eq!(rate.check(1, start), Verdict::Allow);
        }
        assert_eq!(rate.check(1, start), Verdict::SlowDown);
        assert_eq!(rate.check(1, start), Verdict::Ignore);
        assert_eq!(rate.check(1, start), Verdict::Ignore);
        // Another user is not affected.
        assert_eq!(rate.check(2, start), Verdict::Allow);
        // One token comes back every three seconds.
        let later = start + 3.0;
        assert_eq!(rate.check(1, later), Verdict::Allow);
        assert_eq!(rate.check(1, later), Verdict::SlowDown);
        let much_later = start + 120.0;
        for _ in 0..20 {
            assert_eq!(rate.check(1, much_later), Verdict::Allow);
        }
    }
}
