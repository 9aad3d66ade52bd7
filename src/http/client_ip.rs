//! Who is calling: the peer address, or behind a reverse proxy the address the proxy saw.
//!
//! `X-Forwarded-For` is believed only when the peer is one of `HERALD_TRUSTED_PROXIES`, and then
//! only from the right: each proxy appends the address it saw, so the client is the rightmost
//! entry that is not itself a trusted proxy. Entries further left were written by the client and
//! prove nothing. An entry that is not an address makes the client unknown, which the allow-list
//! refuses.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The caller's address as the guard resolved it; `None` when a trusted proxy sent nonsense.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

/// The connection's peer and the client behind it (see [`resolve`]) of a request.
pub fn of_request<B>(
    request: &axum::http::Request<B>,
    trusted: &[IpNet],
) -> (Option<IpAddr>, Option<IpAddr>) {
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|axum::extract::ConnectInfo(addr)| addr.ip());
    let client = peer.and_then(|peer| resolve(peer, request.headers(), trusted));
    (peer, client)
}

pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = peer.to_canonical();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let mut client = peer;
    // Several headers count as one list, in order.
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|value| value.to_str().ok())
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    for entry in entries.into_iter().rev() {
        let ip = parse_entry(entry)?;
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    Some(client)
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:443`.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|addr| addr.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// Whether the allow-list admits `client`: any address when the list is empty, an unknown one never.
pub fn allowed(client: Option<IpAddr>, allow: &[IpNet]) -> bool {
    if allow.is_empty() {
        return true;
    }
    client.is_some_and(|ip| allow.iter().any(|net| net.contains(&ip)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn forwarded_for_is_ignored_from_untrusted_peers() {
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(
            resolve(ip("198.51.100.1"), &headers(&["203.0.113.5"]), &trusted),
            Some(ip("198.51.100.1"))
        );
        assert_eq!(
            resolve(ip("10.0.0.2"), &headers(&["203.0.113.5"]), &[]),
            Some(ip("10.0.0.2"))
        );
    }

    #[test]
    fn the_rightmost_untrusted_entry_is_the_client() {
        let trusted = nets(&["10.0.0.0/8", "fd00::/8"]);
        // The client forged the first entry; the proxy appended what it saw.
        let forged = headers(&["203.0.113.5, 198.51.100.77"]);
        assert_eq!(
            resolve(ip("10.0.0.2"), &forged, &trusted),
            Some(ip("198.51.100.77"))
        );
        // Two proxies, in two headers, with a port and an IPv6 hop.
        let chain = headers(&["198.51.100.77:5555", "[fd00::3]:443, 10.1.1.1"]);
        assert_eq!(
            resolve(ip("10.0.0.2"), &chain, &trusted),
            Some(ip("198.51.100.77"))
        );
        // No header: the proxy itself.
        assert_eq!(
            resolve(ip("10.0.0.2"), &HeaderMap::new(), &trusted),
            Some(ip("10.0.0.2"))
        );
        // IPv4-mapped IPv6 peers are IPv4.
        assert_eq!(
            resolve(ip("::ffff:10.0.0.2"), &headers(&["2001:db8::7"]), &trusted),
            Some(ip("2001:db8::7"))
        );
    }

    #[test]
    fn garbage_from_a_trusted_proxy_means_unknown_and_is_refused() {
        let trusted = nets(&["10.0.0.0/8"]);
        let client = resolve(ip("10.0.0.2"), &headers(&["203.0.113.5, bogus"]), &trusted);
        assert_eq!(client, None);
        assert!(!allowed(client, &nets(&["0.0.0.0/0"])));
        assert!(allowed(client, &[]));
    }

    #[test]
    fn the_allow_list_matches_v4_and_v6_ranges() {
        let allow = nets(&["203.0.113.0/24", "2001:db8::/32"]);
        assert!(allowed(Some(ip("203.0.113.200")), &allow));
        assert!(allowed(Some(ip("2001:db8:ffff::1")), &allow));
        assert!(!allowed(Some(ip("203.0.114.1")), &allow));
        assert!(!allowed(Some(ip("2001:db9::1")), &allow));
    }
}
