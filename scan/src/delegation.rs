//! Targets from registry files: a country's address blocks from the RIRs' delegated-extended
//! statistics files (`--country CC --delegation-file FILE`).
//!
//! The five registries (AFRINIC, APNIC, ARIN, LACNIC, RIPE NCC) publish, daily, one
//! pipe-separated file each (`delegated-ripencc-extended-latest`, …):
//!
//! ```text
//! 2|ripencc|20240101|123456|19830705|20240101|+0100     version line
//! ripencc|*|ipv4|*|84000|summary                        summary lines
//! ripencc|DE|ipv4|192.0.2.0|768|20100101|allocated|a1b2  one record: 768 addresses from 192.0.2.0
//! ripencc|DE|ipv6|2001:db8::|32|20100101|allocated|a1b2  one record: 2001:db8::/32
//! ripencc||ipv4|198.51.100.0|256||available|             unassigned space (skipped)
//! ```
//!
//! A record is `registry|cc|type|start|value|date|status[|opaque-id[|extensions…]]`. For IPv4
//! the value is an *address count*, not always a power of two (768 = a /23 and a /24): the
//! block is split into the fewest CIDRs that cover it exactly. For IPv6 the value is a prefix
//! length. Only `allocated` and `assigned` blocks are kept (`available` and `reserved` space is
//! nobody's network); `asn` records are skipped.
//!
//! The sans-IO core is [`parse_line`]; [`read_country`] reads files line by line (bounded line
//! length, bounded number of kept blocks), merges the country's blocks, and
//! [`CountryRanges::without`] removes the exclusion list. What is kept is a list of CIDRs (a
//! country has thousands of blocks, not millions): addresses are only ever produced one at a time
//! by [`crate::targets::RangeIter`] as the scanner asks for them.
//!
//! ```
//! use mxray_scan::delegation::{read_country, Country};
//!
//! let file = "2|ripencc|20240101|3|19830705|20240101|+0100\n\
//!             ripencc|*|ipv4|*|2|summary\n\
//!             ripencc|DE|ipv4|192.0.2.0|768|20100101|allocated|x\n\
//!             ripencc|FR|ipv4|198.51.100.0|256|20100101|assigned|y\n";
//! let de: Country = "de".parse().unwrap();
//! let ranges = read_country(&de, [(file.as_bytes(), "delegated-test")]).unwrap();
//! let cidrs: Vec<String> = ranges.nets().iter().map(|n| n.to_string()).collect();
//! assert_eq!(cidrs, ["192.0.2.0/23", "192.0.4.0/24"]);
//! assert_eq!(ranges.ipv4_addresses(), 768);
//! ```

use std::io::BufRead;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use mxray_schema::lines::{BoundedLines, Line};

use crate::exclude::ExclusionList;

/// Longest accepted line of a delegation file, in bytes (real lines are under 100; the
/// extensions field leaves room).
pub const MAX_LINE_LEN: usize = 4096;

/// Most blocks kept for one country over all files. All five registries together hold about
/// 300 000 address records; a country above this is not a delegation file.
pub const MAX_BLOCKS: usize = 1_000_000;

/// A country code as used by the registries: two ASCII letters, kept in upper case (`DE`, and
/// the registries' own `EU`, `AP`, `ZZ`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Country(String);

/// A `--country` value that is not two ASCII letters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid country code {0:?}: expected two letters (ISO 3166-1 alpha-2, e.g. DE)")]
pub struct CountryParseError(String);

impl FromStr for Country {
    type Err = CountryParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.len() == 2 && t.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(Self(t.to_ascii_uppercase()))
        } else {
            Err(CountryParseError(s.to_owned()))
        }
    }
}

impl Country {
    /// The code, upper case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Country {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The status of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlockStatus {
    /// Allocated to a local registry (an ISP): in use.
    Allocated,
    /// Assigned to an end user: in use.
    Assigned,
    /// Free space held by the registry (extended files only).
    Available,
    /// Reserved by the registry (extended files only).
    Reserved,
}

impl BlockStatus {
    /// Whether the block is someone's network (`allocated` or `assigned`).
    pub fn in_use(self) -> bool {
        matches!(self, Self::Allocated | Self::Assigned)
    }
}

