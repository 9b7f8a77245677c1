//! cert-audit: audit of a 3-certificate chain (test root / intermediate / leaf fixtures) against a
//! custom store holding the root, and the parts of that cost: with Mozilla's store (path building
//! fails fast), and with TLSA records (DANE-EE and DANE-TA).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use cert_audit::{audit, AuditInput, CertificateDer, PemObject, Tlsa, TrustStore};
use criterion::{criterion_group, criterion_main, Criterion};
use sha2::{Digest, Sha256};

const NOW: u64 = 1_748_736_000;

fn fixture(name: &str) -> CertificateDer<'static> {
    let path = format!(
        "{}/../cert-audit/tests/fixtures/{name}.pem",
        env!("CARGO_MANIFEST_DIR")
    );
    let pem = std::fs::read(path).unwrap();
    CertificateDer::pem_slice_iter(&pem)
        .next()
        .unwrap()
        .unwrap()
}

fn bench(c: &mut Criterion) {
    let chain = vec![fixture("leaf-good"), fixture("int"), fixture("root")];
    let root = std::fs::read(format!(
        "{}/../cert-audit/tests/fixtures/root.pem",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let store = TrustStore::from_pem(&root).unwrap();
    let mozilla = TrustStore::webpki_roots();
    let tlsa = [
        Tlsa::new(3, 0, 1, Sha256::digest(chain[0].as_ref()).to_vec()),
        Tlsa::new(2, 0, 1, Sha256::digest(chain[1].as_ref()).to_vec()),
    ];
    let mut g = c.benchmark_group("cert_audit");
    g.bench_function("audit_3_chain_custom_store", |b| {
        b.iter(|| {
            let input = AuditInput::new(black_box(&chain), NOW)
                .mx_host("mx.example.test")
                .domain("example.test");
            black_box(audit(&input, &store))
        })
    });
    g.bench_function("audit_3_chain_webpki_roots", |b| {
        b.iter(|| {
            let input = AuditInput::new(black_box(&chain), NOW).mx_host("mx.example.test");
            black_box(audit(&input, &mozilla))
        })
    });
    g.bench_function("audit_3_chain_custom_store_dane", |b| {
        b.iter(|| {
            let input = AuditInput::new(black_box(&chain), NOW)
                .mx_host("mx.example.test")
                .tlsa(&tlsa);
            black_box(audit(&input, &store))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
