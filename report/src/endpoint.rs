//! What the per-record formats ([`crate::csv_out`], [`crate::sarif`], [`crate::junit`]) share
//! about one endpoint record: where it is (its URI), its worst finding, and the body file they
//! write to. [`crate::records`] drives them; they import only this, not one another.

use std::fmt::Write as _;
use std::fs::File;
use std::io::BufWriter;

use mxray_schema::record::{EndpointRecord, Severity};

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The endpoint's URI: `smtp://IP:PORT` (`smtp://[IPv6]:PORT`), or the target's when the
/// record has no address.
///
/// ```
/// use mxray_schema::record::{EndpointRecord, Profile};
/// let r = EndpointRecord::new("x".into(), Some("2001:db8::1".parse().unwrap()), 25, Profile::Quick);
/// assert_eq!(mxray_report::endpoint::endpoint_uri(&r), "smtp://[2001:db8::1]:25");
/// ```
pub fn endpoint_uri(r: &EndpointRecord) -> String {
    match r.ip {
        Some(std::net::IpAddr::V6(ip)) => format!("smtp://[{ip}]:{}", r.port),
        Some(ip) => format!("smtp://{ip}:{}", r.port),
        None => format!("smtp://{}:{}", encode(&r.target), r.port),
    }
}

/// The worst known severity of a record's findings.
pub fn worst(r: &EndpointRecord) -> Option<Severity> {
    r.findings.iter().filter_map(|f| f.severity()).max()
}

/// The body file's writer.
pub(crate) type Body = BufWriter<File>;
