//! CIDR parsing and containment for `ipBlock` peers (IPv4 and IPv6), without
//! an extra crate.

use std::net::IpAddr;

/// A parsed CIDR: the network address (host bits cleared) and prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `a.b.c.d/n` or `x:y::z/n`. Host bits are allowed and cleared
    /// (as Go's `net.ParseCIDR` does). Returns `None` when malformed: missing
    /// `/`, bad address, bad or too long prefix.
    pub fn parse(s: &str) -> Option<Cidr> {
        let (addr, prefix) = s.trim().split_once('/')?;
        if prefix.is_empty() || prefix.len() > 3 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let prefix: u8 = prefix.parse().ok()?;
        let ip: IpAddr = addr.parse().ok()?;
        let max = match ip {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        if prefix > max {
            return None;
        }
        let net = match ip {
            IpAddr::V4(a) => IpAddr::V4((u32::from(a) & mask32(prefix)).into()),
            IpAddr::V6(a) => IpAddr::V6((u128::from(a) & mask128(prefix)).into()),
        };
        Some(Cidr { net, prefix })
    }

    /// Parses a CIDR as the API server's legacy (default, non-strict)
    /// validation of NetworkPolicy `ipBlock` fields does in Kubernetes 1.33:
    /// like [`Cidr::parse`], and IPv4 octets may have leading zeros
    /// (`010.0.0.0/8` is 10.0.0.0/8), as Go's `ParseCIDRSloppy` reads them.
    pub fn parse_legacy(s: &str) -> Option<Cidr> {
        if let Some(c) = Cidr::parse(s) {
            return Some(c);
        }
        let (addr, prefix) = s.split_once('/')?;
        let octets: Vec<&str> = addr.split('.').collect();
        if octets.len() != 4 {
            return None;
        }
        let mut bytes = [0u8; 4];
        for (b, o) in bytes.iter_mut().zip(&octets) {
            if o.is_empty() || o.len() > 3 || !o.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            *b = o.parse().ok()?;
        }
        Cidr::parse(&format!("{}/{prefix}", std::net::Ipv4Addr::from(bytes)))
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// True for `0.0.0.0/0` and `::/0`.
    pub fn is_everything(&self) -> bool {
        self.prefix == 0
    }

    /// The network address (host bits cleared).
    pub fn network(&self) -> IpAddr {
        self.net
    }

    /// True when `other` lies entirely inside this block (same family,
    /// prefix at least as long, network inside).
    pub fn contains_cidr(&self, other: &Cidr) -> bool {
        other.prefix >= self.prefix && self.contains(other.net)
    }

    /// True when `ip` is inside this block. Address families never mix (an
    /// IPv4 address is not in `::/0`).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => u32::from(a) & mask32(self.prefix) == u32::from(n),
            (IpAddr::V6(n), IpAddr::V6(a)) => u128::from(a) & mask128(self.prefix) == u128::from(n),
            _ => false,
        }
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.net, self.prefix)
    }
}

fn mask32(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix))
    }
}

fn mask128(prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn parses_v4_and_v6() {
        let c = Cidr::parse("172.17.0.0/16").unwrap();
        assert!(c.contains(ip("172.17.255.1")));
        assert!(!c.contains(ip("172.18.0.1")));
        let c = Cidr::parse("2001:db8::/32").unwrap();
        assert!(c.contains(ip("2001:db8:1::5")));
        assert!(!c.contains(ip("2001:db9::1")));
    }

    #[test]
    fn host_bits_are_cleared() {
        let c = Cidr::parse("10.0.0.77/24").unwrap();
        assert_eq!(c.to_string(), "10.0.0.0/24");
        assert!(c.contains(ip("10.0.0.1")));
    }

    #[test]
    fn zero_and_full_prefixes() {
        let all4 = Cidr::parse("0.0.0.0/0").unwrap();
        assert!(all4.is_everything());
        assert!(all4.contains(ip("8.8.8.8")));
        assert!(!all4.contains(ip("::1")), "families never mix");
        let all6 = Cidr::parse("::/0").unwrap();
        assert!(all6.contains(ip("fe80::1")));
        assert!(!all6.contains(ip("1.2.3.4")));
        let host = Cidr::parse("10.1.2.3/32").unwrap();
        assert!(host.contains(ip("10.1.2.3")));
        assert!(!host.contains(ip("10.1.2.4")));
        let host6 = Cidr::parse("fd00::1/128").unwrap();
        assert!(host6.contains(ip("fd00::1")));
        assert!(!host6.contains(ip("fd00::2")));
    }

    #[test]
    fn malformed_is_none() {
        for s in [
            "",
            "10.0.0.0",
            "10.0.0.0/",
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "x/8",
            "10.0.0.0/-1",
            "10.0.0.0/+8",
            "10.0.0.0/8/8",
            "10.0.0.0/0008",
        ] {
            assert_eq!(Cidr::parse(s), None, "{s}");
        }
    }
}
