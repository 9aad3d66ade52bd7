//! Fault injection: random 5xx, slow answers and dropped connections, plus scripted 429s.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::config::Faults;

/// What to do to one sending request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Decision {
    /// Answer this status (500 or 502) and skip the send.
    pub server_error: Option<u16>,
    /// Close the connection, send not performed.
    pub drop_before: bool,
    /// Perform the send, then close the connection.
    pub drop_after: bool,
    /// Perform the send, then wait this long before answering.
    pub slow: Option<Duration>,
}

#[derive(Debug)]
struct Inner {
    faults: Faults,
    rng: StdRng,
    /// chat id → (sends still to refuse, retry_after to announce).
    scripted: HashMap<i64, (u32, u32)>,
}

#[derive(Debug)]
pub(crate) struct FaultInjector {
    /// False while there is nothing to inject, so the hot path skips the lock.
    active: AtomicBool,
    inner: Mutex<Inner>,
}

impl FaultInjector {
    pub(crate) fn new(seed: u64) -> Self {
        FaultInjector {
            active: AtomicBool::new(false),
            inner: Mutex::new(Inner {
                faults: Faults::default(),
                rng: StdRng::seed_from_u64(seed),
                scripted: HashMap::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding this lock cannot leave it inconsistent: keep going.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn refresh(&self, inner: &Inner) {
        let active = inner.faults.any() || !inner.scripted.is_empty();
        self.active.store(active, Ordering::Release);
    }

    pub(crate) fn set(&self, faults: Faults) {
        let mut inner = self.lock();
        inner.faults = faults;
        self.refresh(&inner);
    }

    pub(crate) fn get(&self) -> Faults {
        self.lock().faults.clone()
    }

    /// The next `count` sends to `chat_id` answer 429 with `retry_after`.
    pub(crate) fn fail_next_sends(&self, chat_id: i64, count: u32, retry_after: u32) {
        let mut inner = self.lock();
        if count == 0 {
            inner.scripted.remove(&chat_id);
        } else {
            inner.scripted.insert(chat_id, (count, retry_after.max(1)));
        }
        self.refresh(&inner);
    }

    /// Consumes one scripted 429 for `chat_id`, returning its retry_after.
    pub(crate) fn take_scripted(&self, chat_id: i64) -> Option<u32> {
        if !self.active.load(Ordering::Acquire) {
            return None;
        }
        let mut inner = self.lock();
        let entry = inner.scripted.get_mut(&chat_id)?;
        entry.0 -= 1;
        let retry_after = entry.1;
        if entry.0 == 0 {
            inner.scripted.remove(&chat_id);
            self.refresh(&inner);
        }
        Some(retry_after)
    }

    /// Draws the random faults for one request. Every rate gets its own draw, in a fixed order,
    /// so a given seed and request order always give the same decisions.
    pub(crate) fn draw(&self) -> Decision {
        if !self.active.load(Ordering::Acquire) {
            return Decision::default();
        }
        let mut inner = self.lock();
        if !inner.faults.any() {
            return Decision::default();
        }
        let f = inner.faults.clone();
        let rng = &mut inner.rng;
        let server_error = rng.random_bool(f.server_error_rate.clamp(0.0, 1.0));
        let bad_gateway = rng.random_bool(0.5);
        let drop_before = rng.random_bool(f.drop_before_rate.clamp(0.0, 1.0));
        let drop_after = rng.random_bool(f.drop_after_rate.clamp(0.0, 1.0));
        let slow = rng.random_bool(f.slow_rate.clamp(0.0, 1.0));
        Decision {
            server_error: server_error.then_some(if bad_gateway { 502 } else { 500 }),
            drop_before,
            drop_after,
            slow: slow.then(|| Duration::from_millis(f.slow_ms)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_decisions() {
        let faults = Faults {
            server_error_rate: 0.3,
            drop_after_rate: 0.2,
            ..Faults::default()
        };
        let draw_all = |seed| {
            let f = FaultInjector::new(seed);
            f.set(faults.clone());
            (0..200).map(|_| f.draw()).collect::<Vec<_>>()
        };
        assert_eq!(draw_all(7), draw_all(7));
        assert_ne!(draw_all(7), draw_all(8));
        let errors = draw_all(7)
            .iter()
            .filter(|d| d.server_error.is_some())
            .count();
        assert!((30..90).contains(&errors), "{errors}");
    }

    #[test]
    fn scripted_count_runs_out() {
        let f = FaultInjector::new(0);
        f.fail_next_sends(5, 2, 7);
        assert_eq!(f.take_scripted(6), None);
        assert_eq!(f.take_scripted(5), Some(7));
        assert_eq!(f.take_scripted(5), Some(7));
        assert_eq!(f.take_scripted(5), None);
        assert_eq!(f.draw(), Decision::default());
    }
}
