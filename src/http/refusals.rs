//! Refused requests are security events, but an attacker decides how many there are. Each
//! address (IPv6: each /64) gets [`ROWS_PER_MINUTE`] audit rows a minute; past that its refusals
//! are only logged and counted, and the count goes into its next row, so the table cannot be
//! grown at will and nothing goes unmentioned.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Mutex;

use super::rate_limit::{KeyedLimiter, MAX_TRACKED, ip_bucket};

/// Audit rows of refusals one address may cause a minute.
pub const ROWS_PER_MINUTE: u32 = 10;

/// Refusals of clients whose address is unknown share one budget.
const UNKNOWN: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

pub struct RefusalLog {
    budget: KeyedLimiter<IpAddr>,
    unwritten: Mutex<HashMap<IpAddr, u64>>,
}

impl Default for RefusalLog {
    fn default() -> Self {
        Self {
            budget: KeyedLimiter::new(ROWS_PER_MINUTE, MAX_TRACKED),
            unwritten: Mutex::new(HashMap::new()),
        }
    }
}

impl RefusalLog {
    /// `Some(n)` when this refusal gets an audit row, `n` being how many refusals from the address
    /// went unwritten since its last row; `None` when it is over the address's budget.
    pub fn admit(&self, client: Option<IpAddr>) -> Option<u64> {
        let key = client.map_or(UNKNOWN, ip_bucket);
        let mut unwritten = self
            .unwritten
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.budget.check(&key).is_ok() {
            return Some(unwritten.remove(&key).unwrap_or(0));
        }
        // Bounded like the limiters: past the cap, new addresses' extra refusals go uncounted
        // (each is still logged and in the metrics).
        if unwritten.len() < MAX_TRACKED || unwritten.contains_key(&key) {
            *unwritten.entry(key).or_insert(0) += 1;
        }
        None
    }

    pub fn sweep(&self) {
        self.budget.sweep();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_a_few_rows_a_minute_and_others_their_own() {
        let log = RefusalLog::default();
        let noisy = Some(IpAddr::from([203, 0, 113, 9]));
        let written = (0..25).filter(|_| log.admit(noisy).is_some()).count();
        assert_eq!(written, ROWS_PER_MINUTE as usize);
        assert_eq!(log.admit(Some(IpAddr::from([198, 51, 100, 1]))), Some(0));
        let unwritten = log.unwritten.lock().unwrap();
        assert_eq!(unwritten.get(&IpAddr::from([203, 0, 113, 9])), Some(&15));
    }
}
