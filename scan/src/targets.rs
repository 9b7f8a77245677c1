//! Scan targets: parsing every accepted form, reading target lists, expanding ranges lazily.
//!
//! Accepted forms (one per argument or line):
//!
//! | form | meaning |
//! | --- | --- |
//! | `example.org` | a mail domain: its MX hosts (or implicit MX) are scanned; with `--hosts`, a host name |
//! | `mx1.example.org:587` | a host name and port: its A/AAAA addresses are scanned, no MX lookup |
//! | `192.0.2.1`, `2001:db8::1` | one address, at `--port` |
//! | `192.0.2.1:2525`, `[2001:db8::1]:2525` | one address and port |
//! | `192.0.2.0/24`, `2001:db8::/120` | a range, expanded lazily (see [`RangeIter`]) |
//!
//! In files and on stdin: one target per line; blank lines and `#` comments are ignored;
//! ZMap's output (one address per line, optionally under a CSV header naming `saddr`) is accepted.

use std::io::BufRead;
use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;

use mxray_schema::lines::{BoundedLines, Line};

/// Longest accepted target line, in bytes.
pub const MAX_LINE_LEN: usize = 1024;

/// Default cap on the number of addresses in one range (2^24, a /8 of IPv4).
pub const DEFAULT_RANGE_CAP: u128 = 1 << 24;

/// One parsed target.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Target {
    /// A mail domain: MX lookup, implicit MX fallback, null MX detection.
    Domain(String),
    /// A host name scanned directly at its A/AAAA addresses.
    Host {
        /// Lower-case name without trailing dot.
        name: String,
        /// Port, when given; otherwise `--port`.
        port: Option<u16>,
    },
    /// One address.
    Addr {
        /// The address.
        ip: IpAddr,
        /// Port, when given; otherwise `--port`.
        port: Option<u16>,
    },
    /// A range of addresses.
    Range(IpNet),
}

/// Why a target string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// Empty input.
    #[error("empty target")]
    Empty,
    /// A port that is not a number in 1..=65535.
    #[error("invalid port {0:?} (expected 1-65535)")]
    BadPort(String),
    /// A malformed range.
    #[error("invalid CIDR range {0:?}")]
    BadRange(String),
    /// A range above the cap.
    #[error(
        "range {range} has {count} addresses, more than the cap of {cap} (use --allow-large to scan it)"
    )]
    RangeTooLarge {
        /// The range.
        range: IpNet,
        /// Its number of addresses (exact: 2^128 for `::/0`).
        count: RangeSize,
        /// The cap in force.
        cap: u128,
    },
    /// Malformed bracketed IPv6 address.
    #[error("invalid bracketed IPv6 address {0:?} (expected [addr] or [addr]:port)")]
    BadBracket(String),
    /// Not a valid host or domain name.
    #[error("invalid name {name:?}: {reason}")]
    BadName {
        /// The name.
        name: String,
        /// Why.
        reason: &'static str,
    },
}

/// Options that change how targets are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// Bare names are host names (A/AAAA), not mail domains (MX).
    pub names_are_hosts: bool,
    /// Largest range accepted (number of addresses); `u128::MAX`: no limit.
    pub range_cap: u128,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self {
            names_are_hosts: false,
            range_cap: DEFAULT_RANGE_CAP,
        }
    }
}

/// Parses one target.
///
/// ```
/// use mxray_scan::targets::{parse_target, ParseOptions, Target};
/// let t = parse_target("[::1]:2525", &ParseOptions::default()).unwrap();
/// assert_eq!(t, Target::Addr { ip: "::1".parse().unwrap(), port: Some(2525) });
/// ```
pub fn parse_target(input: &str, opts: &ParseOptions) -> Result<Target, TargetError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(TargetError::Empty);
    }
    if let Some(rest) = s.strip_prefix('[') {
        let (addr, after) = rest
            .split_once(']')
            .ok_or_else(|| TargetError::BadBracket(s.to_owned()))?;
        let ip: std::net::Ipv6Addr = addr
            .parse()
            .map_err(|_| TargetError::BadBracket(s.to_owned()))?;
        let port = match after {
            "" => None,
            p => Some(parse_port(
                p.strip_prefix(':')
                    .ok_or_else(|| TargetError::BadBracket(s.to_owned()))?,
            )?),
        };
        return Ok(Target::Addr {
            ip: IpAddr::V6(ip),
            port,
        });
    }
    if s.contains('/') {
        let net: IpNet = s.parse().map_err(|_| TargetError::BadRange(s.to_owned()))?;
        let net = net.trunc();
        let count = RangeSize::of(&net);
        if count.exceeds(opts.range_cap) {
            return Err(TargetError::RangeTooLarge {
                range: net,
                count,
                cap: opts.range_cap,
            });
        }
        return Ok(Target::Range(net));
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(Target::Addr { ip, port: None });
    }
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Ok(Target::Addr {
            ip: sa.ip(),
            port: Some(parse_port(&sa.port().to_string())?),
        });
    }
    if let Some((name, port)) = s.rsplit_once(':') {
        let port = parse_port(port)?;
        let name = parse_name(name)?;
        return Ok(Target::Host {
            name,
            port: Some(port),
        });
    }
    let name = parse_name(s)?;
    if opts.names_are_hosts {
        Ok(Target::Host { name, port: None })
    } else {
        Ok(Target::Domain(name))
    }
}

