//! cert-audit: arbitrary bytes split into a chain (and optional TLSA records) never panic.
//!
//! Input format: byte 0 = flags (bit 0: the first chunk holds TLSA records; bits 1-2 pick the
//! time; bit 3 picks [`SMALL`] limits, which reach every refusal in a few KiB; bit 4 turns on
//! `all_lints`, so the CA/B Forum issuance lints run on untrusted chains too), then chunks of `u16 big-endian length || bytes` (a short last chunk takes what is
//! left), at most 24 chunks so the 16-certificate limit is exercised too. TLSA chunk: records
//! of `u8 length || RDATA`.
#![no_main]

use std::sync::OnceLock;

use cert_audit::{audit, AuditInput, CertificateDer, Limits, Tlsa, TrustClass, TrustStore};
use libfuzzer_sys::fuzz_target;

static ROOT: &[u8] = include_bytes!("../../cert-audit/tests/fixtures/root.pem");

/// Limits small enough that a few real certificates (about 1 KiB each) or filler chunks break
/// each of them: 3 certificates, 2,500 bytes each, 6,000 in all, 2 TLSA records.
const SMALL: Limits = Limits {
    max_chain_len: 3,
    max_chain_bytes: 6000,
    max_cert_bytes: 2500,
    max_tlsa_records: 2,
};

fn store() -> &'static TrustStore {
    static STORE: OnceLock<TrustStore> = OnceLock::new();
    STORE.get_or_init(|| TrustStore::from_pem(ROOT).unwrap_or_else(|_| TrustStore::webpki_roots()))
}

fn chunks(mut data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while out.len() < 24 {
        let Some((len, rest)) = data.split_first_chunk::<2>() else {
            break;
        };
        let len = usize::from(u16::from_be_bytes(*len));
        let (chunk, rest) = rest.split_at(len.min(rest.len()));
        out.push(chunk);
        data = rest;
    }
    out
}

fn tlsa_records(mut data: &[u8]) -> Vec<Tlsa> {
    let mut out = Vec::new();
    while let Some((len, rest)) = data.split_first() {
        let (rdata, rest) = rest.split_at(usize::from(*len).min(rest.len()));
        if let Ok(t) = Tlsa::from_rdata(rdata) {
            out.push(t);
        }
        data = rest;
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((flags, rest)) = data.split_first() else {
        return;
    };
    let mut parts = chunks(rest);
    let tlsa = if flags & 1 == 1 && !parts.is_empty() {
        tlsa_records(parts.remove(0))
    } else {
        Vec::new()
    };
    let now = match (flags >> 1) & 3 {
        0 => 1_748_736_000,
        1 => 0,
        2 => u64::MAX,
        _ => 1_900_000_000,
    };
    let chain: Vec<CertificateDer<'_>> = parts.into_iter().map(CertificateDer::from).collect();
    let limits = if flags & 8 == 8 {
        SMALL
    } else {
        Limits::default()
    };
    let input = AuditInput::new(&chain, now)
        .all_lints(flags & 16 == 16)
        .limits(limits)
        .mx_host("mx.example.test")
        .domain("example.test")
        .tlsa(&tlsa);
    let report = audit(&input, store());
    assert!(report.certificates.len() <= chain.len());
    // A chain past a limit is refused before any certificate is parsed.
    if limits.check(chain.iter().map(|c| c.len())).is_err() {
        assert!(report.certificates.is_empty());
        assert!(matches!(report.trust, TrustClass::LimitExceeded { .. }));
    }
    if let Some(dane) = &report.dane {
        assert_eq!(
            dane.skipped_records,
            tlsa.len().saturating_sub(limits.max_tlsa_records)
        );
    }
});