/// What one record delegates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resource {
    /// `count` IPv4 addresses from `start` (count ≥ 1, the block within the address space).
    Ipv4 {
        /// First address.
        start: Ipv4Addr,
        /// Number of addresses (up to 2^32).
        count: u64,
    },
    /// An IPv6 prefix.
    Ipv6(Ipv6Net),
    /// Autonomous system numbers (not addresses: skipped by target selection).
    Asn,
}

/// One record line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Country code as written (upper-cased), empty for unassigned space.
    pub country: String,
    /// What is delegated.
    pub resource: Resource,
    /// Allocated, assigned, available or reserved.
    pub status: BlockStatus,
}

impl Record {
    /// The block as an inclusive interval of addresses (`None` for ASNs), with its family.
    fn interval(&self) -> Option<(Family, u128, u128)> {
        match self.resource {
            Resource::Ipv4 { start, count } => {
                let s = u128::from(u32::from(start));
                Some((Family::V4, s, s + u128::from(count) - 1))
            }
            Resource::Ipv6(net) => Some((
                Family::V6,
                u128::from(net.network()),
                u128::from(net.broadcast()),
            )),
            Resource::Asn => None,
        }
    }

    /// The fewest CIDRs covering the block exactly (none for ASNs).
    ///
    /// ```
    /// use mxray_scan::delegation::{parse_line, Parsed};
    /// let Ok(Parsed::Record(r)) = parse_line("arin|US|ipv4|10.0.0.0|768|20000101|assigned")
    /// else { panic!() };
    /// let nets: Vec<String> = r.nets().iter().map(|n| n.to_string()).collect();
    /// assert_eq!(nets, ["10.0.0.0/23", "10.0.2.0/24"]);
    /// ```
    pub fn nets(&self) -> Vec<IpNet> {
        match self.interval() {
            Some((fam, s, e)) => Cidrs::new(fam, s, e).collect(),
            None => Vec::new(),
        }
    }
}

/// What a line of a delegation file is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Parsed {
    /// Blank or a `#` comment.
    Nothing,
    /// The version line (`2|ripencc|…`, `2.3|apnic|…`).
    Version,
    /// A summary line (`ripencc|*|ipv4|*|84000|summary`).
    Summary,
    /// A record.
    Record(Record),
}

/// Why a line is not a delegation file line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LineError {
    /// Fewer fields than a record has.
    #[error(
        "{0} fields, a record has at least 7 (registry|cc|type|start|value|date|status) and a \
         summary line 6"
    )]
    TooFewFields(usize),
    /// A type other than `ipv4`, `ipv6`, `asn`.
    #[error("unknown type {0:?} (expected ipv4, ipv6 or asn)")]
    BadType(String),
    /// A status other than the four of the format.
    #[error("unknown status {0:?} (expected allocated, assigned, available or reserved)")]
    BadStatus(String),
    /// A country field that is neither empty nor two letters.
    #[error("invalid country code {0:?} (expected two letters or nothing)")]
    BadCountry(String),
    /// A start that is not an address of the type.
    #[error("invalid {kind} start address {text:?}")]
    BadStart {
        /// `ipv4` or `ipv6`.
        kind: &'static str,
        /// The field.
        text: String,
    },
    /// An IPv4 count that is not 1..=2^32.
    #[error("invalid IPv4 address count {0:?} (expected 1 to 4294967296)")]
    BadCount(String),
    /// An IPv4 block that runs past 255.255.255.255.
    #[error("IPv4 block {start} + {count} addresses runs past 255.255.255.255")]
    PastEnd {
        /// First address.
        start: Ipv4Addr,
        /// The count.
        count: u64,
    },
    /// An IPv6 prefix length that is not 1..=128.
    #[error("invalid IPv6 prefix length {0:?} (expected 1 to 128)")]
    BadPrefix(String),
    /// An IPv6 start with bits set beyond the prefix length.
    #[error("IPv6 block {start}/{len}: the start has bits set past the prefix length")]
    Unaligned {
        /// The start.
        start: Ipv6Addr,
        /// The prefix length.
        len: u8,
    },
}

