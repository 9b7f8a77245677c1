//! CSV outputs (RFC 4180, through the `csv` crate): one row per endpoint record, or one row
//! per mail domain. The columns are documented in `docs/OUTPUTS.md`; empty means "not known /
//! not reached".

use std::collections::BTreeMap;
use std::io::{self, Write};

use mxray_schema::record::{EndpointRecord, Severity, StarttlsOutcome, Status};

use crate::aggregate::InputStats;
use crate::endpoint::{worst, Body};

/// Columns of the per-endpoint CSV, in order.
pub const ENDPOINT_COLUMNS: &[&str] = &[
    "target",
    "domain",
    "mx",
    "mx_preference",
    "ip",
    "port",
    "profile",
    "status",
    "error_kind",
    "starttls",
    "tls_version",
    "tls_suite",
    "certificate_trust",
    "findings",
    "worst_severity",
    "finding_ids",
    "shared_from",
];

/// Columns of the per-domain CSV, in order.
pub const DOMAIN_COLUMNS: &[&str] = &[
    "domain",
    "endpoints",
    "completed",
    "starttls_ready",
    "tls_ok",
    "findings",
    "worst_severity",
    "mta_sts",
];

/// The record's fields in [`ENDPOINT_COLUMNS`] order.
///
/// ```
/// use mxray_schema::record::{EndpointRecord, Profile};
/// let r = EndpointRecord::new("mx.example".into(), Some("192.0.2.1".parse().unwrap()), 25,
///     Profile::Quick);
/// let row = mxray_report::csv_out::endpoint_row(&r);
/// assert_eq!(row[0], "mx.example");
/// assert_eq!(row[4], "192.0.2.1");
/// assert_eq!(row[7], "failed");
/// ```
pub fn endpoint_row(r: &EndpointRecord) -> Vec<String> {
    let hs = r.tls.as_ref().and_then(|t| t.handshake.as_ref());
    let ok_hs = hs.filter(|h| h.ok);
    let ids: Vec<&str> = r.findings.iter().map(|f| f.id.as_str()).collect();
    vec![
        r.target.clone(),
        r.domain.clone().unwrap_or_default(),
        r.mx.as_ref().map(|m| m.host.clone()).unwrap_or_default(),
        r.mx.as_ref()
            .and_then(|m| m.preference)
            .map(|p| p.to_string())
            .unwrap_or_default(),
        r.ip.map(|ip| ip.to_string()).unwrap_or_default(),
        r.port.to_string(),
        r.profile.as_str().to_owned(),
        r.status.as_str().to_owned(),
        r.error
            .as_ref()
            .map(|e| e.kind.as_str().to_owned())
            .unwrap_or_default(),
        r.starttls
            .as_ref()
            .map(|s| s.outcome.as_str().to_owned())
            .unwrap_or_default(),
        ok_hs.and_then(|h| h.version.clone()).unwrap_or_default(),
        ok_hs
            .and_then(|h| h.suite.as_ref())
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        r.certificate
            .as_ref()
            .map(|c| c.trust.as_str().to_owned())
            .unwrap_or_default(),
        r.findings.len().to_string(),
        worst(r)
            .map(Severity::as_str)
            .unwrap_or_default()
            .to_owned(),
        ids.join(" "),
        r.shared_from.clone().unwrap_or_default(),
    ]
}

/// Writes the per-endpoint CSV, row by row, into a body file.
#[derive(Debug)]
pub struct EndpointWriter {
    w: csv::Writer<Body>,
}

/// A CSV writer (RFC 4180, CRLF line ends) on `out`.
fn writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out)
}

impl EndpointWriter {
    /// A writer without the header row.
    pub fn new(out: Body) -> Self {
        Self { w: writer(out) }
    }

    fn header(&mut self) -> io::Result<()> {
        Ok(self.w.write_record(ENDPOINT_COLUMNS)?)
    }

    /// Adds the row of one record.
    pub fn row(&mut self, r: &EndpointRecord) -> io::Result<()> {
        Ok(self.w.write_record(endpoint_row(r))?)
    }

    /// Flushes the rows; returns the body.
    pub fn finish(mut self) -> io::Result<Body> {
        self.w.flush()?;
        self.w.into_inner().map_err(|e| e.into_error())
    }

    /// A writer with the header row written.
    pub fn with_header(out: Body) -> io::Result<Self> {
        let mut w = Self::new(out);
        w.header()?;
        Ok(w)
    }
}

/// Counters of one domain.
#[derive(Debug, Default, Clone)]
struct DomainRow {
    endpoints: u64,
    completed: u64,
    starttls_ready: u64,
    tls_ok: u64,
    findings: u64,
    worst: Option<Severity>,
    mta_sts: Option<&'static str>,
}

