//! The iptoasn.com TSV: `range_start TAB range_end TAB AS_number TAB country_code TAB
//! AS_description`, one range a line, parsed into sorted range tables (one per address family)
//! searched by binary search.
//!
//! ```
//! use mxray_asn::tsv::parse;
//! let t = parse("x.tsv", b"2001:db8::\t2001:db8::ffff\t64496\tNL\tSix Net\r\n").unwrap();
//! let n = t.lookup("2001:db8::1".parse().unwrap()).unwrap();
//! assert_eq!(n.asn, Some(64496));
//! assert_eq!(t.len(), 1);
//! let e = parse("x.tsv", b"# comment\n192.0.2.0\t192.0.2.255\tAS1\tDE\tx\n").unwrap_err();
//! assert_eq!(e.to_string(), "x.tsv:2: AS number \"AS1\" is not a number");
//! ```

use std::collections::HashMap;
use std::net::IpAddr;

use mxray_schema::network::Network;

use super::{country_code, org_name, AsnError};

/// Longest line accepted, in bytes.
pub const MAX_LINE_BYTES: usize = 4096;
/// Most ranges in one file (iptoasn's combined file has about 700,000).
pub const MAX_RANGES: usize = 20_000_000;

/// The ranges of one file, sorted, non-overlapping; `Network`s shared between ranges.
#[derive(Debug, Clone, Default)]
pub struct RangeTable {
    v4: Vec<(u32, u32, u32)>,
    v6: Vec<(u128, u128, u32)>,
    nets: Vec<Network>,
}

/// An address as a range bound: an IP address, or (IPv4, the `-u32` files) a decimal integer.
fn bound(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<u32>().ok().map(|n| IpAddr::from(n.to_be_bytes()));
    }
    None
}

fn find<T: Ord + Copy>(v: &[(T, T, u32)], x: T) -> Option<u32> {
    let i = v.partition_point(|r| r.0 <= x).checked_sub(1)?;
    let r = v.get(i)?;
    (x <= r.1).then_some(r.2)
}

/// Checks sorted ranges for overlaps; `lines` holds each range's line.
fn check_overlaps<T: Ord + Copy>(
    path: &str,
    v: &mut [(T, T, u32, u64)],
) -> Result<Vec<(T, T, u32)>, AsnError> {
    v.sort_unstable_by_key(|r| (r.0, r.3));
    for w in v.windows(2) {
        if let [a, b] = w {
            if b.0 <= a.1 {
                return Err(AsnError::Tsv {
                    path: path.to_owned(),
                    line: b.3,
                    what: format!("the range overlaps the range of line {}", a.3),
                });
            }
        }
    }
    Ok(v.iter().map(|r| (r.0, r.1, r.2)).collect())
}

/// Parses a TSV file's bytes (`path` names it in errors).
pub fn parse(path: &str, bytes: &[u8]) -> Result<RangeTable, AsnError> {
    let err = |line: u64, what: String| AsnError::Tsv {
        path: path.to_owned(),
        line,
        what,
    };
    let mut v4: Vec<(u32, u32, u32, u64)> = Vec::new();
    let mut v6: Vec<(u128, u128, u32, u64)> = Vec::new();
    let mut nets: Vec<Network> = Vec::new();
    let mut index: HashMap<Network, u32> = HashMap::new();
    let mut n: u64 = 0;
    for raw in bytes.split(|b| *b == b'\n') {
        n = n.saturating_add(1);
        if raw.len() > MAX_LINE_BYTES {
            return Err(err(n, format!("line longer than {MAX_LINE_BYTES} bytes")));
        }
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = String::from_utf8_lossy(raw);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let [start, end, asn, cc, rest @ ..] = fields.as_slice() else {
            return Err(err(
                n,
                format!(
                    "{} tab-separated field(s), expected 5: range_start range_end AS_number \
                     country_code AS_description",
                    fields.len()
                ),
            ));
        };
        if rest.len() > 1 {
            return Err(err(
                n,
                format!("{} tab-separated fields, expected 5", fields.len()),
            ));
        }
        let (Some(s), Some(e)) = (bound(start.trim()), bound(end.trim())) else {
            let which = if bound(start.trim()).is_none() {
                start
            } else {
                end
            };
            return Err(err(n, format!("{which:?} is not an IP address")));
        };
        let asn_n: u32 = asn
            .trim()
            .parse()
            .map_err(|_| err(n, format!("AS number {asn:?} is not a number")))?;
        // AS 0: "Not routed" — covers nothing, but the line must still be well-formed.
        let net = Network {
            asn: (asn_n != 0).then_some(asn_n),
            as_org: if asn_n == 0 {
                None
            } else {
                rest.first().and_then(|d| org_name(d))
            },
            country: if asn_n == 0 { None } else { country_code(cc) },
        };
        let idx = if net.is_empty() {
            None
        } else if let Some(i) = index.get(&net) {
            Some(*i)
        } else {
            let i = u32::try_from(nets.len()).map_err(|_| err(n, "too many networks".into()))?;
            index.insert(net.clone(), i);
            nets.push(net);
            Some(i)
        };
        match (s, e) {
            (IpAddr::V4(s), IpAddr::V4(e)) => {
                let (s, e) = (u32::from(s), u32::from(e));
                if e < s {
                    return Err(err(n, "the range ends before it starts".into()));
                }
                if let Some(i) = idx {
                    v4.push((s, e, i, n));
                }
            }
            (IpAddr::V6(s), IpAddr::V6(e)) => {
                let (s, e) = (u128::from(s), u128::from(e));
                if e < s {
                    return Err(err(n, "the range ends before it starts".into()));
                }
                if let Some(i) = idx {
                    v6.push((s, e, i, n));
                }
            }
            _ => {
                return Err(err(
                    n,
                    "the range starts and ends in different address families".into(),
                ))
            }
        }
        if v4.len().saturating_add(v6.len()) > MAX_RANGES {
            return Err(err(n, format!("more than {MAX_RANGES} ranges")));
        }
    }
    Ok(RangeTable {
        v4: check_overlaps(path, &mut v4)?,
        v6: check_overlaps(path, &mut v6)?,
        nets,
    })
}