/// Parses one line of a delegation file (sans-IO).
///
/// ```
/// use mxray_scan::delegation::{parse_line, BlockStatus, Parsed, Resource};
/// let Ok(Parsed::Record(r)) =
///     parse_line("apnic|JP|ipv6|2001:db8::|32|20000101|allocated|A91|e-stats")
/// else { panic!() };
/// assert_eq!(r.country, "JP");
/// assert_eq!(r.status, BlockStatus::Allocated);
/// assert_eq!(r.resource, Resource::Ipv6("2001:db8::/32".parse().unwrap()));
/// assert_eq!(parse_line("# comment"), Ok(Parsed::Nothing));
/// assert!(parse_line("apnic|JP|ipv4|1.2.3.4|0|20000101|allocated").is_err());
/// ```
pub fn parse_line(line: &str) -> Result<Parsed, LineError> {
    let line = line.trim_end_matches(['\r', '\n']).trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(Parsed::Nothing);
    }
    let fields: Vec<&str> = line.split('|').map(str::trim).collect();
    let first = fields.first().copied().unwrap_or("");
    // The version line starts with the format version: digits and dots ("2", "2.3").
    if !first.is_empty() && first.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Ok(Parsed::Version);
    }
    if fields.len() >= 6 && fields.get(1) == Some(&"*") && fields.get(5) == Some(&"summary") {
        return Ok(Parsed::Summary);
    }
    let [_registry, cc, kind, start, value, _date, status, ..] = fields.as_slice() else {
        return Err(LineError::TooFewFields(fields.len()));
    };
    let status = match status.to_ascii_lowercase().as_str() {
        "allocated" => BlockStatus::Allocated,
        "assigned" => BlockStatus::Assigned,
        "available" => BlockStatus::Available,
        "reserved" => BlockStatus::Reserved,
        _ => return Err(LineError::BadStatus(clip(status))),
    };
    if !(cc.is_empty() || (cc.len() == 2 && cc.bytes().all(|b| b.is_ascii_alphabetic()))) {
        return Err(LineError::BadCountry(clip(cc)));
    }
    let resource = match kind.to_ascii_lowercase().as_str() {
        "ipv4" => {
            let start_ip: Ipv4Addr = start.parse().map_err(|_| LineError::BadStart {
                kind: "ipv4",
                text: clip(start),
            })?;
            let count = digits(value)
                .filter(|c| (1..=1u64 << 32).contains(c))
                .ok_or_else(|| LineError::BadCount(clip(value)))?;
            if u64::from(u32::from(start_ip)) + count - 1 > u64::from(u32::MAX) {
                return Err(LineError::PastEnd {
                    start: start_ip,
                    count,
                });
            }
            Resource::Ipv4 {
                start: start_ip,
                count,
            }
        }
        "ipv6" => {
            let start_ip: Ipv6Addr = start.parse().map_err(|_| LineError::BadStart {
                kind: "ipv6",
                text: clip(start),
            })?;
            let len = digits(value)
                .and_then(|l| u8::try_from(l).ok())
                .filter(|l| (1..=128).contains(l))
                .ok_or_else(|| LineError::BadPrefix(clip(value)))?;
            let net = Ipv6Net::new(start_ip, len).map_err(|_| LineError::BadPrefix(clip(value)))?;
            if net.network() != start_ip {
                return Err(LineError::Unaligned {
                    start: start_ip,
                    len,
                });
            }
            Resource::Ipv6(net)
        }
        "asn" => Resource::Asn,
        _ => return Err(LineError::BadType(clip(kind))),
    };
    Ok(Parsed::Record(Record {
        country: cc.to_ascii_uppercase(),
        resource,
        status,
    }))
}

/// A decimal number of digits only (no sign, no spaces), at most 20 digits.
fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// At most 80 characters of a field, for error messages.
fn clip(s: &str) -> String {
    s.chars().take(80).collect()
}

