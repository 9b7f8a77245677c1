//! Bounded counters: the only state the report keeps per value.
//!
//! Memory is bounded by the number of distinct values, never by the number of records, and
//! even that is capped: a [`Counter`] keeps at most `cap` distinct keys (each cut to
//! [`MAX_KEY_BYTES`]) and counts the rest in an `other` bucket; a [`Clusters`] map keeps at most
//! `cap` keys, each with at most [`IPS_PER_CLUSTER`] addresses (the smallest ones, so that the
//! kept set does not depend on the order records arrive in).

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use serde::Serialize;

/// Longest key kept, in bytes (longer values are cut on a character boundary).
pub const MAX_KEY_BYTES: usize = 256;

/// Default cap on distinct keys per table.
pub const DEFAULT_CAP: usize = 100_000;

/// Addresses remembered per cluster.
pub const IPS_PER_CLUSTER: usize = 16;

/// `s` cut to at most `max` bytes on a character boundary.
pub fn truncate(s: &str, max: usize) -> &str {
    // The last char boundary at or before `max` (str::floor_char_boundary needs Rust 1.91): at
    // most 4 steps, a UTF-8 character being at most 4 bytes; 0 is always a boundary.
    let end = (0..=max.min(s.len()))
        .rev()
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(0);
    s.get(..end).unwrap_or_default()
}

/// Counts per value, with a cap on distinct values and an `other` bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counter {
    counts: BTreeMap<String, u64>,
    other: u64,
    #[serde(skip)]
    cap: usize,
}

impl Default for Counter {
    fn default() -> Self {
        Self::with_cap(DEFAULT_CAP)
    }
}

impl Counter {
    /// An empty counter keeping at most `cap` distinct keys.
    pub fn with_cap(cap: usize) -> Self {
        Self {
            counts: BTreeMap::new(),
            other: 0,
            cap,
        }
    }

    /// Counts `key` once.
    pub fn add(&mut self, key: &str) {
        self.add_n(key, 1);
    }

    /// Counts `key` `n` times.
    pub fn add_n(&mut self, key: &str, n: u64) {
        let key = truncate(key, MAX_KEY_BYTES);
        if let Some(c) = self.counts.get_mut(key) {
            *c = c.saturating_add(n);
        } else if self.counts.len() < self.cap {
            self.counts.insert(key.to_owned(), n);
        } else {
            self.other = self.other.saturating_add(n);
        }
    }

    /// The count of `key` (0 when never seen or counted in `other`).
    pub fn get(&self, key: &str) -> u64 {
        self.counts.get(key).copied().unwrap_or(0)
    }

    /// Counts of values that arrived after the cap was reached.
    pub fn other(&self) -> u64 {
        self.other
    }

    /// Number of distinct keys kept.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// True when nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty() && self.other == 0
    }

    /// Sum of all counts, `other` included.
    pub fn total(&self) -> u64 {
        self.counts
            .values()
            .fold(self.other, |a, b| a.saturating_add(*b))
    }

    /// Keys and counts, largest count first, then by key.
    pub fn by_count(&self) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self.counts.iter().map(|(k, c)| (k.as_str(), *c)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        v
    }

    /// Keys and counts in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.counts.iter().map(|(k, c)| (k.as_str(), *c))
    }

    /// Adds `other`'s counts (its keys first fill free room, then go to `other`).
    pub fn merge(&mut self, other: &Counter) {
        for (k, c) in &other.counts {
            self.add_n(k, *c);
        }
        self.other = self.other.saturating_add(other.other);
    }
}

/// One certificate or key and where it was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cluster {
    /// The smallest [`IPS_PER_CLUSTER`] addresses that presented it.
    pub ips: BTreeSet<IpAddr>,
    /// True when more distinct addresses were seen than are kept.
    pub ips_capped: bool,
    /// Endpoints (records) that presented it.
    pub endpoints: u64,
    /// A name for it: the smallest subject seen (order-independent).
    pub label: String,
}

impl Cluster {
    fn add_ip(&mut self, ip: IpAddr) {
        self.ips.insert(ip);
        if self.ips.len() > IPS_PER_CLUSTER {
            self.ips.pop_last();
            self.ips_capped = true;
        }
    }

    fn set_label(&mut self, label: &str) {
        let label = truncate(label, MAX_KEY_BYTES);
        if self.label.is_empty() || label < self.label.as_str() {
            label.clone_into(&mut self.label);
        }
    }
}

/// Clusters of endpoints that present the same certificate or key, keyed by SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clusters {
    map: BTreeMap<String, Cluster>,
    /// Endpoints whose key arrived after the cap on distinct keys was reached.
    overflow: u64,
    #[serde(skip)]
    cap: usize,
}

impl Default for Clusters {
    fn default() -> Self {
        Self::with_cap(DEFAULT_CAP)
    }
}

