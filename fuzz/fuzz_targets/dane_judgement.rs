//! DANE as a validating sender judges it: arbitrary DNSSEC statuses, TLS outcomes, times and
//! TLSA records, matched by cert-audit against a real chain (or none) and judged by
//! `cert_audit::sender::judge`, never panic and keep RFC 7672's rules; the trust anchor parser
//! of `mxray scan --trust-anchor` never panics on arbitrary text.
//!
//! Input format: byte 0 = MX status (0 none, 1 secure, 2 insecure, 3 bogus, 4+ indeterminate),
//! byte 1 = address status, byte 2 = TLSA status (1-4 as for byte 0, 0 secure), byte 3 = TLS
//! reach (0 not reached, 1 not offered, 2 failed, 3+ established) and chain (bit 2: the lab's
//! Exim leaf alone; bit 3: leaf-good with its intermediate; neither: no chain), bytes 4-7 = TLSA
//! TTL, bytes 8-15 = the time; then TLSA records as `u8 length || RDATA` (at most 80). When
//! byte 3 has bit 7 set, the rest after byte 3 is a trust anchor file instead; with bits 7 and 6
//! set, bytes 8-15 are the time and the rest after byte 15 a DNSKEY reply (wire format) that a
//! DS trust anchor (the root's, or the lab zone's) must authenticate
//! (`mxray_scan::dane_anchor::authenticate_wire`).
#![no_main]

use cert_audit::sender::{judge, Delivery, DnssecStatus, SenderInput, State, TlsReach};
use cert_audit::{audit, AuditInput, CertificateDer, PemObject, Tlsa, TrustStore};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static EXIM: &[u8] = include_bytes!("../../cert-audit/tests/fixtures/lab-exim.pem");
static LEAF: &[u8] = include_bytes!("../../cert-audit/tests/fixtures/leaf-good.pem");
static INT: &[u8] = include_bytes!("../../cert-audit/tests/fixtures/int.pem");

fn der(pem: &'static [u8]) -> Vec<u8> {
    CertificateDer::pem_slice_iter(pem)
        .next()
        .and_then(Result::ok)
        .map(|c| c.to_vec())
        .unwrap_or_default()
}

fn chains() -> &'static [Vec<Vec<u8>>; 2] {
    static C: OnceLock<[Vec<Vec<u8>>; 2]> = OnceLock::new();
    C.get_or_init(|| [vec![der(EXIM)], vec![der(LEAF), der(INT)]])
}

fn status(b: u8, zero: Option<DnssecStatus>) -> Option<DnssecStatus> {
    match b {
        0 => zero,
        1 => Some(DnssecStatus::Secure),
        2 => Some(DnssecStatus::Insecure),
        3 => Some(DnssecStatus::Bogus),
        _ => Some(DnssecStatus::Indeterminate),
    }
}

fn tlsa_records(mut data: &[u8]) -> Vec<Tlsa> {
    let mut out = Vec::new();
    while let Some((len, rest)) = data.split_first() {
        if out.len() >= 80 {
            break;
        }
        let (rdata, rest) = rest.split_at(usize::from(*len).min(rest.len()));
        if let Ok(t) = Tlsa::from_rdata(rdata) {
            out.push(t);
        }
        data = rest;
    }
    out
}