/// Why a country's ranges could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DelegationError {
    /// A malformed line.
    #[error("{file}:{line}: {text:?}: {error}")]
    BadLine {
        /// The file.
        file: String,
        /// 1-based line number.
        line: u64,
        /// The line (first 80 characters).
        text: String,
        /// What is wrong.
        error: LineError,
    },
    /// A line longer than [`MAX_LINE_LEN`].
    #[error("{file}:{line}: line longer than {MAX_LINE_LEN} bytes: not a delegation file")]
    TooLong {
        /// The file.
        file: String,
        /// 1-based line number.
        line: u64,
    },
    /// Reading failed.
    #[error("{file}: read error: {error}")]
    Io {
        /// The file.
        file: String,
        /// The error.
        error: std::io::Error,
    },
    /// More than [`MAX_BLOCKS`] blocks for the country.
    #[error("{file}:{line}: more than {MAX_BLOCKS} blocks for one country: not a delegation file")]
    TooManyBlocks {
        /// The file.
        file: String,
        /// 1-based line number.
        line: u64,
    },
    /// No allocated or assigned block of the country in any file.
    #[error(
        "country {country}: no allocated or assigned IPv4/IPv6 block in {files} ({records} \
         address records read; is the code right, and the files the registries' \
         delegated-extended statistics?)"
    )]
    NoMatch {
        /// The country asked for.
        country: Country,
        /// The files read, comma-separated.
        files: String,
        /// Address records read in all files.
        records: u64,
    },
}

/// Address family of an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Family {
    V4,
    V6,
}

/// A country's address space from delegation files: merged, sorted CIDRs (IPv4 first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountryRanges {
    country: Country,
    /// Disjoint, sorted, non-adjacent inclusive intervals.
    intervals: Vec<(Family, u128, u128)>,
    nets: Vec<IpNet>,
    records: u64,
}

impl CountryRanges {
    fn from_intervals(
        country: Country,
        mut intervals: Vec<(Family, u128, u128)>,
        records: u64,
    ) -> Self {
        intervals.sort_unstable();
        let mut merged: Vec<(Family, u128, u128)> = Vec::with_capacity(intervals.len());
        for (fam, s, e) in intervals {
            if let Some(last) = merged.last_mut() {
                if last.0 == fam && s <= last.2.saturating_add(1) {
                    last.2 = last.2.max(e);
                    continue;
                }
            }
            merged.push((fam, s, e));
        }
        let nets = merged
            .iter()
            .flat_map(|&(fam, s, e)| Cidrs::new(fam, s, e))
            .collect();
        Self {
            country,
            intervals: merged,
            nets,
            records,
        }
    }

    /// The country.
    pub fn country(&self) -> &Country {
        &self.country
    }

    /// The ranges: the fewest CIDRs covering the country's blocks, sorted, IPv4 first.
    pub fn nets(&self) -> &[IpNet] {
        &self.nets
    }

    /// The country's records (allocated or assigned IPv4 and IPv6 lines) read.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Number of IPv4 addresses.
    pub fn ipv4_addresses(&self) -> u64 {
        self.count(Family::V4)
            .and_then(|n| u64::try_from(n).ok())
            .unwrap_or(u64::MAX)
    }

    /// Number of IPv6 addresses, saturating at `u128::MAX` (only `::/0` would reach it).
    pub fn ipv6_addresses(&self) -> u128 {
        self.count(Family::V6).unwrap_or(u128::MAX)
    }

    /// Number of addresses of both families, saturating.
    pub fn addresses(&self) -> u128 {
        u128::from(self.ipv4_addresses()).saturating_add(self.ipv6_addresses())
    }

    fn count(&self, family: Family) -> Option<u128> {
        self.intervals
            .iter()
            .filter(|i| i.0 == family)
            .try_fold(0u128, |acc, &(_, s, e)| {
                acc.checked_add((e - s).checked_add(1)?)
            })
    }

    /// Only the IPv4 blocks (`v4`) or only the IPv6 blocks.
    pub fn only(&self, v4: bool) -> Self {
        let want = if v4 { Family::V4 } else { Family::V6 };
        let kept = self
            .intervals
            .iter()
            .copied()
            .filter(|i| i.0 == want)
            .collect();
        Self::from_intervals(self.country.clone(), kept, self.records)
    }

