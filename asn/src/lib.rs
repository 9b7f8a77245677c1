//! mxray's AS and country lookups (`--asn-db`): which autonomous system and country an address
//! belongs to, for the report's per-AS and per-country tables, the scan's `network` field and
//! the lab's senders.
//!
//! Two open formats are read, told apart by their content (not by the file name):
//!
//! - **MaxMind DB** (`.mmdb`: GeoLite2-ASN, GeoLite2-Country or -City, DB-IP's ASN and country
//!   lite files, anything with the same field names), through the `maxminddb` crate. The file
//!   is checked whole when it is opened ([`maxminddb::Reader::verify`]), so a damaged database
//!   is refused at the start, not met half-way through a report. Fields read:
//!   `autonomous_system_number`, `autonomous_system_organization`, `country.iso_code` (else
//!   `registered_country.iso_code`).
//! - **The iptoasn.com TSV** (`ip2asn-v4.tsv`, `ip2asn-v6.tsv`, `ip2asn-combined.tsv`, and
//!   `ip2asn-v4-u32.tsv` whose addresses are 32-bit integers): one range a line,
//!   `range_start TAB range_end TAB AS_number TAB country_code TAB AS_description`. The ranges
//!   `AS_number` 0 (`Not routed`) cover nothing. Blank lines and lines starting with `#` are
//!   skipped; any other line that is not five (or four, without a description) such fields, a
//!   range whose end is before its start or of two families, and ranges that overlap are errors
//!   that name the file and line.
//!
//! Either may be **gzip-compressed** (as iptoasn.com publishes its files): a file starting with
//! the gzip magic is decompressed first, up to [`MAX_DB_BYTES`]. Several files may be given
//! (e.g. GeoLite2-ASN and GeoLite2-Country): an address's AS comes from the first file that has
//! one, its country from the first that has one.
//!
//! An address that no file covers gets `None`: the report counts it as `unknown`, it is never
//! dropped.
//!
//! ```
//! use mxray_asn::AsnDb;
//!
//! let tsv = "192.0.2.0\t192.0.2.255\t64500\tDE\tExample Net\n\
//!            198.51.100.0\t198.51.100.255\t0\tNone\tNot routed\n";
//! let db = AsnDb::from_bytes("test.tsv", tsv.as_bytes().to_vec()).unwrap();
//! let n = db.lookup("192.0.2.7".parse().unwrap()).unwrap();
//! assert_eq!((n.asn, n.country.as_deref()), (Some(64500), Some("DE")));
//! assert_eq!(n.as_org.as_deref(), Some("Example Net"));
//! assert!(db.lookup("198.51.100.1".parse().unwrap()).is_none(), "not routed");
//! assert!(db.lookup("203.0.113.1".parse().unwrap()).is_none(), "not covered");
//!
//! let bad = AsnDb::from_bytes("bad.tsv", b"192.0.2.9\t192.0.2.1\t1\tDE\tx\n".to_vec());
//! assert_eq!(bad.unwrap_err().to_string(), "bad.tsv:1: the range ends before it starts");
//! ```

#![forbid(unsafe_code)]

pub mod tsv;

use std::io::Read;
use std::net::IpAddr;
use std::path::Path;

use mxray_schema::network::{Network, MAX_ORG_CHARS};

/// Largest database read (after decompression), in bytes. The largest open databases
/// (GeoLite2-City, the iptoasn combined TSV) are well under it.
pub const MAX_DB_BYTES: u64 = 512 * 1024 * 1024;

/// What is wrong with an AS database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AsnError {
    /// The file cannot be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file (or its decompressed content) is larger than [`MAX_DB_BYTES`].
    #[error("{path}: larger than {limit} bytes (after decompression)")]
    TooLarge {
        /// The file.
        path: String,
        /// The limit.
        limit: u64,
    },
    /// The gzip stream is damaged.
    #[error("{path}: not a valid gzip stream: {source}")]
    Gzip {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A line of a TSV file is malformed.
    #[error("{path}:{line}: {what}")]
    Tsv {
        /// The file.
        path: String,
        /// The line (1-based).
        line: u64,
        /// What is wrong.
        what: String,
    },
    /// The MaxMind DB file is malformed.
    #[error("{path}: not a valid MaxMind DB file: {message}")]
    Mmdb {
        /// The file.
        path: String,
        /// The reader's message (with the offset where it has one).
        message: String,
    },
    /// The file holds no range at all.
    #[error("{path}: no address range in the file (neither a MaxMind DB nor an iptoasn TSV)")]
    Empty {
        /// The file.
        path: String,
    },
}

/// The marker that starts a MaxMind DB file's metadata section (searched in the last 128 KiB).
const MMDB_MARKER: &[u8] = b"\xab\xcd\xefMaxMind.com";

