//! Helpers shared by the report's integration tests: DANE sections on synthetic records and
//! the count of one row of a built report.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cert_audit::sender::{Delivery, DnssecStatus, State};
use mxray_report::tables::Report;
use mxray_schema::dane::{DaneInfo, DnssecAnswer, TlsaRecord};
use mxray_schema::record::{EndpointRecord, Finding, FindingSource, Severity};

/// A DNSSEC answer with `status` and NOERROR.
pub fn answer(status: DnssecStatus) -> DnssecAnswer {
    DnssecAnswer {
        status,
        rcode: Some("NOERROR".into()),
        reason: None,
    }
}

/// `r` with a `dane` section: every answer `s`, one DANE-EE SPKI SHA-256 record, `state` and
/// `delivery`; a deferral also carries the `dane-no-match` finding, as the engine writes it.
pub fn with_dane(
    mut r: EndpointRecord,
    s: DnssecStatus,
    state: State,
    delivery: Delivery,
) -> EndpointRecord {
    r.dane = Some(DaneInfo {
        mx: Some(answer(s)),
        address: answer(s),
        tlsa_name: "_25._tcp.mx.example".into(),
        tlsa: answer(s),
        records: vec![TlsaRecord {
            usage: 3,
            selector: 1,
            matching_type: 1,
            data: "00".repeat(32),
        }],
        records_dropped: 0,
        tlsa_ttl: Some(300),
        state,
        delivery,
    });
    if delivery == Delivery::Defer {
        r.findings.push(Finding::new(
            "dane-no-match",
            FindingSource::Dane,
            Severity::Critical,
            "none matches",
        ));
    }
    r
}

/// The count of row `key` of table `table`; panics when the table or the row is missing.
pub fn row(report: &Report, table: &str, key: &str) -> u64 {
    row_counts(report, table, key).0
}

/// The count and the denominator of row `key` of table `table`; panics when the table or the
/// row is missing.
pub fn row_counts(report: &Report, table: &str, key: &str) -> (u64, u64) {
    let r = report
        .sections
        .iter()
        .flat_map(|s| &s.tables)
        .find(|t| t.id == table)
        .unwrap_or_else(|| panic!("no table {table}"))
        .rows
        .iter()
        .find(|r| r.key == key)
        .unwrap_or_else(|| panic!("no row {key} in {table}"));
    (r.count, r.total)
}