    /// The ranges less the excluded addresses (an exclusion inside a block splits it).
    pub fn without(&self, exclude: &ExclusionList) -> Self {
        let mut cut: Vec<(Family, u128, u128)> = exclude
            .ranges()
            .iter()
            .map(|n| match n {
                IpNet::V4(n) => (
                    Family::V4,
                    u128::from(u32::from(n.network())),
                    u128::from(u32::from(n.broadcast())),
                ),
                IpNet::V6(n) => (
                    Family::V6,
                    u128::from(n.network()),
                    u128::from(n.broadcast()),
                ),
            })
            .collect();
        cut.sort_unstable();
        let mut out = Vec::with_capacity(self.intervals.len());
        for &(fam, s, e) in &self.intervals {
            // The cuts are disjoint and sorted: their ends are sorted too.
            let first = cut.partition_point(|c| (c.0, c.2) < (fam, s));
            let mut cur = s;
            let mut done = false;
            for &(_, cs, ce) in cut
                .get(first..)
                .unwrap_or_default()
                .iter()
                .take_while(|c| c.0 == fam && c.1 <= e)
            {
                if cs > cur {
                    out.push((fam, cur, cs - 1));
                }
                if ce >= e {
                    done = true;
                    break;
                }
                cur = cur.max(ce + 1);
            }
            if !done {
                out.push((fam, cur, e));
            }
        }
        Self::from_intervals(self.country.clone(), out, self.records)
    }
}

/// Reads `files` (reader and name, in order) and keeps the country's allocated and assigned
/// IPv4 and IPv6 blocks, merged. A malformed line stops with its file and line; a country with
/// no block is [`DelegationError::NoMatch`].
pub fn read_country<R, I, N>(country: &Country, files: I) -> Result<CountryRanges, DelegationError>
where
    R: BufRead,
    I: IntoIterator<Item = (R, N)>,
    N: Into<String>,
{
    let mut intervals = Vec::new();
    let mut names = Vec::new();
    let mut address_records: u64 = 0;
    let mut matched: u64 = 0;
    for (reader, name) in files {
        let file: String = name.into();
        for line in BoundedLines::new(reader, MAX_LINE_LEN) {
            let line = line.map_err(|error| DelegationError::Io {
                file: file.clone(),
                error,
            })?;
            let (number, text) = match line {
                Line::TooLong { number } => {
                    return Err(DelegationError::TooLong { file, line: number })
                }
                Line::Text { number, text, .. } => (number, text),
            };
            let record = match parse_line(&text) {
                Ok(Parsed::Record(r)) => r,
                Ok(_) => continue,
                Err(error) => {
                    return Err(DelegationError::BadLine {
                        file,
                        line: number,
                        text: clip(&text),
                        error,
                    })
                }
            };
            let Some(interval) = record.interval() else {
                continue;
            };
            address_records = address_records.saturating_add(1);
            if !record.status.in_use() || record.country != country.as_str() {
                continue;
            }
            if intervals.len() >= MAX_BLOCKS {
                return Err(DelegationError::TooManyBlocks { file, line: number });
            }
            matched += 1;
            intervals.push(interval);
        }
        names.push(file);
    }
    if intervals.is_empty() {
        return Err(DelegationError::NoMatch {
            country: country.clone(),
            files: names.join(", "),
            records: address_records,
        });
    }
    Ok(CountryRanges::from_intervals(
        country.clone(),
        intervals,
        matched,
    ))
}

/// The fewest CIDRs covering an inclusive interval, in order (lazy).
#[derive(Debug, Clone)]
struct Cidrs {
    family: Family,
    next: Option<u128>,
    end: u128,
}

impl Cidrs {
    fn new(family: Family, start: u128, end: u128) -> Self {
        Self {
            family,
            next: (start <= end).then_some(start),
            end,
        }
    }
}

impl Iterator for Cidrs {
    type Item = IpNet;

