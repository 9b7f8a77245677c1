//! Deterministic sharding: `--shard I/N` lets N machines split one target list so that every
//! unit of work is done by exactly one of them.
//!
//! # What is hashed
//!
//! Every machine computes the same assignment from the same input:
//!
//! - an address, or each address of a range: the IP alone ([`Shard::owns_ip`], Rust's `IpAddr`
//!   notation), so every port of one IP is scanned by one machine: N machines never multiply the
//!   per-IP rate (`--per-ip-rate`) an address sees. A range is expanded on every machine (locally,
//!   lazily, no packets) and each machine keeps its addresses, so a /16 is spread over all N
//!   machines rather than given to one;
//! - a mail domain or a host name (with or without a port) depends on [`ShardBy`]:
//!   - [`ShardBy::Address`] (the default): every machine resolves every name, and scans the
//!     endpoints whose address it owns, as for address targets. Domains whose MX hosts share an
//!     address (a hosting provider's MX serving many domains) are then all scanned, for that
//!     address, by one machine: the per-IP rate holds for domain lists too. Records that reach no
//!     address (a DNS failure, a null MX) belong to the owner of the name. The price: N times the
//!     DNS queries, and "exactly once" holds as long as the machines' resolvers give the same
//!     answers (one shared resolver, or a stable zone), since a machine keeps what *its* answers
//!     say it owns;
//!   - [`ShardBy::Name`]: the normalised name alone, before any network operation, so the
//!     assignment does not depend on DNS at all, and all of a domain's records stay on one
//!     machine; but two domains sharing an MX address can fall in different shards, and then up
//!     to N machines connect to that address (divide `--per-ip-rate` by N, docs/SCALE.md).
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

/// How `--shard` assigns name targets (mail domains, host names): by the addresses they resolve
/// to, or by the name (see the [module documentation](self)). Address and range targets are
/// always assigned by address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ShardBy {
    /// Each endpoint by its IP ([`Shard::owns_ip`]), after DNS; records without an address by
    /// the name. One IP's endpoints are scanned by one machine.
    #[default]
    Address,
    /// By the name, before DNS: all of a name's records on one machine.
    Name,
}

impl ShardBy {
    /// The spelling of `--shard-by`.
    ///
    /// ```
    /// use mxray_scan::shard::ShardBy;
    /// assert_eq!(ShardBy::default().as_str(), "address");
    /// assert_eq!("name".parse::<ShardBy>().unwrap(), ShardBy::Name);
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            ShardBy::Address => "address",
            ShardBy::Name => "name",
        }
    }
}

/// A `--shard-by` value that is neither `address` nor `name`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid --shard-by {0:?}: expected `address` (the default) or `name`")]
pub struct ShardByParseError(String);

impl FromStr for ShardBy {
    type Err = ShardByParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "address" => Ok(ShardBy::Address),
            "name" => Ok(ShardBy::Name),
            _ => Err(ShardByParseError(s.to_owned())),
        }
    }
}

impl std::fmt::Display for ShardBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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
    fn an_address_is_owned_by_the_shard_of_its_text() {
        for text in ["127.0.0.1", "192.0.2.7", "2001:db8::1", "::1"] {
            let ip: IpAddr = text.parse().unwrap();
            let owners: Vec<u64> = (0..4)
                .filter(|&i| Shard::new(i, 4).unwrap().owns_ip(ip))
                .collect();
            assert_eq!(owners, vec![fnv1a64(text.as_bytes()) % 4], "{text}");
        }
    }

    #[test]
    fn shard_by_parses_its_two_spellings_only() {
        for by in [ShardBy::Address, ShardBy::Name] {
            assert_eq!(by.as_str().parse::<ShardBy>(), Ok(by));
            assert_eq!(by.to_string(), by.as_str());
        }
        for bad in ["", "ip", "Address", "name "] {
            assert!(bad.parse::<ShardBy>().is_err(), "{bad}");
        }
        assert_eq!(ShardBy::default(), ShardBy::Address);
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
