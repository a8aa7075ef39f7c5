//! `MERX_TRUSTED_PROXIES`: the CIDRs whose `X-Forwarded-For` names the client (spec §14).

use std::net::IpAddr;

/// One network, `10.0.0.0/8` or `::1/128` (a bare address is a /32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// # Errors
    /// A text that is not an address with an optional prefix length in range.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (addr, prefix) = s
            .trim()
            .split_once('/')
            .map_or((s.trim(), None), |(a, p)| (a, Some(p)));
        let network: IpAddr = addr
            .parse()
            .map_err(|_| format!("`{s}` is not an address"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{s}` has no prefix length of 0 to {max}"))?,
        };
        Ok(Self { network, prefix })
    }

    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// The client of a request from `peer`: the socket peer, unless it is a trusted proxy; then
/// the rightmost `X-Forwarded-For` entry that is not one (proxies append, so entries left of
/// an untrusted one could be forged).
#[must_use]
pub fn client_ip(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[Cidr],
) -> Option<IpAddr> {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    let peer = peer?;
    if !is_trusted(peer) {
        return Some(peer);
    }
    let Some(list) = forwarded_for else {
        return Some(peer);
    };
    for hop in list.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if is_trusted(ip) => {}
            Ok(ip) => return Some(ip),
            Err(_) => return Some(peer),
        }
    }
    Some(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_trusted_proxy_may_name_the_client() {
        let trusted = [
            Cidr::parse("10.0.0.0/8").unwrap(),
            Cidr::parse("::1").unwrap(),
        ];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(trusted[0].contains(ip("10.9.8.7")) && !trusted[0].contains(ip("11.0.0.1")));
        assert_eq!(
            client_ip(
                Some(ip("10.0.0.2")),
                Some("203.0.113.9, 10.0.0.5"),
                &trusted
            ),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            client_ip(Some(ip("198.51.100.1")), Some("203.0.113.9"), &trusted),
            Some(ip("198.51.100.1")),
            "an untrusted peer's header is ignored"
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.2")), Some("garbage"), &trusted),
            Some(ip("10.0.0.2"))
        );
        assert!(Cidr::parse("10.0.0.0/33").is_err() && Cidr::parse("nope").is_err());
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
    }
}