impl RangeTable {
    /// The network of the range holding `ip` (IPv4-mapped IPv6 addresses are not converted
    /// here; [`crate::AsnDb::lookup`] does it).
    pub fn lookup(&self, ip: IpAddr) -> Option<&Network> {
        let i = match ip {
            IpAddr::V4(a) => find(&self.v4, u32::from(a)),
            IpAddr::V6(a) => find(&self.v6, u128::from(a)),
        }?;
        self.nets.get(usize::try_from(i).ok()?)
    }

    /// Ranges held (those of AS 0 are not).
    pub fn len(&self) -> usize {
        self.v4.len().saturating_add(self.v6.len())
    }

    /// Whether no range is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(bytes: &[u8]) -> String {
        parse("t.tsv", bytes).unwrap_err().to_string()
    }

    #[test]
    fn malformed_lines_are_refused_with_their_line() {
        let ok = "192.0.2.0\t192.0.2.255\t64500\tDE\tx\n";
        assert_eq!(
            err(format!("{ok}192.0.2.0\t192.0.2.255\n").as_bytes()),
            "t.tsv:2: 2 tab-separated field(s), expected 5: range_start range_end AS_number \
             country_code AS_description"
        );
        assert_eq!(
            err(b"a\tb\tc\td\te\tf\n"),
            "t.tsv:1: 6 tab-separated fields, expected 5"
        );
        assert_eq!(
            err(b"192.0.2.x\t192.0.2.255\t1\tDE\tx\n"),
            "t.tsv:1: \"192.0.2.x\" is not an IP address"
        );
        assert_eq!(
            err(b"192.0.2.0\t2001:db8::\t1\tDE\tx\n"),
            "t.tsv:1: the range starts and ends in different address families"
        );
        assert_eq!(
            err(b"192.0.2.0\t192.0.2.255\t-1\tDE\tx\n"),
            "t.tsv:1: AS number \"-1\" is not a number"
        );
        assert_eq!(
            err(format!("{ok}\n192.0.2.128\t192.0.3.0\t2\tFR\ty\n").as_bytes()),
            "t.tsv:3: the range overlaps the range of line 1"
        );
        let long = format!("{}\n", "x".repeat(MAX_LINE_BYTES + 1));
        assert_eq!(
            err(long.as_bytes()),
            format!("t.tsv:1: line longer than {MAX_LINE_BYTES} bytes")
        );
    }

    #[test]
    fn u32_bounds_four_fields_and_range_edges() {
        // 3221225984 = 192.0.2.0; 3221226239 = 192.0.2.255; no description.
        let t = parse("u.tsv", b"3221225984\t3221226239\t64500\tUS\n").unwrap();
        for (ip, hit) in [
            ("192.0.2.0", true),
            ("192.0.2.255", true),
            ("192.0.1.255", false),
            ("192.0.3.0", false),
        ] {
            assert_eq!(t.lookup(ip.parse().unwrap()).is_some(), hit, "{ip}");
        }
        let n = t.lookup("192.0.2.1".parse().unwrap()).unwrap();
        assert_eq!(n.as_org, None);
    }

    proptest::proptest! {
        /// Written ranges are read back: every address inside a range finds its AS, the
        /// addresses between ranges find nothing.
        #[test]
        fn written_ranges_are_found(
            mut starts in proptest::collection::btree_set(0u32..1_000_000, 1..20),
            asns in proptest::collection::vec(1u32..100_000, 20),
        ) {
            let starts: Vec<u32> = std::mem::take(&mut starts).into_iter().map(|s| s * 16).collect();
            let mut text = String::new();
            for (i, s) in starts.iter().enumerate() {
                let e = s + 7; // ranges of 8, gaps of 8
                let a = asns[i];
                text.push_str(&format!(
                    "{}\t{}\t{a}\tDE\tAS {a}\n",
                    std::net::Ipv4Addr::from(*s),
                    std::net::Ipv4Addr::from(e)
                ));
            }
            let t = parse("p.tsv", text.as_bytes()).unwrap();
            proptest::prop_assert_eq!(t.len(), starts.len());
            for (i, s) in starts.iter().enumerate() {
                for x in [*s, s + 3, s + 7] {
                    let n = t.lookup(std::net::Ipv4Addr::from(x).into());
                    proptest::prop_assert_eq!(n.and_then(|n| n.asn), Some(asns[i]));
                }
                proptest::prop_assert!(t.lookup(std::net::Ipv4Addr::from(s + 8).into()).is_none());
            }
        }
    }
}
