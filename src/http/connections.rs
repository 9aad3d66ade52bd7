//! Caps on open connections: one for the whole listener, below the process's open-file limit, and
//! one per address (IPv6 per /64), so that one client cannot take every slot. Trusted proxies are
//! exempt from the per-address cap: every client behind them shares their address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use ipnet::IpNet;

use super::rate_limit::ip_bucket;
use crate::config::ConnectionLimits;

/// Why a connection was closed as soon as it was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The listener holds `max_total` connections.
    ListenerFull,
    /// The address holds `max_per_address` connections.
    AddressFull,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::ListenerFull => "listener_full",
            Refusal::AddressFull => "address_full",
        }
    }
}

#[derive(Clone)]
pub struct Slots {
    shared: Arc<Shared>,
}

struct Shared {
    max_total: usize,
    max_per_address: usize,
    exempt: Vec<IpNet>,
    open: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// A held slot; dropping it (when the connection ends) frees it.
pub struct Slot {
    shared: Arc<Shared>,
    /// The address counted against, unless exempt.
    address: Option<IpAddr>,
}

impl Slots {
    pub fn new(limits: &ConnectionLimits, exempt: Vec<IpNet>) -> Self {
        Self {
            shared: Arc::new(Shared {
                max_total: limits.max_total,
                max_per_address: limits.max_per_address,
                exempt,
                open: Mutex::new(Open::default()),
            }),
        }
    }

    /// A slot for a connection from `peer`, or why there is none.
    pub fn admit(&self, peer: IpAddr) -> Result<Slot, Refusal> {
        let peer = peer.to_canonical();
        let address =
            (!self.shared.exempt.iter().any(|net| net.contains(&peer))).then(|| ip_bucket(peer));
        let mut open = self.shared.lock();
        if open.total >= self.shared.max_total {
            return Err(Refusal::ListenerFull);
        }
        if let Some(address) = address {
            let held = open.by_address.entry(address).or_insert(0);
            if *held >= self.shared.max_per_address {
                return Err(Refusal::AddressFull);
            }
            *held += 1;
        }
        open.total += 1;
        Ok(Slot {
            shared: self.shared.clone(),
            address,
        })
    }

    /// Connections open now.
    #[cfg(test)]
    fn open(&self) -> usize {
        self.shared.lock().total
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Open> {
        // Counts are updated in one step each; a panic elsewhere cannot leave them half-written.
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.shared.lock();
        open.total = open.total.saturating_sub(1);
        if let Some(address) = self.address
            && let Some(held) = open.by_address.get_mut(&address)
        {
            *held -= 1;
            if *held == 0 {
                open.by_address.remove(&address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_total: usize, max_per_address: usize) -> ConnectionLimits {
        ConnectionLimits {
            max_total,
            max_per_address,
            ..ConnectionLimits::default()
        }
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn one_address_is_capped_while_others_get_in() {
        let slots = Slots::new(&limits(10, 2), Vec::new());
        let _first = slots.admit(ip("10.0.0.1")).unwrap();
        let second = slots.admit(ip("10.0.0.1")).unwrap();
        assert_eq!(
            slots.admit(ip("10.0.0.1")).err(),
            Some(Refusal::AddressFull)
        );
        assert!(slots.admit(ip("10.0.0.2")).is_ok());
        drop(second);
        assert!(slots.admit(ip("10.0.0.1")).is_ok());
    }

    #[test]
    fn the_listener_cap_holds_for_everyone() {
        let slots = Slots::new(&limits(2, 2), Vec::new());
        let _a = slots.admit(ip("10.0.0.1")).unwrap();
        let _b = slots.admit(ip("10.0.0.2")).unwrap();
        assert_eq!(
            slots.admit(ip("10.0.0.3")).err(),
            Some(Refusal::ListenerFull)
        );
        assert_eq!(slots.open(), 2);
    }

    #[test]
    fn ipv6_counts_per_slash_64_and_proxies_are_exempt() {
        let proxy: IpNet = "10.9.0.0/16".parse().unwrap();
        let slots = Slots::new(&limits(10, 1), vec![proxy]);
        let _v6 = slots.admit(ip("2001:db8::1")).unwrap();
        assert_eq!(
            slots.admit(ip("2001:db8::2")).err(),
            Some(Refusal::AddressFull)
        );
        let held: Vec<_> = (0..5)
            .map(|_| slots.admit(ip("10.9.0.7")).unwrap())
            .collect();
        assert_eq!(held.len(), 5);
        drop(held);
        assert_eq!(slots.open(), 1);
    }
}