impl Clusters {
    /// An empty map keeping at most `cap` distinct keys.
    pub fn with_cap(cap: usize) -> Self {
        Self {
            map: BTreeMap::new(),
            overflow: 0,
            cap,
        }
    }

    /// Records that the endpoint at `ip` presented `key`, named `label`.
    pub fn add(&mut self, key: &str, ip: IpAddr, label: &str) {
        self.add_cluster(
            key,
            &Cluster {
                ips: BTreeSet::from([ip]),
                ips_capped: false,
                endpoints: 1,
                label: truncate(label, MAX_KEY_BYTES).to_owned(),
            },
        );
    }

    fn add_cluster(&mut self, key: &str, c: &Cluster) {
        let key = truncate(key, MAX_KEY_BYTES);
        if !self.map.contains_key(key) {
            if self.map.len() >= self.cap {
                self.overflow = self.overflow.saturating_add(c.endpoints);
                return;
            }
            self.map.insert(
                key.to_owned(),
                Cluster {
                    ips: BTreeSet::new(),
                    ips_capped: false,
                    endpoints: 0,
                    label: String::new(),
                },
            );
        }
        if let Some(e) = self.map.get_mut(key) {
            for ip in &c.ips {
                e.add_ip(*ip);
            }
            e.ips_capped |= c.ips_capped;
            e.endpoints = e.endpoints.saturating_add(c.endpoints);
            e.set_label(&c.label);
        }
    }

    /// Adds `other`'s clusters.
    pub fn merge(&mut self, other: &Clusters) {
        for (k, c) in &other.map {
            self.add_cluster(k, c);
        }
        self.overflow = self.overflow.saturating_add(other.overflow);
    }

    /// Endpoints not clustered because the cap was reached.
    pub fn overflow(&self) -> u64 {
        self.overflow
    }

