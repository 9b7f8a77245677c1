//! Deterministic sharding: `--shard I/N` lets N machines split one target list so that every
//! unit of work is done by exactly one of them.
//!
//! # What is hashed
//!
//! The shard key is the unit of work *before any network operation*, so that every machine
//! computes the same assignment from the same input without depending on DNS answers (which
//! differ between resolvers and over time, and would break "exactly once" if endpoints were
//! hashed after resolution):
//!
//! - a mail domain: the normalised domain name (`example.org`); all its MX endpoints are scanned
//!   by the machine that owns the domain, so its records stay together;
//! - a host name with or without a port: the name alone, so all ports of one host go to one
//!   machine;
//! - an address, or each address of a range: the IP alone ([`Shard::owns_ip`], Rust's `IpAddr`
//!   notation), so every port of one IP is scanned by one machine: N machines never multiply the
//!   per-IP rate (`--per-ip-rate`) an address sees. A range is expanded on every machine (locally,
//!   lazily, no packets) and each machine keeps its addresses, so a /16 is spread over all N
//!   machines rather than given to one.
//!
//! What this does not cover: two mail domains whose MX hosts share an address (a hosting
//! provider's MX serving many domains) can fall in different shards, and then more than one
//! machine connects to that address. Assigning them by address would need every machine to
//! resolve every domain, and would make "exactly once" depend on all machines' resolvers giving
//! the same answers. docs/SCALE.md says how to scan domain lists politely with N machines.
//!
//! The hash is 64-bit FNV-1a over the key's UTF-8 bytes, reduced modulo N: stable across builds,
//! platforms and Rust versions (unlike `std`'s `DefaultHasher`). Every key lands in exactly one
//! shard, so the union of the N shards is the whole list, without overlap.

use mxray_schema::fnv::fnv1a64;
use std::net::IpAddr;
use std::str::FromStr;

/// One shard of N, 0-based: `0/4`, `1/4`, `2/4`, `3/4` cover everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: u64,
    count: u64,
}

/// A malformed `--shard` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid shard {0:?}: expected I/N with N >= 1 and 0 <= I < N (0-based), e.g. 0/4")]
pub struct ShardParseError(String);

impl Shard {
    /// Shard `index` of `count`; `None` unless `index < count`.
    pub fn new(index: u64, count: u64) -> Option<Self> {
        (index < count).then_some(Self { index, count })
    }

    /// The whole list (shard 0 of 1).
    pub fn all() -> Self {
        Self { index: 0, count: 1 }
    }

    /// Whether the unit of work with this key belongs to this shard.
    pub fn owns(&self, key: &str) -> bool {
        fnv1a64(key.as_bytes()) % self.count == self.index
    }

    /// Whether an endpoint at this address, whatever its port, belongs to this shard: the key is
    /// the IP alone, so one IP's endpoints are all scanned by one machine.
    ///
    /// ```
    /// use mxray_scan::shard::Shard;
    /// let ip = "192.0.2.7".parse().unwrap();
    /// let shards: Vec<Shard> = (0..4).filter_map(|i| Shard::new(i, 4)).collect();
    /// // Exactly one shard owns the address, with all its ports.
    /// assert_eq!(shards.iter().filter(|s| s.owns_ip(ip)).count(), 1);
    /// ```
    pub fn owns_ip(&self, ip: IpAddr) -> bool {
        self.owns(&ip.to_string())
    }
}

impl FromStr for Shard {
    type Err = ShardParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ShardParseError(s.to_owned());
        let (i, n) = s.split_once('/').ok_or_else(err)?;
        let i: u64 = i.trim().parse().map_err(|_| err())?;
        let n: u64 = n.trim().parse().map_err(|_| err())?;
        Shard::new(i, n).ok_or_else(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!("1/4".parse::<Shard>().unwrap(), Shard::new(1, 4).unwrap());
        for bad in ["4/4", "1/0", "x/2", "1", "-1/2", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert!("0/1".parse::<Shard>().unwrap().owns("anything"));
    }

    #[test]
    fn hash_is_the_documented_fnv1a() {
        // Reference values of 64-bit FNV-1a.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    proptest! {
        #[test]
        fn shards_partition_the_targets(keys in proptest::collection::vec("[a-z0-9.:]{1,30}", 0..200), n in 1u64..12) {
            for key in &keys {
                let owners = (0..n).filter(|&i| Shard::new(i, n).unwrap().owns(key)).count();
                prop_assert_eq!(owners, 1, "key {} owned by {} shards", key, owners);
            }
            let mut union: Vec<&String> = (0..n)
                .flat_map(|i| keys.iter().filter(move |k| Shard::new(i, n).unwrap().owns(k)))
                .collect();
            let mut all: Vec<&String> = keys.iter().collect();
            union.sort();
            all.sort();
            prop_assert_eq!(union, all);
        }
    }
}