fn parse_port(p: &str) -> Result<u16, TargetError> {
    // Digits only: `u16::from_str` also takes a leading `+`.
    if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TargetError::BadPort(p.to_owned()));
    }
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(TargetError::BadPort(p.to_owned())),
        Ok(port) => Ok(port),
    }
}

/// Checks and normalises a DNS name: lower case, no trailing dot, LDH labels (underscore
/// allowed), 1..=63 bytes per label, at most 253 bytes.
pub fn parse_name(name: &str) -> Result<String, TargetError> {
    let bad = |reason| TargetError::BadName {
        name: name.to_owned(),
        reason,
    };
    let n = name.strip_suffix('.').unwrap_or(name);
    if n.is_empty() {
        return Err(bad("empty name"));
    }
    if !n.is_ascii() {
        return Err(bad("non-ASCII name; give its A-label (xn--) form"));
    }
    if n.len() > 253 {
        return Err(bad("longer than 253 bytes"));
    }
    let mut all_numeric = true;
    for label in n.split('.') {
        if label.is_empty() {
            return Err(bad("empty label"));
        }
        if label.len() > 63 {
            return Err(bad("label longer than 63 bytes"));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(bad(
                "only letters, digits, '-' and '_' are allowed in a label",
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(bad("a label starts or ends with '-'"));
        }
        if !label.bytes().all(|b| b.is_ascii_digit()) {
            all_numeric = false;
        }
    }
    if all_numeric {
        return Err(bad("all-numeric: not a valid IP address nor a name"));
    }
    Ok(n.to_ascii_lowercase())
}

/// The exact number of addresses in a range, `2^(host bits)`: up to 2^128 (`::/0`), one more
/// than `u128` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RangeSize {
    host_bits: u8,
}

impl RangeSize {
    /// The size of `net`.
    pub fn of(net: &IpNet) -> Self {
        Self {
            host_bits: net.max_prefix_len().saturating_sub(net.prefix_len()),
        }
    }

    /// The number of addresses, if it fits in a `u128` (all but `::/0`).
    pub fn get(self) -> Option<u128> {
        1u128.checked_shl(u32::from(self.host_bits))
    }

    /// Whether the range has more than `cap` addresses; a cap of `u128::MAX` means no cap.
    pub fn exceeds(self, cap: u128) -> bool {
        self.get().map_or(cap < u128::MAX, |n| n > cap)
    }
}

impl std::fmt::Display for RangeSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.get() {
            Some(n) => write!(f, "{n}"),
            // 2^128, which u128 cannot hold.
            None => f.write_str("340282366920938463463374607431768211456"),
        }
    }
}

/// Number of addresses in a range, saturating at `u128::MAX` for `::/0` (whose exact size,
/// 2^128, [`RangeSize`] gives).
pub fn range_len(net: &IpNet) -> u128 {
    let bits = u32::from(net.max_prefix_len().saturating_sub(net.prefix_len()));
    1u128.checked_shl(bits).unwrap_or(u128::MAX)
}

/// Lazy iterator over every address of a range, network and broadcast addresses included
/// (a mail server may sit on any address; ZMap does the same). Holds two addresses, never a list.
#[derive(Debug, Clone)]
pub struct RangeIter {
    next: Option<u128>,
    last: u128,
    v6: bool,
}

impl RangeIter {
    /// Iterates over `net`.
    pub fn new(net: &IpNet) -> Self {
        match net {
            IpNet::V4(n) => Self {
                next: Some(u128::from(u32::from(n.network()))),
                last: u128::from(u32::from(n.broadcast())),
                v6: false,
            },
            IpNet::V6(n) => Self {
                next: Some(u128::from(n.network())),
                last: u128::from(n.broadcast()),
                v6: true,
            },
        }
    }
}

impl Iterator for RangeIter {
    type Item = IpAddr;

