//! The corpus of the comparison with pkilint (`tests/pkilint/compare.py`), and cert-audit's
//! lint ids for it.
//!
//! ```sh
//! cargo run -p cert-audit --example lint_corpus -- write DIR     # one PEM leaf per case
//! cargo run -p cert-audit --example lint_corpus -- audit FILE...  # "FILE<TAB>id,id,..." per file
//! ```
//!
//! `write` makes, with rcgen, a leaf for each lint's positive case and its negative twin, named
//! under a public TLD (`example.com`) so that names are not internal by accident. `audit` audits
//! each file's first certificate alone with every lint on ([`AuditInput::all_lints`]).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // a developer tool

use std::path::Path;

use cert_audit::{audit, AuditInput, CertificateDer, PemObject, TrustStore};
use rcgen::{
    CertificateParams, CrlDistributionPoint, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
    KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};

const MX: &str = "mx.example.com";
/// 2025-06-01, inside every case's validity.
const NOW: u64 = 1_748_736_000;

fn base() -> CertificateParams {
    let mut p = CertificateParams::new(vec![MX.to_string()]).unwrap();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, MX);
    p.distinguished_name = dn;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.crl_distribution_points = vec![CrlDistributionPoint {
        uris: vec!["http://crl.example.com/ca.crl".to_string()],
    }];
    p.not_before = rcgen::date_time_ymd(2025, 1, 1);
    p.not_after = rcgen::date_time_ymd(2025, 12, 1);
    p
}

fn dns(name: &str) -> SanType {
    SanType::DnsName(name.try_into().unwrap())
}

/// How a case's params differ from [`base`].
type Edit = Box<dyn Fn(&mut CertificateParams)>;

/// (file name, edit).
fn cases() -> Vec<(&'static str, Edit)> {
    vec![
        ("clean", Box::new(|_| {})),
        ("no-san", Box::new(|p| p.subject_alt_names.clear())),
        (
            "cn-not-in-san",
            Box::new(|p| {
                p.distinguished_name = DistinguishedName::new();
                p.distinguished_name
                    .push(DnType::CommonName, "other.example.com");
            }),
        ),
        (
            "dns-underscore",
            Box::new(|p| p.subject_alt_names = vec![dns("mx_1.example.com")]),
        ),
        (
            "dns-hyphen-edge",
            Box::new(|p| p.subject_alt_names = vec![dns("-mx.example.com")]),
        ),
        (
            "dns-empty-label",
            Box::new(|p| p.subject_alt_names = vec![dns("mx..example.com")]),
        ),
        (
            "dns-label-64",
            Box::new(|p| {
                p.subject_alt_names = vec![dns(&format!("{}.example.com", "a".repeat(64)))]
            }),
        ),
        (
            "dns-label-63",
            Box::new(|p| {
                p.subject_alt_names = vec![dns(&format!("{}.example.com", "a".repeat(63)))]
            }),
        ),
        (
            "idn-invalid",
            Box::new(|p| p.subject_alt_names = vec![dns("xn--a.example.com")]),
        ),
        (
            "idn-valid",
            Box::new(|p| p.subject_alt_names = vec![dns("xn--mnchen-3ya.example.com")]),
        ),
        (
            "tld-internal",
            Box::new(|p| p.subject_alt_names = vec![dns("mail.corp.lan")]),
        ),
        (
            "wildcard-public-suffix",
            Box::new(|p| p.subject_alt_names = vec![dns("*.co.uk")]),
        ),
        (
            "wildcard-registered",
            Box::new(|p| p.subject_alt_names = vec![dns("*.example.co.uk")]),
        ),
        (
            "ip-reserved",
            Box::new(|p| {
                p.subject_alt_names
                    .push(SanType::IpAddress("10.0.0.25".parse().unwrap()));
            }),
        ),
        (
            "ip-public",
            Box::new(|p| {
                p.subject_alt_names
                    .push(SanType::IpAddress("192.0.43.10".parse().unwrap()));
            }),
        ),
        (
            "san-email",
            Box::new(|p| {
                p.subject_alt_names.push(SanType::Rfc822Name(
                    "postmaster@example.com".try_into().unwrap(),
                ));
            }),
        ),
        (
            "ku-certsign",
            Box::new(|p| p.key_usages.push(KeyUsagePurpose::KeyCertSign)),
        ),
        (
            "ku-ec-keyencipherment",
            Box::new(|p| p.key_usages.push(KeyUsagePurpose::KeyEncipherment)),
        ),
        ("eku-absent", Box::new(|p| p.extended_key_usages.clear())),
        (
            "eku-codesigning",
            Box::new(|p| {
                p.extended_key_usages
                    .push(ExtendedKeyUsagePurpose::CodeSigning)
            }),
        ),
        (
            "eku-clientauth",
            Box::new(|p| {
                p.extended_key_usages
                    .push(ExtendedKeyUsagePurpose::ClientAuth)
            }),
        ),
        (
            "no-revocation",
            Box::new(|p| p.crl_distribution_points.clear()),
        ),
        (
            "serial-20",
            Box::new(|p| p.serial_number = Some(SerialNumber::from_slice(&[0x11; 20]))),
        ),
        (
            "serial-21",
            Box::new(|p| p.serial_number = Some(SerialNumber::from_slice(&[0x11; 21]))),
        ),
        (
            "validity-398",
            Box::new(|p| {
                p.not_before = rcgen::date_time_ymd(2025, 1, 1);
                p.not_after = p.not_before + std::time::Duration::from_secs(398 * 86_400 - 1);
            }),
        ),
        (
            "validity-399",
            Box::new(|p| {
                p.not_before = rcgen::date_time_ymd(2025, 1, 1);
                p.not_after = p.not_before + std::time::Duration::from_secs(399 * 86_400);
            }),
        ),
    ]
}

fn write(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, edit) in cases() {
        let key = KeyPair::generate().unwrap();
        let mut p = base();
        edit(&mut p);
        let cert = p.self_signed(&key).unwrap();
        std::fs::write(dir.join(format!("{name}.pem")), cert.pem()).unwrap();
    }
}

fn audit_files(files: &[String]) {
    // Mozilla's roots: the corpus is self-signed, so nothing is trusted; all_lints reports all.
    let store = TrustStore::webpki_roots();
    for f in files {
        let pem = std::fs::read(f).unwrap();
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
            .take(1)
            .collect::<Result<_, _>>()
            .unwrap();
        let report = audit(
            &AuditInput::new(&chain, NOW).mx_host(MX).all_lints(true),
            &store,
        );
        let mut ids: Vec<&str> = report.findings.iter().map(|f| f.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        println!("{f}\t{}", ids.join(","));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.split_first() {
        Some((cmd, [dir])) if cmd == "write" => write(Path::new(dir)),
        Some((cmd, rest)) if cmd == "audit" => audit_files(rest),
        _ => {
            eprintln!("usage: lint_corpus write DIR | lint_corpus audit FILE...");
            std::process::exit(2);
        }
    }
}
