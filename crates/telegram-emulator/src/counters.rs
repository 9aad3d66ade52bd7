//! Call and outcome counters. Plain atomics on the hot path; only successful sends take a short
//! lock, to keep the per-second histogram and the sliding one-second maximum.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::methods::Method;
use crate::model::Counters;

/// "A fee of 0.1 Telegram Stars per message" (sendMessage, `allow_paid_broadcast`).
const STARS_PER_PAID_MESSAGE: f64 = 0.1;

#[derive(Debug, Default)]
struct Window {
    per_second: BTreeMap<i64, u64>,
    /// Send instants within the last second.
    recent: VecDeque<Instant>,
    max: u64,
}

#[derive(Debug)]
pub(crate) struct CounterSet {
    calls: [AtomicU64; Method::ALL.len()],
    rate_limited: AtomicU64,
    forbidden: AtomicU64,
    bad_requests: AtomicU64,
    server_errors: AtomicU64,
    dropped: AtomicU64,
    slowed: AtomicU64,
    sends_ok: AtomicU64,
    paid_broadcasts: AtomicU64,
    photo_uploads: AtomicU64,
    window: Mutex<Window>,
}

/// Which outcome counter an answer moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    RateLimited,
    Forbidden,
    BadRequest,
    ServerError,
    Dropped,
    Slowed,
}

impl CounterSet {
    pub(crate) fn new() -> Self {
        CounterSet {
            calls: std::array::from_fn(|_| AtomicU64::new(0)),
            rate_limited: AtomicU64::new(0),
            forbidden: AtomicU64::new(0),
            bad_requests: AtomicU64::new(0),
            server_errors: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            slowed: AtomicU64::new(0),
            sends_ok: AtomicU64::new(0),
            paid_broadcasts: AtomicU64::new(0),
            photo_uploads: AtomicU64::new(0),
            window: Mutex::new(Window::default()),
        }
    }

    pub(crate) fn call(&self, method: Method) {
        self.calls[method as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn outcome(&self, outcome: Outcome) {
        let counter = match outcome {
            Outcome::RateLimited => &self.rate_limited,
            Outcome::Forbidden => &self.forbidden,
            Outcome::BadRequest => &self.bad_requests,
            Outcome::ServerError => &self.server_errors,
            Outcome::Dropped => &self.dropped,
            Outcome::Slowed => &self.slowed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Classifies an error answer by its HTTP status.
    pub(crate) fn error_status(&self, code: u16) {
        match code {
            400 => self.outcome(Outcome::BadRequest),
            403 => self.outcome(Outcome::Forbidden),
            429 => self.outcome(Outcome::RateLimited),
            500..=599 => self.outcome(Outcome::ServerError),
            _ => {}
        }
    }

    pub(crate) fn send_ok(&self, unix_now: i64, now: Instant) {
        self.sends_ok.fetch_add(1, Ordering::Relaxed);
        let mut w = self.window.lock().unwrap_or_else(|e| e.into_inner());
        *w.per_second.entry(unix_now).or_default() += 1;
        while w
            .recent
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= Duration::from_secs(1))
        {
            w.recent.pop_front();
        }
        w.recent.push_back(now);
        w.max = w.max.max(w.recent.len() as u64);
    }

    /// A successful send that used `allow_paid_broadcast` (counted by `send_ok` too).
    pub(crate) fn paid_broadcast(&self) {
        self.paid_broadcasts.fetch_add(1, Ordering::Relaxed);
    }

    /// A photo sent or edited in as new bytes (not by file_id), and accepted.
    pub(crate) fn photo_upload(&self) {
        self.photo_uploads.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Counters {
        let calls = Method::ALL
            .iter()
            .filter_map(|m| {
                let n = self.calls[*m as usize].load(Ordering::Relaxed);
                (n > 0).then(|| (m.name().to_owned(), n))
            })
            .collect();
        let w = self.window.lock().unwrap_or_else(|e| e.into_inner());
        let paid_broadcast_messages = self.paid_broadcasts.load(Ordering::Relaxed);
        Counters {
            calls,
            sends_ok: self.sends_ok.load(Ordering::Relaxed),
            paid_broadcast_messages,
            photo_uploads: self.photo_uploads.load(Ordering::Relaxed),
            stars_spent: paid_broadcast_messages as f64 * STARS_PER_PAID_MESSAGE,
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            forbidden: self.forbidden.load(Ordering::Relaxed),
            bad_requests: self.bad_requests.load(Ordering::Relaxed),
            server_errors: self.server_errors.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            slowed: self.slowed.load(Ordering::Relaxed),
            sends_per_second: w.per_second.iter().map(|(k, v)| (*k, *v)).collect(),
            max_sends_in_one_second: w.max,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliding_window_maximum() {
        let c = CounterSet::new();
        let t0 = Instant::now();
        for ms in [0, 100, 900, 1000, 1050, 1100] {
            c.send_ok(1, t0 + Duration::from_millis(ms));
        }
        // [100, 1050] holds 100, 900, 1000, 1050 → 4 at t=1050; at 1100: 900..1100 → 4.
        assert_eq!(c.snapshot().max_sends_in_one_second, 4);
        assert_eq!(c.snapshot().sends_ok, 6);
    }
}
