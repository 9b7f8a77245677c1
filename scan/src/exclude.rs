//! The exclusion list: addresses never to be contacted.
//!
//! Checked before any packet is sent to an address, including addresses that came from DNS.
//! File format (the same as ZMap's blocklist): one address or CIDR range per line; blank lines
//! and `#` comments (whole-line or trailing) ignored. An IPv4-mapped IPv6 entry or address
//! (`::ffff:192.0.2.1`) matches its IPv4 form, either way round.

use std::io::BufRead;
use std::net::IpAddr;

use ipnet::IpNet;

use mxray_schema::lines::{BoundedLines, Line};

/// A set of excluded ranges, merged and sorted for `O(log n)` lookups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExclusionList {
    /// Disjoint, sorted ranges.
    nets: Vec<IpNet>,
}

/// A bad exclusion entry.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExcludeError {
    /// Not an address or range.
    #[error("{source_name}:{line}: {text:?} is not an IP address or CIDR range")]
    BadEntry {
        /// File name or `--exclude`.
        source_name: String,
        /// 1-based line (1 for command-line values).
        line: u64,
        /// The text.
        text: String,
    },
    /// A line longer than 1024 bytes.
    #[error("{source_name}:{line}: line too long")]
    TooLong {
        /// File name.
        source_name: String,
        /// 1-based line.
        line: u64,
    },
    /// Reading failed.
    #[error("{source_name}: {error}")]
    Io {
        /// File name.
        source_name: String,
        /// The error.
        error: std::io::Error,
    },
}

/// Parses an address (`192.0.2.1`) or range (`192.0.2.0/24`) into a range.
pub fn parse_entry(s: &str) -> Option<IpNet> {
    let s = s.trim();
    if let Ok(net) = s.parse::<IpNet>() {
        return Some(net.trunc());
    }
    s.parse::<IpAddr>().ok().map(IpNet::from)
}

impl ExclusionList {
    /// A list of the given ranges. An IPv4-mapped IPv6 entry (within `::ffff:0:0/96`, e.g.
    /// `::ffff:192.0.2.1`) also excludes its IPv4 form (`192.0.2.1`): both reach the same host.
    pub fn new(nets: impl IntoIterator<Item = IpNet>) -> Self {
        let mut all: Vec<IpNet> = Vec::new();
        for net in nets {
            if let Some(v4) = mapped_v4(&net) {
                all.push(v4);
            }
            all.push(net);
        }
        let mut nets = IpNet::aggregate(&all);
        nets.sort_by_key(|n| sort_key(n.network()));
        Self { nets }
    }

    /// Reads entries from a file-like source, adding them to `out`.
    pub fn read_into<R: BufRead>(
        reader: R,
        source_name: &str,
        out: &mut Vec<IpNet>,
    ) -> Result<(), ExcludeError> {
        for line in BoundedLines::new(reader, 1024) {
            let line = line.map_err(|error| ExcludeError::Io {
                source_name: source_name.to_owned(),
                error,
            })?;
            let (number, text) = match line {
                Line::TooLong { number } => {
                    return Err(ExcludeError::TooLong {
                        source_name: source_name.to_owned(),
                        line: number,
                    })
                }
                Line::Text { number, text, .. } => (number, text),
            };
            let content = text
                .split_once('#')
                .map_or(text.as_str(), |(b, _)| b)
                .trim();
            if content.is_empty() {
                continue;
            }
            let net = parse_entry(content).ok_or_else(|| ExcludeError::BadEntry {
                source_name: source_name.to_owned(),
                line: number,
                text: content.chars().take(80).collect(),
            })?;
            out.push(net);
        }
        Ok(())
    }

    /// The excluded ranges: disjoint, sorted (IPv4 first), IPv4-mapped entries also in their
    /// IPv4 form.
    pub fn ranges(&self) -> &[IpNet] {
        &self.nets
    }

    /// Whether `ip` is excluded.
    pub fn contains(&self, ip: IpAddr) -> bool {
        // IPv4-mapped IPv6 addresses reach the IPv4 host: check both forms.
        if let IpAddr::V6(v6) = ip {
            if let Some(v4) = v6.to_ipv4_mapped() {
                if self.contains(IpAddr::V4(v4)) {
                    return true;
                }
            }
        }
        let key = sort_key(ip);
        // The candidate is the last range starting at or before `ip`.
        let idx = self.nets.partition_point(|n| sort_key(n.network()) <= key);
        idx.checked_sub(1)
            .and_then(|i| self.nets.get(i))
            .is_some_and(|n| n.contains(&ip))
    }