/// DS anchors: the root's (IANA) and a lab zone's (`ldns-key2ds` output).
fn anchors() -> &'static [(&'static str, mxray_scan::dane::TrustAnchor)] {
    static A: OnceLock<Vec<(&'static str, mxray_scan::dane::TrustAnchor)>> = OnceLock::new();
    A.get_or_init(|| {
        [
            (".", ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n. IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16"),
            ("dane.test.", "dane.test. 3600 IN DS 6417 13 2 77cc8ff10a314f08f8850177c76eba638769b8ab5b00006baab877d258ecbb1d"),
        ]
        .into_iter()
        .filter_map(|(z, t)| Some((z, mxray_scan::dane::parse_trust_anchor(t).ok()?)))
        .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((head, rest)) = data.split_first_chunk::<16>() else {
        return;
    };
    if head[3] & 0xc0 == 0xc0 {
        let now = i64::from_be_bytes([
            head[8], head[9], head[10], head[11], head[12], head[13], head[14], head[15],
        ]);
        for (zone, anchor) in anchors() {
            if let Ok(n) = mxray_scan::dane_anchor::authenticate_wire(zone, anchor.ds(), rest, now)
            {
                assert!(n > 0 && n <= mxray_scan::dane_anchor::MAX_ANCHOR_KEYS);
            }
        }
        return;
    }
    if head[3] & 0x80 != 0 {
        let text = String::from_utf8_lossy(data.get(4..).unwrap_or(&[]));
        let _ = mxray_scan::dane::parse_trust_anchor(&text);
        return;
    }
    let mx = status(head[0], None);
    let address = status(head[1], Some(DnssecStatus::Secure)).unwrap_or(DnssecStatus::Secure);
    let tlsa_status = status(head[2], Some(DnssecStatus::Secure)).unwrap_or(DnssecStatus::Secure);
    let tls = match head[3] & 3 {
        0 => TlsReach::NotReached,
        1 => TlsReach::NotOffered,
        2 => TlsReach::Failed,
        _ => TlsReach::Established,
    };
    let ttl = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
    let now = u64::from_be_bytes([
        head[8], head[9], head[10], head[11], head[12], head[13], head[14], head[15],
    ]);
    let records = tlsa_records(rest);
    let chain: Vec<CertificateDer<'_>> = match (head[3] >> 2) & 3 {
        1 => chains()[0]
            .iter()
            .map(|d| CertificateDer::from(d.as_slice()))
            .collect(),
        2 | 3 => chains()[1]
            .iter()
            .map(|d| CertificateDer::from(d.as_slice()))
            .collect(),
        _ => Vec::new(),
    };
    let secure_path = mx.is_none_or(|s| s == DnssecStatus::Secure)
        && address == DnssecStatus::Secure
        && tlsa_status == DnssecStatus::Secure;
    let report = (!chain.is_empty() && tls == TlsReach::Established).then(|| {
        let used: &[Tlsa] = if secure_path { &records } else { &[] };
        let input = AuditInput::new(&chain, now)
            .mx_host("mx.example.test")
            .domain("example.test")
            .tlsa(used);
        audit(&input, &TrustStore::webpki_roots())
    });
    let input = SenderInput {
        mx,
        address,
        tlsa: tlsa_status,
        tlsa_records: &records,
        tlsa_dropped: usize::from(head[4]),
        tlsa_ttl: Some(ttl),
        tls,
        matching: report.as_ref().and_then(|r| r.dane.as_ref()),
        leaf_not_after: report
            .as_ref()
            .and_then(|r| r.leaf())
            .map(|l| l.not_after_unix),
        now,
    };
    let v = judge(&input);
    let statuses = [mx, Some(address), Some(tlsa_status)];
    // Bogus anywhere: defer, whatever else.
    if statuses.contains(&Some(DnssecStatus::Bogus)) {
        assert_eq!((v.state, v.delivery), (State::Bogus, Delivery::Defer));
    } else if statuses.contains(&Some(DnssecStatus::Indeterminate)) {
        // Never read as insecure or as "no DANE": unknown, or a deferral when only the TLSA
        // lookup failed below secure answers.
        assert_eq!(v.state, State::Indeterminate);
        assert!(matches!(v.delivery, Delivery::Unknown | Delivery::Defer));
    }
    // Authenticated only with a secure path and a matching record.
    if v.delivery == Delivery::Authenticated {
        assert!(secure_path && !records.is_empty());
        assert!(input.matching.is_some_and(|m| m.authenticated));
    }
    if records.is_empty() {
        assert!(!v.state.dane_applies());
    }
    if v.state.dane_applies() {
        assert!(secure_path);
    }
});