    fn next(&mut self) -> Option<IpAddr> {
        let cur = self.next?;
        self.next = if cur >= self.last {
            None
        } else {
            cur.checked_add(1)
        };
        if self.v6 {
            Some(IpAddr::V6(cur.into()))
        } else {
            u32::try_from(cur)
                .ok()
                .map(|v| IpAddr::V4(std::net::Ipv4Addr::from(v)))
        }
    }
}

/// A target read from a list, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcedTarget {
    /// The target as written (trimmed, comment removed).
    pub text: String,
    /// The parsed target.
    pub target: Target,
}

/// A target list line that could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ListError {
    /// A bad target on a given line.
    #[error("{source_name}:{line}: {text:?}: {error}")]
    BadLine {
        /// File name, or `<stdin>`.
        source_name: String,
        /// 1-based line number.
        line: u64,
        /// The offending text (truncated to 80 bytes).
        text: String,
        /// Why.
        error: TargetError,
    },
    /// A line over [`MAX_LINE_LEN`].
    #[error("{source_name}:{line}: line longer than {MAX_LINE_LEN} bytes")]
    TooLong {
        /// File name, or `<stdin>`.
        source_name: String,
        /// 1-based line number.
        line: u64,
    },
    /// Reading failed.
    #[error("{source_name}: read error: {error}")]
    Io {
        /// File name, or `<stdin>`.
        source_name: String,
        /// The I/O error.
        error: std::io::Error,
    },
}

/// Streaming reader of a target list (file or stdin).
#[derive(Debug)]
pub struct TargetList<R> {
    lines: BoundedLines<R>,
    source_name: String,
    opts: ParseOptions,
    /// Column of `saddr` when a ZMap CSV header was seen.
    csv_column: Option<usize>,
    seen_data: bool,
}

impl<R: BufRead> TargetList<R> {
    /// Reads targets from `reader`; `source_name` names it in errors.
    pub fn new(reader: R, source_name: impl Into<String>, opts: ParseOptions) -> Self {
        Self {
            lines: BoundedLines::new(reader, MAX_LINE_LEN),
            source_name: source_name.into(),
            opts,
            csv_column: None,
            seen_data: false,
        }
    }
}

fn strip_comment(line: &str) -> &str {
    line.split_once('#')
        .map_or(line, |(before, _)| before)
        .trim()
}