/// One opened database.
enum Source {
    Mmdb(Box<maxminddb::Reader<Vec<u8>>>),
    Tsv(tsv::RangeTable),
}

/// One or more AS/country databases, looked up in order.
pub struct AsnDb {
    sources: Vec<(String, Source)>,
}

impl std::fmt::Debug for AsnDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.sources.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("AsnDb").field("files", &names).finish()
    }
}

/// The kind of a database file, by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// A MaxMind DB file.
    Mmdb,
    /// An iptoasn.com TSV file.
    Tsv,
}

/// The kind of `bytes` (already decompressed): a MaxMind DB file has its metadata marker in the
/// last 128 KiB; anything else is read as TSV.
pub fn detect(bytes: &[u8]) -> Kind {
    let tail = bytes.len().saturating_sub(128 * 1024);
    let hay = bytes.get(tail..).unwrap_or_default();
    if hay.windows(MMDB_MARKER.len()).any(|w| w == MMDB_MARKER) {
        Kind::Mmdb
    } else {
        Kind::Tsv
    }
}

fn gunzip(name: &str, bytes: &[u8]) -> Result<Vec<u8>, AsnError> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(MAX_DB_BYTES.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|source| AsnError::Gzip {
            path: name.to_owned(),
            source,
        })?;
    if out.len() as u64 > MAX_DB_BYTES {
        return Err(AsnError::TooLarge {
            path: name.to_owned(),
            limit: MAX_DB_BYTES,
        });
    }
    Ok(out)
}

fn open_source(name: &str, bytes: Vec<u8>) -> Result<Source, AsnError> {
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        gunzip(name, &bytes)?
    } else {
        bytes
    };
    match detect(&bytes) {
        Kind::Mmdb => {
            let mmdb = |e: maxminddb::MaxMindDbError| AsnError::Mmdb {
                path: name.to_owned(),
                message: e.to_string(),
            };
            let reader = maxminddb::Reader::from_source(bytes).map_err(mmdb)?;
            reader.verify().map_err(mmdb)?;
            Ok(Source::Mmdb(Box::new(reader)))
        }
        Kind::Tsv => {
            let table = tsv::parse(name, &bytes)?;
            if table.is_empty() {
                return Err(AsnError::Empty {
                    path: name.to_owned(),
                });
            }
            Ok(Source::Tsv(table))
        }
    }
}

/// An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) as the IPv4 address it stands for.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// A country code as written in the record: two ASCII letters, upper case; anything else
/// (`None`, `Unknown`, `ZZ`-style placeholders are kept only when two letters) is no country.
pub fn country_code(s: &str) -> Option<String> {
    let s = s.trim();
    (s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic())).then(|| s.to_ascii_uppercase())
}

/// An organisation name as kept: trimmed, at most [`MAX_ORG_CHARS`] characters, none when
/// empty.
pub fn org_name(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.chars().take(MAX_ORG_CHARS).collect())
}

fn mmdb_lookup(r: &maxminddb::Reader<Vec<u8>>, ip: IpAddr) -> Network {
    let mut n = Network::default();
    // An IPv6 address in an IPv4-only database is an error of the reader: not covered.
    let Ok(res) = r.lookup(ip) else { return n };
    if !res.has_data() {
        return n;
    }
    n.asn = res
        .decode_path::<u32>(&maxminddb::path!["autonomous_system_number"])
        .ok()
        .flatten()
        .filter(|a| *a != 0);
    if n.asn.is_some() {
        n.as_org = res
            .decode_path::<String>(&maxminddb::path!["autonomous_system_organization"])
            .ok()
            .flatten()
            .as_deref()
            .and_then(org_name);
    }
    n.country = ["country", "registered_country"].iter().find_map(|k| {
        res.decode_path::<String>(&maxminddb::path![*k, "iso_code"])
            .ok()
            .flatten()
            .as_deref()
            .and_then(country_code)
    });
    n
}

impl AsnDb {
    /// Opens the databases at `paths`, in order (each file's kind told by its content).
    pub fn open<P: AsRef<Path>>(paths: &[P]) -> Result<AsnDb, AsnError> {
        let mut sources = Vec::with_capacity(paths.len());
        for p in paths {
            let p = p.as_ref();
            let name = p.display().to_string();
            let f = std::fs::File::open(p).map_err(|source| AsnError::Io {
                path: name.clone(),
                source,
            })?;
            let mut bytes = Vec::new();
            f.take(MAX_DB_BYTES.saturating_add(1))
                .read_to_end(&mut bytes)
                .map_err(|source| AsnError::Io {
                    path: name.clone(),
                    source,
                })?;
            if bytes.len() as u64 > MAX_DB_BYTES {
                return Err(AsnError::TooLarge {
                    path: name,
                    limit: MAX_DB_BYTES,
                });
            }
            let s = open_source(&name, bytes)?;
            sources.push((name, s));
        }
        Ok(AsnDb { sources })
    }

