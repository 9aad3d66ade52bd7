//! Per-IP and per-caller rate limits for the API (GCRA, via governor).
//!
//! A keyed limiter keeps one state per key, and governor never forgets a key by itself
//! (`retain_recent` must be called): a flood from many addresses would grow it without bound. So
//! memory is bounded twice: a sweep every [`SWEEP_EVERY`] forgets keys whose bucket is full again,
//! and past [`MAX_TRACKED`] keys new checks share one overflow bucket until a sweep makes room.
//! IPv6 addresses count per /64, the block one subscriber usually gets.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

/// How often the app sweeps every limiter.
pub const SWEEP_EVERY: Duration = Duration::from_secs(30);
/// Keys one limiter tracks at most (about 100 bytes each).
pub const MAX_TRACKED: usize = 100_000;
/// Login attempts per minute from one address, on top of the account lockout.
pub const LOGIN_PER_MINUTE: u32 = 10;

/// A keyed limiter with bounded memory.
pub struct KeyedLimiter<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    overflow: DefaultDirectRateLimiter,
    capacity: usize,
    last_sweep: Mutex<Instant>,
}

impl<K: Hash + Eq + Clone> KeyedLimiter<K> {
    /// `per_minute` requests a minute, all of which may come at once.
    pub fn new(per_minute: u32, capacity: usize) -> Self {
        let burst = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_minute(burst);
        Self {
            limiter: RateLimiter::keyed(quota),
            overflow: RateLimiter::direct(quota),
            capacity,
            last_sweep: Mutex::new(Instant::now()),
        }
    }

    /// `Ok` if `key` may make a request now, or how long it must wait.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        let clock = DefaultClock::default();
        if self.limiter.len() >= self.capacity {
            self.sweep_if_due(Duration::from_secs(1));
            if self.limiter.len() >= self.capacity {
                return self
                    .overflow
                    .check()
                    .map_err(|not_until| not_until.wait_time_from(clock.now()));
            }
        }
        self.limiter
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(clock.now()))
    }

    /// Forgets keys whose bucket is full again and returns their memory.
    pub fn sweep(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
        if let Ok(mut last) = self.last_sweep.lock() {
            *last = Instant::now();
        }
    }

    fn sweep_if_due(&self, interval: Duration) {
        let due = self
            .last_sweep
            .lock()
            .map(|last| last.elapsed() >= interval)
            .unwrap_or(true);
        if due {
            self.sweep();
        }
    }

    pub fn tracked(&self) -> usize {
        self.limiter.len()
    }
}

/// The API's limiters.
pub struct RateLimits {
    pub per_ip: KeyedLimiter<IpAddr>,
    /// Per API key or admin (see `auth::Principal::bucket`).
    pub per_caller: KeyedLimiter<String>,
    /// Per Telegram user in the Mini App: the budget of their button presses in the bot.
    pub per_user: KeyedLimiter<i64>,
    pub login: KeyedLimiter<IpAddr>,
}

impl RateLimits {
    pub fn new(per_ip: u32, per_caller: u32, per_user: u32) -> Self {
        Self {
            per_ip: KeyedLimiter::new(per_ip, MAX_TRACKED),
            per_caller: KeyedLimiter::new(per_caller, MAX_TRACKED),
            per_user: KeyedLimiter::new(per_user, MAX_TRACKED),
            login: KeyedLimiter::new(LOGIN_PER_MINUTE, MAX_TRACKED),
        }
    }

    pub fn sweep(&self) {
        self.per_ip.sweep();
        self.per_caller.sweep();
        self.per_user.sweep();
        self.login.sweep();
    }
}

/// The key an address is limited under: IPv4 as is, IPv6 by its /64.
pub fn ip_bucket(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
        v4 => v4,
    }
}

/// Whole seconds for `Retry-After`, rounded up so a client that waits that long gets through.
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    #[test]
    fn a_burst_is_allowed_then_refused_with_a_wait() {
        let limiter = KeyedLimiter::new(3, 100);
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        for _ in 0..3 {
            assert!(limiter.check(&ip).is_ok());
        }
        let wait = limiter.check(&ip).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        // Another address has its own bucket.
        assert!(limiter.check(&"203.0.113.10".parse().unwrap()).is_ok());
    }

    #[test]
    fn memory_stays_bounded_under_many_distinct_addresses() {
        let capacity = 1_000;
        let limiter = KeyedLimiter::new(60, capacity);
        let mut max_tracked = 0;
        for n in 0..50_000u32 {
            let _ = limiter.check(&IpAddr::V4(Ipv4Addr::from(n)));
            max_tracked = max_tracked.max(limiter.tracked());
        }
        // The map may pass the cap by the few inserts racing one check, never by more.
        assert!(max_tracked <= capacity + 1, "tracked {max_tracked}");
        // Past the cap newcomers share one bucket: most of the flood was refused. A slow loop
        // may have let the shared bucket refill by a token, never by two.
        let ip = IpAddr::V4(Ipv4Addr::from(4_000_000_000u32));
        assert!((0..2).any(|_| limiter.check(&ip).is_err()));
        limiter.sweep();
        assert!(limiter.tracked() <= capacity);
    }

    #[test]
    fn ipv6_counts_per_slash_64_and_mapped_v4_as_v4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(ip_bucket(a), ip_bucket(b));
        assert_ne!(ip_bucket(a), ip_bucket(c));
        let mapped: IpAddr = "::ffff:198.51.100.7".parse().unwrap();
        assert_eq!(ip_bucket(mapped), "198.51.100.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_secs(Duration::from_millis(2001)), 3);
    }
}