impl<R: BufRead> Iterator for TargetList<R> {
    type Item = Result<SourcedTarget, ListError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let line = match self.lines.next()? {
                Ok(l) => l,
                Err(error) => {
                    return Some(Err(ListError::Io {
                        source_name: self.source_name.clone(),
                        error,
                    }))
                }
            };
            let (number, text) = match line {
                Line::TooLong { number } => {
                    return Some(Err(ListError::TooLong {
                        source_name: self.source_name.clone(),
                        line: number,
                    }))
                }
                Line::Text { number, text, .. } => (number, text),
            };
            let content = strip_comment(&text);
            if content.is_empty() {
                continue;
            }
            // ZMap CSV output: a header line naming `saddr`, then one row per host.
            if !self.seen_data {
                self.seen_data = true;
                let fields: Vec<&str> = content.split(',').map(str::trim).collect();
                if let Some(col) = fields.iter().position(|f| *f == "saddr") {
                    self.csv_column = Some(col);
                    continue;
                }
            }
            let field = match self.csv_column {
                Some(col) => content.split(',').nth(col).unwrap_or("").trim(),
                None => content,
            };
            return Some(
                parse_target(field, &self.opts)
                    .map(|target| SourcedTarget {
                        text: field.to_owned(),
                        target,
                    })
                    .map_err(|error| ListError::BadLine {
                        source_name: self.source_name.clone(),
                        line: number,
                        text: content.chars().take(80).collect(),
                        error,
                    }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Target, TargetError> {
        parse_target(s, &ParseOptions::default())
    }

    #[test]
    fn parses_every_form() {
        assert_eq!(
            p("Example.ORG.").unwrap(),
            Target::Domain("example.org".into())
        );
        assert_eq!(
            parse_target(
                "mx.example.org",
                &ParseOptions {
                    names_are_hosts: true,
                    ..ParseOptions::default()
                }
            )
            .unwrap(),
            Target::Host {
                name: "mx.example.org".into(),
                port: None
            }
        );
        assert_eq!(
            p("mx1.example.org:587").unwrap(),
            Target::Host {
                name: "mx1.example.org".into(),
                port: Some(587)
            }
        );
        assert_eq!(
            p("192.0.2.1").unwrap(),
            Target::Addr {
                ip: "192.0.2.1".parse().unwrap(),
                port: None
            }
        );
        assert_eq!(
            p("192.0.2.1:2525").unwrap(),
            Target::Addr {
                ip: "192.0.2.1".parse().unwrap(),
                port: Some(2525)
            }
        );
        assert_eq!(
            p("2001:db8::1").unwrap(),
            Target::Addr {
                ip: "2001:db8::1".parse().unwrap(),
                port: None
            }
        );
        assert_eq!(
            p("[2001:db8::1]").unwrap(),
            Target::Addr {
                ip: "2001:db8::1".parse().unwrap(),
                port: None
            }
        );
        assert_eq!(
            p("[2001:db8::1]:465").unwrap(),
            Target::Addr {
                ip: "2001:db8::1".parse().unwrap(),
                port: Some(465)
            }
        );
        assert_eq!(
            p("192.0.2.7/24").unwrap(),
            Target::Range("192.0.2.0/24".parse().unwrap())
        );
        assert_eq!(
            p("2001:db8::/120").unwrap(),
            Target::Range("2001:db8::/120".parse().unwrap())
        );
    }

    #[test]
    fn rejects_bad_targets_with_reasons() {
        assert_eq!(p("  "), Err(TargetError::Empty));
        assert_eq!(p("host:0"), Err(TargetError::BadPort("0".into())));
        assert_eq!(p("host:70000"), Err(TargetError::BadPort("70000".into())));
        assert!(matches!(p("10.0.0.0/33"), Err(TargetError::BadRange(_))));
        assert!(matches!(p("[::1"), Err(TargetError::BadBracket(_))));
        assert!(matches!(p("[::1]x"), Err(TargetError::BadBracket(_))));
        assert!(matches!(p("1.2.3"), Err(TargetError::BadName { .. })));
        assert!(matches!(p("bad name"), Err(TargetError::BadName { .. })));
        assert!(matches!(p("-a.org"), Err(TargetError::BadName { .. })));
        assert!(matches!(p("a..org"), Err(TargetError::BadName { .. })));
        assert!(matches!(p("bücher.de"), Err(TargetError::BadName { .. })));
        assert!(matches!(
            p(&"a".repeat(64)),
            Err(TargetError::BadName { .. })
        ));
    }

    /// RFC 1035's limits, at and one past: a label of 63 bytes, a name of 253 (a trailing dot
    /// not counted); '-' and '_' inside a label.
    #[test]
    fn name_and_label_lengths_at_and_past_their_limits() {
        let label63 = "a".repeat(63);
        assert_eq!(
            p(&format!("{label63}.org")),
            Ok(Target::Domain(format!("{label63}.org")))
        );
        // 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 bytes.
        let name253 = format!("{label63}.{label63}.{label63}.{}", "b".repeat(61));
        assert_eq!(name253.len(), 253);
        assert!(p(&name253).is_ok());
        assert!(
            p(&format!("{name253}.")).is_ok(),
            "the root's dot is not counted"
        );
        let name254 = format!("{label63}.{label63}.{label63}.{}", "b".repeat(62));
        assert!(matches!(p(&name254), Err(TargetError::BadName { .. })));
        assert_eq!(
            p("mail-1.ex_ample.org"),
            Ok(Target::Domain("mail-1.ex_ample.org".into()))
        );
    }

    #[test]
    fn a_bad_port_is_blamed_on_the_port() {
        assert_eq!(p(":+2700"), Err(TargetError::BadPort("+2700".into())));
        assert_eq!(p("host:+25"), Err(TargetError::BadPort("+25".into())));
        assert_eq!(p("[::1]:+25"), Err(TargetError::BadPort("+25".into())));
        assert_eq!(p("host: 25"), Err(TargetError::BadPort(" 25".into())));
        assert!(p(":+2700")
            .unwrap_err()
            .to_string()
            .contains("invalid port"));
    }

    #[test]
    fn range_sizes_are_exact() {
        let all = p("::/0").unwrap_err().to_string();
        assert!(
            all.contains("::/0 has 340282366920938463463374607431768211456 addresses"),
            "{all}"
        );
        let half = p("::/1").unwrap_err().to_string();
        assert!(
            half.contains("has 170141183460469231731687303715884105728 addresses"),
            "{half}"
        );
        assert!(p("10.0.0.0/7")
            .unwrap_err()
            .to_string()
            .contains("has 33554432 addresses"));
    }

    #[test]
    fn list_strips_a_utf8_bom() {
        let got = list("\u{feff}192.0.2.1\nexample.org\n");
        let texts: Vec<String> = got.into_iter().map(|r| r.unwrap().text).collect();
        assert_eq!(texts, vec!["192.0.2.1", "example.org"]);
        // Only at the start of the input: elsewhere it is not a target.
        assert!(list("example.org\n\u{feff}192.0.2.1\n")[1].is_err());
    }

    #[test]
    fn range_cap_applies_unless_raised() {
        assert!(p("10.0.0.0/8").is_ok());
        let err = p("10.0.0.0/7").unwrap_err();
        assert_eq!(
            err,
            TargetError::RangeTooLarge {
                range: "10.0.0.0/7".parse().unwrap(),
                count: RangeSize::of(&"10.0.0.0/7".parse().unwrap()),
                cap: DEFAULT_RANGE_CAP
            }
        );
        assert!(err.to_string().contains("--allow-large"));
        assert!(matches!(
            p("::/0"),
            Err(TargetError::RangeTooLarge { count, .. }) if count.get().is_none()
        ));
        let large = ParseOptions {
            range_cap: u128::MAX,
            ..ParseOptions::default()
        };
        assert!(parse_target("::/0", &large).is_ok());
    }

    #[test]
    fn range_expansion_is_lazy_and_complete() {
        let net: IpNet = "192.0.2.0/30".parse().unwrap();
        let all: Vec<IpAddr> = RangeIter::new(&net).collect();
        let want: Vec<IpAddr> = ["192.0.2.0", "192.0.2.1", "192.0.2.2", "192.0.2.3"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(all, want);
        // A /8 and even ::/0 are iterated without materialising anything.
        let big: IpNet = "10.0.0.0/8".parse().unwrap();
        let mut it = RangeIter::new(&big);
        assert_eq!(it.nth(16_777_215), Some("10.255.255.255".parse().unwrap()));
        assert_eq!(it.next(), None);
        let all6: IpNet = "::/0".parse().unwrap();
        let mut it = RangeIter::new(&all6);
        assert_eq!(it.next(), Some("::".parse().unwrap()));
        assert_eq!(it.next(), Some("::1".parse().unwrap()));
        let top: IpNet = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"
            .parse()
            .unwrap();
        assert_eq!(RangeIter::new(&top).count(), 2);
        let one: IpNet = "192.0.2.9/32".parse().unwrap();
        assert_eq!(
            RangeIter::new(&one).collect::<Vec<_>>(),
            vec!["192.0.2.9".parse::<IpAddr>().unwrap()]
        );
        assert_eq!(range_len(&big), 1 << 24);
    }

    fn list(input: &str) -> Vec<Result<SourcedTarget, ListError>> {
        TargetList::new(input.as_bytes(), "t.txt", ParseOptions::default()).collect()
    }

    #[test]
    fn list_skips_blank_lines_and_comments() {
        let got = list("# header\n\nexample.org  # a domain\n  192.0.2.1\n\n[::1]:25\n");
        let texts: Vec<String> = got.into_iter().map(|r| r.unwrap().text).collect();
        assert_eq!(texts, vec!["example.org", "192.0.2.1", "[::1]:25"]);
    }

    #[test]
    fn list_accepts_zmap_output_plain_and_csv() {
        let plain: Vec<_> = list("192.0.2.1\n192.0.2.2\n")
            .into_iter()
            .map(|r| r.unwrap().target)
            .collect();
        assert_eq!(plain.len(), 2);
        let csv: Vec<_> = list("saddr\n192.0.2.1\n192.0.2.2\n")
            .into_iter()
            .map(|r| r.unwrap().target)
            .collect();
        assert_eq!(
            csv,
            vec![
                Target::Addr {
                    ip: "192.0.2.1".parse().unwrap(),
                    port: None
                },
                Target::Addr {
                    ip: "192.0.2.2".parse().unwrap(),
                    port: None
                }
            ]
        );
        let multi: Vec<_> = list("sport,saddr,success\n25,192.0.2.5,1\n")
            .into_iter()
            .map(|r| r.unwrap().text)
            .collect();
        assert_eq!(multi, vec!["192.0.2.5"]);
    }

    #[test]
    fn list_errors_name_the_line_and_reason() {
        let got = list("example.org\n\nnot a target\n");
        let err = got.into_iter().nth(1).unwrap().unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("t.txt:3: \"not a target\": invalid name"),
            "{msg}"
        );
        let long = format!("{}\nexample.org\n", "a".repeat(MAX_LINE_LEN + 1));
        let got = list(&long);
        assert!(matches!(
            got.first(),
            Some(Err(ListError::TooLong { line: 1, .. }))
        ));
        assert_eq!(got.get(1).unwrap().as_ref().unwrap().text, "example.org");
    }
}