    fn next(&mut self) -> Option<IpNet> {
        let start = self.next?;
        let max_bits: u32 = match self.family {
            Family::V4 => 32,
            Family::V6 => 128,
        };
        // Host bits: as many as the start's alignment allows and the rest of the interval holds.
        let align = start.trailing_zeros().min(max_bits);
        let span = self.end - start; // addresses left, minus one
        let fit = if span == u128::MAX {
            128
        } else {
            127 - (span + 1).leading_zeros()
        };
        let host = align.min(fit).min(max_bits);
        let prefix = u8::try_from(max_bits - host).unwrap_or(0);
        let mask = 1u128.checked_shl(host).map_or(u128::MAX, |n| n - 1);
        let last = start.saturating_add(mask);
        self.next = if last >= self.end {
            None
        } else {
            last.checked_add(1)
        };
        let net = match self.family {
            Family::V4 => {
                let ip = Ipv4Addr::from(u32::try_from(start).ok()?);
                IpNet::V4(Ipv4Net::new(ip, prefix).ok()?)
            }
            Family::V6 => IpNet::V6(Ipv6Net::new(Ipv6Addr::from(start), prefix).ok()?),
        };
        Some(net)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::net::IpAddr;

    fn de() -> Country {
        "DE".parse().unwrap()
    }

    fn read(files: &[(&str, &str)]) -> Result<CountryRanges, DelegationError> {
        read_country(&de(), files.iter().map(|(t, n)| (t.as_bytes(), *n)))
    }

    fn strs(r: &CountryRanges) -> Vec<String> {
        r.nets().iter().map(ToString::to_string).collect()
    }

    const RIPE: &str = "\
2|ripencc|20240101|6|19830705|20240101|+0100
# a comment
ripencc|*|ipv4|*|4|summary
ripencc|*|ipv6|*|1|summary
ripencc|*|asn|*|1|summary
ripencc|DE|asn|3320|1|19930901|allocated|x
ripencc|DE|ipv4|10.0.0.0|768|20100101|allocated|x
ripencc|de|ipv4|10.0.3.0|256|20100101|assigned|x
ripencc|FR|ipv4|10.0.4.0|256|20100101|allocated|y
ripencc||ipv4|10.0.5.0|256||available|
ripencc|DE|ipv4|10.0.6.0|256|20100101|reserved|
ripencc|DE|ipv6|2001:db8::|32|20100101|allocated|x|e-stats
";

    #[test]
    fn keeps_the_countrys_allocated_and_assigned_blocks_merged() {
        let r = read(&[(RIPE, "ripe")]).unwrap();
        // 10.0.0.0 + 768 and 10.0.3.0 + 256 are adjacent: one /22.
        assert_eq!(strs(&r), ["10.0.0.0/22", "2001:db8::/32"]);
        assert_eq!(r.ipv4_addresses(), 1024);
        assert_eq!(r.ipv6_addresses(), 1u128 << 96);
        assert_eq!(r.records(), 3);
        assert_eq!(strs(&r.only(true)), ["10.0.0.0/22"]);
        assert_eq!(strs(&r.only(false)), ["2001:db8::/32"]);
        assert_eq!(r.only(false).ipv4_addresses(), 0);
    }

    #[test]
    fn odd_counts_split_into_the_fewest_cidrs() {
        let f = "arin|DE|ipv4|10.0.0.1|6|20000101|assigned\n";
        let r = read(&[(f, "arin")]).unwrap();
        assert_eq!(
            strs(&r),
            ["10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6/32"]
        );
        assert_eq!(r.ipv4_addresses(), 6);
        let all = "arin|DE|ipv4|0.0.0.0|4294967296|20000101|assigned\n";
        assert_eq!(strs(&read(&[(all, "a")]).unwrap()), ["0.0.0.0/0"]);
        // Two halves of the IPv6 space merge into ::/0, whose size u128 cannot hold.
        let halves = "x|DE|ipv6|::|1|0|assigned\nx|DE|ipv6|8000::|1|0|assigned\n";
        let r = read(&[(halves, "h")]).unwrap();
        assert_eq!(strs(&r), ["::/0"]);
        assert_eq!(r.ipv6_addresses(), u128::MAX);
    }

    #[test]
    fn files_are_merged_and_overlaps_counted_once() {
        let a = "ripencc|DE|ipv4|10.0.0.0|512|20000101|allocated\n";
        let b = "arin|DE|ipv4|10.0.1.0|512|20000101|assigned\n";
        let r = read(&[(a, "a"), (b, "b")]).unwrap();
        assert_eq!(strs(&r), ["10.0.0.0/23", "10.0.2.0/24"]);
        assert_eq!(r.ipv4_addresses(), 768);
    }

    #[test]
    fn exclusions_cut_blocks() {
        let f = "ripencc|DE|ipv4|10.0.0.0|256|20000101|allocated\n\
                 ripencc|DE|ipv4|10.1.0.0|256|20000101|allocated\n";
        let r = read(&[(f, "f")]).unwrap();
        let ex = ExclusionList::new([
            "10.0.0.128/25".parse().unwrap(),
            "10.0.0.5/32".parse().unwrap(),
            "10.1.0.0/16".parse().unwrap(),
            "192.0.2.0/24".parse().unwrap(),
        ]);
        let w = r.without(&ex);
        assert_eq!(
            strs(&w),
            [
                "10.0.0.0/30",
                "10.0.0.4/32",
                "10.0.0.6/31",
                "10.0.0.8/29",
                "10.0.0.16/28",
                "10.0.0.32/27",
                "10.0.0.64/26"
            ]
        );
        assert_eq!(w.ipv4_addresses(), 127);
        assert_eq!(r.without(&ExclusionList::default()), r);
    }

    #[test]
    fn a_country_that_matches_nothing_says_so() {
        let err = read_country(&"XK".parse().unwrap(), [(RIPE.as_bytes(), "ripe")]).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("country XK: no allocated or assigned IPv4/IPv6 block in ripe (6 address records read"),
            "{msg}"
        );
    }