    /// Number of distinct keys kept.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when no key was seen.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Clusters seen on at least two addresses, most addresses first (then most endpoints,
    /// then by key).
    pub fn shared(&self) -> Vec<(&str, &Cluster)> {
        let mut v: Vec<(&str, &Cluster)> = self
            .map
            .iter()
            .filter(|(_, c)| c.ips.len() >= 2)
            .map(|(k, c)| (k.as_str(), c))
            .collect();
        v.sort_by(|a, b| {
            b.1.ips
                .len()
                .cmp(&a.1.ips.len())
                .then_with(|| b.1.endpoints.cmp(&a.1.endpoints))
                .then_with(|| a.0.cmp(b.0))
        });
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_keeps_max_bytes_on_a_char_boundary() {
        assert_eq!(truncate("abcd", 4), "abcd");
        assert_eq!(truncate("abcde", 4), "abcd");
        assert_eq!(truncate("aé", 2), "a", "é is two bytes: cut before it");
        assert_eq!(truncate("aé", 3), "aé");
        assert_eq!(truncate("éé", 3), "é");
        assert_eq!(truncate("é", 1), "");
        assert_eq!(truncate("abc", 0), "");
        let k = "k".repeat(MAX_KEY_BYTES + 1);
        let mut c = Counter::default();
        c.add(&k);
        c.add(&k[..MAX_KEY_BYTES]);
        assert_eq!(c.by_count(), vec![(&k[..MAX_KEY_BYTES], 2)]);
    }

    #[test]
    fn counter_orders_merges_and_saturates() {
        let mut c = Counter::with_cap(3);
        assert!(c.is_empty());
        for k in ["b", "a", "c", "a", "c"] {
            c.add(k);
        }
        assert!(!c.is_empty());
        assert_eq!(c.by_count(), vec![("a", 2), ("c", 2), ("b", 1)]);
        assert_eq!(
            c.iter().collect::<Vec<_>>(),
            vec![("a", 2), ("b", 1), ("c", 2)]
        );
        let mut more = Counter::with_cap(10);
        more.add_n("a", 5);
        more.add_n("z", 7);
        more.add_n("y", 1);
        let mut over = Counter::with_cap(0);
        over.add("q");
        assert_eq!((over.len(), over.other()), (0, 1));
        assert!(!over.is_empty(), "counted in other only");
        more.merge(&over);
        c.merge(&more);
        // a grows; y and z find no room (cap 3) and go to other, with over's other.
        assert_eq!(c.get("a"), 7);
        assert_eq!(c.get("z"), 0);
        assert_eq!(c.other(), 7 + 1 + 1);
        assert_eq!(c.total(), 7 + 1 + 2 + 9);
        assert_eq!(c.len(), 3);
        let mut big = Counter::with_cap(1);
        big.add_n("x", u64::MAX);
        big.add("x");
        big.add_n("y", u64::MAX);
        big.add("y");
        assert_eq!(
            (big.get("x"), big.other(), big.total()),
            (u64::MAX, u64::MAX, u64::MAX)
        );
    }

    #[test]
    fn cluster_ips_cap_labels_and_merge() {
        let mut c = Clusters::with_cap(2);
        assert!(c.is_empty());
        for i in 0..16u8 {
            c.add("a", IpAddr::from([10, 0, 0, i]), "zeta");
        }
        let shared = c.shared();
        assert_eq!(shared.len(), 1);
        assert_eq!(shared[0].1.ips.len(), 16);
        assert!(!shared[0].1.ips_capped, "exactly IPS_PER_CLUSTER addresses");
        c.add("a", IpAddr::from([10, 0, 0, 200]), "alpha");
        let a = c.shared()[0].1;
        assert!(a.ips_capped);
        assert_eq!(a.ips.len(), 16);
        assert!(
            !a.ips.contains(&IpAddr::from([10, 0, 0, 200])),
            "the largest one is dropped"
        );
        assert_eq!((a.label.as_str(), a.endpoints), ("alpha", 17));
        c.add("a", IpAddr::from([10, 0, 0, 1]), "omega");
        assert_eq!(c.shared()[0].1.label, "alpha", "the smallest label stays");
        // One address: not shared. Two: shared.
        c.add("b", IpAddr::from([10, 1, 0, 1]), "b");
        assert_eq!(c.len(), 2);
        assert_eq!(c.shared().len(), 1);
        c.add("b", IpAddr::from([10, 1, 0, 1]), "b");
        assert_eq!(c.shared().len(), 1, "the same address twice is one address");
        assert!(!c.is_empty());
        assert_eq!(c.overflow(), 0);
        // The cap: a third key is counted as overflow.
        c.add("c", IpAddr::from([10, 2, 0, 1]), "c");
        assert_eq!((c.len(), c.overflow()), (2, 1));

        // Merge: addresses, endpoints, the capped flag and the overflow carry over.
        let mut d = Clusters::with_cap(5);
        d.add("b", IpAddr::from([10, 1, 0, 2]), "b");
        d.merge(&c);
        d.merge(&c);
        assert_eq!(d.overflow(), 2, "each merge carries the other's overflow");
        let shared = d.shared();
        assert_eq!(
            shared.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            ["a", "b"],
            "most addresses first"
        );
        assert!(shared[0].1.ips_capped);
        assert_eq!(
            shared[1].1.endpoints,
            1 + 2 * 2,
            "d's one, and c's two at each merge"
        );
        assert_eq!(shared[1].1.ips.len(), 2);
    }

    #[test]
    fn shared_clusters_order_by_addresses_then_endpoints_then_key() {
        let mut c = Clusters::default();
        let ip = |a: u8, b: u8| IpAddr::from([10, 0, a, b]);
        // k1: 2 addresses, 2 endpoints; k2: 2 addresses, 3 endpoints; k0: 2 and 2 (key order).
        for (k, a) in [("k1", 1), ("k2", 2), ("k0", 3)] {
            c.add(k, ip(a, 1), k);
            c.add(k, ip(a, 2), k);
        }
        c.add("k2", ip(2, 2), "k2");
        c.add("k3", ip(4, 1), "k3");
        c.add("k3", ip(4, 2), "k3");
        c.add("k3", ip(4, 3), "k3");
        let keys: Vec<&str> = c.shared().iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["k3", "k2", "k0", "k1"]);
    }

    #[test]
    fn counter_caps_distinct_keys_into_other() {
        let mut c = Counter::with_cap(2);
        for k in ["a", "b", "c", "a", "d"] {
            c.add(k);
        }
        assert_eq!(c.get("a"), 2);
        assert_eq!(c.get("b"), 1);
        assert_eq!(c.get("c"), 0);
        assert_eq!(c.other(), 2);
        assert_eq!(c.total(), 5);
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn counter_cuts_long_keys_on_char_boundary() {
        let mut c = Counter::default();
        let long = "é".repeat(1000);
        c.add(&long);
        let (k, n) = c.by_count()[0];
        assert_eq!(n, 1);
        assert!(k.len() <= MAX_KEY_BYTES);
        assert!(k.chars().all(|ch| ch == 'é'));
    }

    #[test]
    fn clusters_keep_smallest_ips_and_count_endpoints() {
        let mut c = Clusters::with_cap(1);
        for i in (0..40u8).rev() {
            c.add("k", IpAddr::from([10, 0, 0, i]), &format!("n{i}"));
        }
        c.add("other-key", IpAddr::from([10, 0, 0, 1]), "x");
        let shared = c.shared();
        assert_eq!(shared.len(), 1);
        let (_, cl) = shared[0];
        assert_eq!(cl.ips.len(), IPS_PER_CLUSTER);
        assert!(cl.ips_capped);
        assert_eq!(cl.ips.first(), Some(&IpAddr::from([10, 0, 0, 0])));
        assert_eq!(cl.endpoints, 40);
        assert_eq!(cl.label, "n0");
        assert_eq!(c.overflow(), 1);
    }
}