    /// Number of disjoint ranges.
    pub fn len(&self) -> usize {
        self.nets.len()
    }

    /// True when nothing is excluded.
    pub fn is_empty(&self) -> bool {
        self.nets.is_empty()
    }
}

/// The IPv4 form of a range inside `::ffff:0:0/96` (IPv4-mapped IPv6 addresses).
fn mapped_v4(net: &IpNet) -> Option<IpNet> {
    let IpNet::V6(v6) = net else { return None };
    let prefix = v6.prefix_len().checked_sub(96)?;
    let v4 = v6.network().to_ipv4_mapped()?;
    ipnet::Ipv4Net::new(v4, prefix).ok().map(IpNet::V4)
}

/// Orders IPv4 before IPv6, then numerically.
fn sort_key(ip: IpAddr) -> (u8, u128) {
    match ip {
        IpAddr::V4(v4) => (4, u128::from(u32::from(v4))),
        IpAddr::V6(v6) => (6, u128::from(v6)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn contains_checks_every_range_family_and_boundary() {
        let list = ExclusionList::new(
            [
                "10.0.0.0/8",
                "192.0.2.7/32",
                "10.1.0.0/16",
                "2001:db8::/32",
                "127.0.0.2/31",
            ]
            .iter()
            .map(|s| parse_entry(s).unwrap()),
        );
        assert_eq!(list.len(), 4); // 10.1/16 merged into 10/8
        assert!(!list.is_empty());
        assert!(ExclusionList::new([]).is_empty());
        for yes in [
            "10.0.0.0",
            "10.255.255.255",
            "192.0.2.7",
            "2001:db8::1",
            "127.0.0.2",
            "127.0.0.3",
            "::ffff:10.2.3.4",
        ] {
            assert!(list.contains(ip(yes)), "{yes}");
        }
        for no in [
            "9.255.255.255",
            "11.0.0.0",
            "192.0.2.6",
            "192.0.2.8",
            "2001:db9::",
            "::1",
            "127.0.0.1",
            "127.0.0.4",
        ] {
            assert!(!list.contains(ip(no)), "{no}");
        }
        assert!(!ExclusionList::default().contains(ip("10.0.0.1")));
    }

    #[test]
    fn ipv4_mapped_entries_exclude_the_ipv4_address() {
        let list = ExclusionList::new(
            ["::ffff:127.0.0.1", "::ffff:10.0.0.0/104", "::/0"]
                .iter()
                .map(|s| parse_entry(s).unwrap()),
        );
        for yes in [
            "127.0.0.1",
            "::ffff:127.0.0.1",
            "10.1.2.3",
            "::ffff:10.1.2.3",
            "2001:db8::1",
        ] {
            assert!(list.contains(ip(yes)), "{yes}");
        }
        // ::/0 excludes IPv6 only: the IPv4 form of an address outside the mapped entries
        // stays scannable (it is reached over IPv4).
        for no in ["127.0.0.2", "11.0.0.0"] {
            assert!(!list.contains(ip(no)), "{no}");
        }
        // And a mapped target matches its IPv4 entry.
        let v4 = ExclusionList::new([parse_entry("192.0.2.0/24").unwrap()]);
        assert!(v4.contains(ip("::ffff:192.0.2.9")));
    }

    #[test]
    fn reads_files_with_comments_and_reports_bad_lines() {
        let mut nets = Vec::new();
        ExclusionList::read_into(
            &b"# blocklist\n10.0.0.0/8  # rfc1918\n\n192.0.2.1\n"[..],
            "ex.txt",
            &mut nets,
        )
        .unwrap();
        assert_eq!(
            nets,
            vec![
                parse_entry("10.0.0.0/8").unwrap(),
                parse_entry("192.0.2.1/32").unwrap()
            ]
        );
        let err =
            ExclusionList::read_into(&b"10.0.0.0/8\nfoo\n"[..], "ex.txt", &mut nets).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ex.txt:2: \"foo\" is not an IP address or CIDR range"
        );
    }
}