    #[test]
    fn bad_lines_name_file_line_and_reason() {
        let cases: &[(&str, &str)] = &[
            (
                "ripencc|DE|ipv4|10.0.0.0|0|2000|allocated",
                "invalid IPv4 address count \"0\"",
            ),
            (
                "ripencc|DE|ipv4|10.0.0.0|+5|2000|allocated",
                "invalid IPv4 address count \"+5\"",
            ),
            (
                "ripencc|DE|ipv4|255.255.255.0|257|2000|allocated",
                "runs past 255.255.255.255",
            ),
            (
                "ripencc|DE|ipv4|10.0.0|256|2000|allocated",
                "invalid ipv4 start address",
            ),
            (
                "ripencc|DE|ipv6|2001:db8::1|32|2000|allocated",
                "bits set past the prefix length",
            ),
            (
                "ripencc|DE|ipv6|2001:db8::|129|2000|allocated",
                "invalid IPv6 prefix length \"129\"",
            ),
            (
                "ripencc|DE|ipv6|2001:db8::|0|2000|allocated",
                "invalid IPv6 prefix length \"0\"",
            ),
            (
                "ripencc|DE|ipv5|10.0.0.0|256|2000|allocated",
                "unknown type \"ipv5\"",
            ),
            (
                "ripencc|DE|ipv4|10.0.0.0|256|2000|stolen",
                "unknown status \"stolen\"",
            ),
            (
                "ripencc|DEU|ipv4|10.0.0.0|256|2000|allocated",
                "invalid country code \"DEU\"",
            ),
            ("ripencc|DE|ipv4|10.0.0.0", "4 fields"),
        ];
        for (line, want) in cases {
            let file = format!("# ok\n{line}\n");
            let err = read(&[("", "empty"), (&file, "bad.txt")]).unwrap_err();
            let msg = err.to_string();
            assert!(msg.starts_with("bad.txt:2: "), "{msg}");
            assert!(msg.contains(want), "{line}: {msg}");
        }
        let long = format!("{}\n", "x".repeat(MAX_LINE_LEN + 1));
        assert!(matches!(
            read(&[(&long, "long")]),
            Err(DelegationError::TooLong { line: 1, .. })
        ));
    }

    #[test]
    fn country_codes_are_two_letters() {
        assert_eq!("de".parse::<Country>().unwrap().as_str(), "DE");
        assert!("D".parse::<Country>().is_err());
        assert!("D1".parse::<Country>().is_err());
        assert!("DEU".parse::<Country>().is_err());
    }