/// The per-domain CSV: counters per mail domain (records without a domain are not in it).
#[derive(Debug)]
pub struct Domains {
    rows: BTreeMap<String, DomainRow>,
    max: usize,
    dropped: u64,
}

impl Domains {
    /// Keeps at most `max` domains.
    pub fn new(max: usize) -> Self {
        Self {
            rows: BTreeMap::new(),
            max,
            dropped: 0,
        }
    }

    /// Counts one record in its domain's row.
    pub fn add(&mut self, r: &EndpointRecord, input: &mut InputStats) {
        let Some(domain) = r.domain.as_deref() else {
            return;
        };
        if !self.rows.contains_key(domain) && self.rows.len() >= self.max {
            if self.dropped == 0 {
                input.note(format!(
                    "more than {} domains: the per-domain CSV leaves out the rest",
                    self.max
                ));
            }
            self.dropped = self.dropped.saturating_add(1);
            return;
        }
        let row = self.rows.entry(domain.to_owned()).or_default();
        row.endpoints = row.endpoints.saturating_add(1);
        if r.status == Status::Completed {
            row.completed = row.completed.saturating_add(1);
        }
        if r.starttls.as_ref().is_some_and(|s| {
            matches!(
                s.outcome,
                StarttlsOutcome::Ready | StarttlsOutcome::ImplicitTls
            )
        }) {
            row.starttls_ready = row.starttls_ready.saturating_add(1);
        }
        if r.tls
            .as_ref()
            .and_then(|t| t.handshake.as_ref())
            .is_some_and(|h| h.ok)
        {
            row.tls_ok = row.tls_ok.saturating_add(1);
        }
        row.findings = row
            .findings
            .saturating_add(u64::try_from(r.findings.len()).unwrap_or(u64::MAX));
        row.worst = row.worst.max(worst(r));
        if r.mta_sts.is_some() && row.mta_sts.is_none() {
            row.mta_sts = Some(crate::domain::sts_label(r.mta_sts.as_ref()));
        }
    }

    /// Records of domains past the limit.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Writes the CSV document (header, then domains in byte order) to `out`.
    pub fn finish(self, out: &mut Body) -> io::Result<()> {
        let mut w = writer(out);
        w.write_record(DOMAIN_COLUMNS)?;
        for (d, row) in self.rows {
            w.write_record([
                d,
                row.endpoints.to_string(),
                row.completed.to_string(),
                row.starttls_ready.to_string(),
                row.tls_ok.to_string(),
                row.findings.to_string(),
                row.worst
                    .map(Severity::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                row.mta_sts.unwrap_or("not_looked_up").to_owned(),
            ])?;
        }
        w.flush()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use mxray_schema::record::{Finding, FindingSource, MxInfo, Profile};
    use proptest::prelude::*;
    use std::io::{Read, Seek, SeekFrom};

    fn body() -> Body {
        Body::new(crate::input::temp_file().unwrap())
    }

    fn text(b: Body) -> String {
        let mut f = b.into_inner().unwrap();
        f.seek(SeekFrom::Start(0)).unwrap();
        let mut s = String::new();
        f.read_to_string(&mut s).unwrap();
        s
    }

    fn read_back(text: &str) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect()
    }

    proptest! {
        /// Whatever the strings, a row written reads back as the same fields.
        #[test]
        fn endpoint_rows_round_trip(
            target in any::<String>(),
            mx in "\\PC{0,40}",
            id in any::<String>(),
            port in any::<u16>(),
        ) {
            let mut r = EndpointRecord::new(target, None, port, Profile::Full);
            r.mx = Some(MxInfo { host: mx, preference: Some(port), implicit: false });
            r.findings.push(Finding::new(id, FindingSource::Tls, Severity::Low, "m"));
            let mut w = EndpointWriter::with_header(body()).unwrap();
            w.row(&r).unwrap();
            let rows = read_back(&text(w.finish().unwrap()));
            prop_assert_eq!(rows.len(), 2);
            prop_assert_eq!(&rows[0], &ENDPOINT_COLUMNS.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
            prop_assert_eq!(&rows[1], &endpoint_row(&r));
        }
    }

    #[test]
    fn domains_past_the_limit_are_left_out_and_said() {
        let mut d = Domains::new(2);
        let mut input = InputStats::default();
        for name in ["c.test", "a.test", "b.test", "a.test", "d.test"] {
            let mut r = EndpointRecord::new(name.into(), None, 25, Profile::Quick);
            r.domain = Some(name.into());
            d.add(&r, &mut input);
        }
        assert_eq!(d.dropped(), 2);
        assert_eq!(input.problems.len(), 1);
        assert!(input.problems[0].contains("more than 2 domains"));
        let mut b = body();
        d.finish(&mut b).unwrap();
        let rows = read_back(&text(b));
        let names: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(names, ["domain", "a.test", "c.test"]);
        assert_eq!(rows[1][1], "2");
    }
}
