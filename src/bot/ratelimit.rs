//! Per-user command rate limiting: a token bucket per Telegram user (20 commands a minute by
//! default, refilled evenly). The first refused command gets a polite "slow down"; further ones
//! are dropped silently until the bucket refills, so one user cannot flood the bot or others'
//! replies. Kept in memory on the leader, which is the only process handling updates.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

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
    at: Instant,
    warned: bool,
}

#[derive(Debug)]
pub struct CommandRate {
    per_minute: u32,
    buckets: Mutex<HashMap<i64, Bucket>>,
}

impl CommandRate {
    pub const DEFAULT_PER_MINUTE: u32 = 20;

    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute: per_minute.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn capacity(&self) -> f64 {
        f64::from(self.per_minute)
    }

    fn refill(&self, bucket: &mut Bucket, now: Instant) {
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.capacity() / 60.0).min(self.capacity());
        bucket.at = now;
    }

    pub fn check(&self, user_id: i64, now: Instant) -> Verdict {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > PRUNE_ABOVE {
            let full_after = Duration::from_secs(60);
            buckets.retain(|_, b| now.saturating_duration_since(b.at) < full_after);
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
        let start = Instant::now();
        for _ in 0..20 {
            assert_eq!(rate.check(1, start), Verdict::Allow);
        }
        assert_eq!(rate.check(1, start), Verdict::SlowDown);
        assert_eq!(rate.check(1, start), Verdict::Ignore);
        assert_eq!(rate.check(1, start), Verdict::Ignore);
        // Another user is not affected.
        assert_eq!(rate.check(2, start), Verdict::Allow);
        // One token comes back every three seconds.
        let later = start + Duration::from_secs(3);
        assert_eq!(rate.check(1, later), Verdict::Allow);
        assert_eq!(rate.check(1, later), Verdict::SlowDown);
        let much_later = start + Duration::from_secs(120);
        for _ in 0..20 {
            assert_eq!(rate.check(1, much_later), Verdict::Allow);
        }
    }
}