    fn ival(n: &IpNet) -> (u128, u128) {
        match n {
            IpNet::V4(n) => (
                u128::from(u32::from(n.network())),
                u128::from(u32::from(n.broadcast())),
            ),
            IpNet::V6(n) => (u128::from(n.network()), u128::from(n.broadcast())),
        }
    }

    proptest! {
        /// Any IPv4 block splits into CIDRs that cover it exactly, in order, each as large as
        /// its alignment allows (so no two neighbours could be one CIDR).
        #[test]
        fn cidrs_cover_exactly(start in any::<u32>(), count in 1u64..=(1u64 << 32)) {
            prop_assume!(u64::from(start) + count - 1 <= u64::from(u32::MAX));
            let s = u128::from(start);
            let e = s + u128::from(count) - 1;
            let nets: Vec<IpNet> = Cidrs::new(Family::V4, s, e).collect();
            prop_assert!(nets.len() <= 62);
            let mut next = s;
            for n in &nets {
                let (a, b) = ival(n);
                prop_assert_eq!(a, next);
                next = b + 1;
            }
            prop_assert_eq!(next, e + 1);
        }

        /// The record line format round-trips: a record written from its fields reads back as
        /// the same record.
        #[test]
        fn record_lines_round_trip(start in any::<u32>(), count in 1u64..=65536, cc in "[A-Z]{2}",
                                   st in 0usize..4, v6 in any::<u128>(), len in 1u8..=128) {
            prop_assume!(u64::from(start) + count - 1 <= u64::from(u32::MAX));
            let status = ["allocated", "assigned", "available", "reserved"][st];
            let line = format!("ripencc|{cc}|ipv4|{}|{count}|20200101|{status}|id", Ipv4Addr::from(start));
            let Ok(Parsed::Record(r)) = parse_line(&line) else { return Err(TestCaseError::fail(line)) };
            prop_assert_eq!(r.resource, Resource::Ipv4 { start: Ipv4Addr::from(start), count });
            prop_assert_eq!(&r.country, &cc);
            let net = Ipv6Net::new(Ipv6Addr::from(v6), len).unwrap().trunc();
            let line6 = format!("apnic|{cc}|ipv6|{}|{len}|20200101|{status}", net.network());
            let Ok(Parsed::Record(r6)) = parse_line(&line6) else { return Err(TestCaseError::fail(line6)) };
            prop_assert_eq!(r6.resource, Resource::Ipv6(net));
        }

        /// Hostile lines never panic.
        #[test]
        fn any_line_parses_or_errs(s in ".{0,200}") {
            let _ = parse_line(&s);
        }

        /// Subtracting exclusions leaves exactly the addresses outside them.
        #[test]
        fn without_is_exact(blocks in proptest::collection::vec((0u32..4096, 1u64..300), 1..6),
                            cuts in proptest::collection::vec((0u32..4096, 20u8..=32), 0..6)) {
            let mut text = String::new();
            for (s, c) in &blocks {
                text.push_str(&format!("x|DE|ipv4|{}|{c}|0|allocated\n", Ipv4Addr::from(*s)));
            }
            let r = read_country(&"DE".parse().unwrap(), [(text.as_bytes(), "p")]).unwrap();
            let ex_nets: Vec<IpNet> = cuts.iter().map(|(s, l)| IpNet::V4(Ipv4Net::new(Ipv4Addr::from(*s), *l).unwrap().trunc())).collect();
            let ex = ExclusionList::new(ex_nets.clone());
            let w = r.without(&ex);
            let inside = |ip: u32| blocks.iter().any(|(s, c)| u64::from(ip) >= u64::from(*s) && u64::from(ip) < u64::from(*s) + c);
            let mut want = 0u64;
            for ip in 0u32..4096 + 300 {
                let kept = w.nets().iter().any(|n| n.contains(&IpAddr::V4(Ipv4Addr::from(ip))));
                let should = inside(ip) && !ex.contains(IpAddr::V4(Ipv4Addr::from(ip)));
                prop_assert_eq!(kept, should, "{}", Ipv4Addr::from(ip));
                want += u64::from(should);
            }
            prop_assert_eq!(w.ipv4_addresses(), want);
        }
    }
}
