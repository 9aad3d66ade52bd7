//! Telegram's flood limits as token buckets.
//!
//! Time is passed in by the caller so the arithmetic can be tested without sleeping.

use std::collections::HashMap;
use std::time::Instant;

use crate::config::Limits;

/// Float slack so that a client pacing itself exactly at the rate is never refused because of
/// rounding in the refill arithmetic.
const EPSILON: f64 = 1e-6;

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn full(capacity: f64, now: Instant) -> Self {
        Bucket {
            tokens: capacity,
            last: now,
        }
    }

    fn refill(&mut self, now: Instant, rate: f64, capacity: f64) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(capacity);
        self.last = now;
    }

    /// Seconds until one whole token is available, 0 if it already is.
    fn wait(&self, rate: f64) -> f64 {
        if self.tokens + EPSILON >= 1.0 {
            0.0
        } else if rate <= 0.0 {
            f64::INFINITY
        } else {
            (1.0 - self.tokens) / rate
        }
    }
}

/// All buckets of one emulator.
#[derive(Debug)]
pub(crate) struct Limiter {
    limits: Limits,
    global: Bucket,
    paid: Bucket,
    chats: HashMap<i64, Bucket>,
    groups: HashMap<i64, Bucket>,
}

/// Telegram's retry_after for "never" (a zero rate); a day is as good as forever in a test.
const MAX_RETRY_AFTER: u32 = 86_400;

impl Limiter {
    pub(crate) fn new(limits: Limits, now: Instant) -> Self {
        Limiter {
            global: Bucket::full(f64::from(limits.global_burst.max(1)), now),
            paid: Bucket::full(f64::from(limits.paid_burst.max(1)), now),
            limits,
            chats: HashMap::new(),
            groups: HashMap::new(),
        }
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// New limits take effect at once, and every bucket starts full again.
    pub(crate) fn set(&mut self, limits: Limits, now: Instant) {
        *self = Limiter::new(limits, now);
    }

    /// Takes one token from every bucket `chat_id` uses, or none and returns the whole seconds
    /// (at least 1) until all of them would allow the send. A `paid` send (`allow_paid_broadcast`)
    /// uses the paid bucket in place of the global one.
    pub(crate) fn try_acquire(
        &mut self,
        chat_id: i64,
        paid: bool,
        now: Instant,
    ) -> Result<(), u32> {
        if !self.limits.enabled {
            return Ok(());
        }
        let l = &self.limits;
        let chat_cap = f64::from(l.per_chat_burst.max(1));
        let group_cap = f64::from(l.group_per_min.max(1));
        let group_rate = f64::from(l.group_per_min) / 60.0;
        let (bulk, bulk_rate, bulk_cap) = if paid {
            (&mut self.paid, l.paid_per_sec, l.paid_burst)
        } else {
            (&mut self.global, l.global_per_sec, l.global_burst)
        };
        bulk.refill(now, bulk_rate, f64::from(bulk_cap.max(1)));
        let chat = self
            .chats
            .entry(chat_id)
            .or_insert_with(|| Bucket::full(chat_cap, now));
        chat.refill(now, l.per_chat_per_sec, chat_cap);
        let mut wait = bulk.wait(bulk_rate).max(chat.wait(l.per_chat_per_sec));
        let group = if chat_id < 0 {
            let g = self
                .groups
                .entry(chat_id)
                .or_insert_with(|| Bucket::full(group_cap, now));
            g.refill(now, group_rate, group_cap);
            wait = wait.max(g.wait(group_rate));
            Some(g)
        } else {
            None
        };
        if wait > 0.0 {
            let secs = wait.ceil().clamp(1.0, f64::from(MAX_RETRY_AFTER));
            return Err(secs as u32);
        }
        chat.tokens -= 1.0;
        if let Some(g) = group {
            g.tokens -= 1.0;
        }
        bulk.tokens -= 1.0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::time::Duration;

    fn at(start: Instant, ms: u64) -> Instant {
        start + Duration::from_millis(ms)
    }

    #[test]
    fn per_chat_burst_then_one_per_second() {
        let t0 = Instant::now();
        let mut l = Limiter::new(Limits::telegram(), t0);
        for _ in 0..3 {
            assert!(l.try_acquire(1, false, t0).is_ok());
        }
        assert_eq!(l.try_acquire(1, false, t0), Err(1));
        // Refused requests take nothing: the next token is still due after exactly 1 s.
        assert_eq!(l.try_acquire(1, false, at(t0, 999)), Err(1));
        assert!(l.try_acquire(1, false, at(t0, 1000)).is_ok());
        assert!(
            l.try_acquire(2, false, at(t0, 1000)).is_ok(),
            "other chats are independent"
        );
    }

    #[test]
    fn global_rate_allows_exact_pacing() {
        let t0 = Instant::now();
        let mut l = Limiter::new(Limits::telegram(), t0);
        // 30/s spread evenly over ten seconds, each to a different chat: never refused.
        for n in 0..300u64 {
            let now = t0 + Duration::from_secs_f64(n as f64 / 30.0);
            assert!(l.try_acquire(n as i64 + 1, false, now).is_ok(), "send {n}");
        }
        // A burst beyond the bucket is refused.
        let t1 = at(t0, 20_000);
        for n in 0..30 {
            assert!(l.try_acquire(1000 + n, false, t1).is_ok());
        }
        assert_eq!(l.try_acquire(2000, false, t1), Err(1));
    }

    #[test]
    fn group_twenty_per_minute() {
        let t0 = Instant::now();
        let limits = Limits {
            per_chat_per_sec: 100.0,
            per_chat_burst: 100,
            ..Limits::telegram()
        };
        let mut l = Limiter::new(limits, t0);
        for _ in 0..20 {
            assert!(l.try_acquire(-5, false, t0).is_ok());
        }
        assert_eq!(l.try_acquire(-5, false, t0), Err(3), "one token every 3 s");
        assert!(l.try_acquire(-5, false, at(t0, 3000)).is_ok());
    }

    #[test]
    fn paid_sends_use_their_own_bucket() {
        let t0 = Instant::now();
        let mut l = Limiter::new(Limits::telegram(), t0);
        for n in 0..30 {
            assert!(l.try_acquire(n + 1, false, t0).is_ok());
        }
        assert_eq!(l.try_acquire(100, false, t0), Err(1));
        for n in 0..1000 {
            assert!(l.try_acquire(n + 1000, true, t0).is_ok(), "paid send {n}");
        }
        assert_eq!(l.try_acquire(5000, true, t0), Err(1));
        // The chat limit holds for paid sends too: a burst of 3, then 1/s.
        let t1 = at(t0, 1000);
        for _ in 0..3 {
            assert!(l.try_acquire(9999, true, t1).is_ok());
        }
        assert_eq!(l.try_acquire(9999, true, t1), Err(1));
    }

    #[test]
    fn disabled_and_reconfigured() {
        let t0 = Instant::now();
        let mut l = Limiter::new(Limits::unlimited(), t0);
        for _ in 0..10_000 {
            assert!(l.try_acquire(1, false, t0).is_ok());
        }
        l.set(Limits::paid_broadcast(), t0);
        for n in 0..1000 {
            assert!(l.try_acquire(n + 1, false, t0).is_ok());
        }
        assert!(l.try_acquire(5000, false, t0).is_err());
    }
}