    /// One database from its bytes (`name` is used in error messages).
    pub fn from_bytes(name: &str, bytes: Vec<u8>) -> Result<AsnDb, AsnError> {
        Ok(AsnDb {
            sources: vec![(name.to_owned(), open_source(name, bytes)?)],
        })
    }

    /// The files, in lookup order.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.sources.iter().map(|(n, _)| n.as_str())
    }

    /// The network of `ip`: the AS (number and organisation) of the first database that has
    /// one, the country of the first that has one; `None` when no database covers it.
    pub fn lookup(&self, ip: IpAddr) -> Option<Network> {
        let ip = canonical(ip);
        let mut out = Network::default();
        for (_, s) in &self.sources {
            let n = match s {
                Source::Mmdb(r) => mmdb_lookup(r, ip),
                Source::Tsv(t) => t.lookup(ip).cloned().unwrap_or_default(),
            };
            if out.asn.is_none() && n.asn.is_some() {
                out.asn = n.asn;
                out.as_org = n.as_org;
            }
            if out.country.is_none() {
                out.country = n.country;
            }
            if out.asn.is_some() && out.country.is_some() {
                break;
            }
        }
        (!out.is_empty()).then_some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn gz(b: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzipped_tsv_is_read_like_plain_tsv() {
        let tsv = b"10.0.0.0\t10.0.0.255\t64501\tfr\tSome Org\n";
        let db = AsnDb::from_bytes("x.tsv.gz", gz(tsv)).unwrap();
        let n = db.lookup("10.0.0.3".parse().unwrap()).unwrap();
        assert_eq!(n.asn, Some(64501));
        assert_eq!(n.country.as_deref(), Some("FR"));
        let e = AsnDb::from_bytes("cut.gz", gz(tsv)[..12].to_vec()).unwrap_err();
        assert!(matches!(e, AsnError::Gzip { .. }), "{e}");
        assert!(
            e.to_string().starts_with("cut.gz: not a valid gzip stream"),
            "{e}"
        );
    }

    #[test]
    fn a_damaged_mmdb_is_refused_with_the_reason() {
        // The metadata marker alone, with nothing valid after it.
        let mut b = vec![0u8; 64];
        b.extend_from_slice(MMDB_MARKER);
        b.extend_from_slice(b"\xe0garbage");
        assert_eq!(detect(&b), Kind::Mmdb);
        let e = AsnDb::from_bytes("bad.mmdb", b).unwrap_err();
        assert!(matches!(e, AsnError::Mmdb { .. }), "{e}");
        assert!(
            e.to_string()
                .starts_with("bad.mmdb: not a valid MaxMind DB file: "),
            "{e}"
        );
    }

    #[test]
    fn first_database_with_a_field_wins_and_mapped_addresses_are_ipv4() {
        let asn = AsnDb::from_bytes(
            "a.tsv",
            b"192.0.2.0\t192.0.2.255\t64500\tNone\tA\n".to_vec(),
        )
        .unwrap();
        let cc =
            AsnDb::from_bytes("c.tsv", b"192.0.2.0\t192.0.2.127\t64999\tDE\tB\n".to_vec()).unwrap();
        let db = AsnDb {
            sources: asn.sources.into_iter().chain(cc.sources).collect(),
        };
        let n = db.lookup("::ffff:192.0.2.5".parse().unwrap()).unwrap();
        assert_eq!(n.asn, Some(64500));
        assert_eq!(n.as_org.as_deref(), Some("A"));
        assert_eq!(n.country.as_deref(), Some("DE"));
        let n = db.lookup("192.0.2.200".parse().unwrap()).unwrap();
        assert_eq!((n.asn, n.country), (Some(64500), None));
        assert_eq!(db.files().collect::<Vec<_>>(), ["a.tsv", "c.tsv"]);
    }

    #[test]
    fn country_and_org_are_normalised() {
        assert_eq!(country_code(" de "), Some("DE".into()));
        for bad in ["None", "", "D", "D1", "Unknown"] {
            assert_eq!(country_code(bad), None, "{bad}");
        }
        assert_eq!(org_name("  "), None);
        assert_eq!(
            org_name(&"x".repeat(500)).map(|s| s.chars().count()),
            Some(MAX_ORG_CHARS)
        );
    }

    #[test]
    fn missing_file_says_which() {
        let e = AsnDb::open(&["/nonexistent/asn.tsv"]).unwrap_err();
        assert!(e.to_string().starts_with("/nonexistent/asn.tsv: "), "{e}");
        let e = AsnDb::from_bytes("empty.tsv", b"# nothing\n\n".to_vec()).unwrap_err();
        assert!(matches!(e, AsnError::Empty { .. }), "{e}");
    }
}

/// The README's example, run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
