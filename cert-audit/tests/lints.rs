//! The baseline lints (module `lints`): each fires on a certificate made to break it and not on
//! the clean fixture chain.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code
mod common;

use cert_audit::{audit, AuditInput, AuditReport, CertificateDer, FindingId as F, Severity};
use common::*;
use rcgen::{
    CertificateParams, DnType, ExtendedKeyUsagePurpose, KeyPair, KeyUsagePurpose, SanType,
    SerialNumber,
};

const GOOD: &[&str] = &["leaf-good", "int"];

/// Audits one rcgen leaf, made from `edit`ed default params (SAN mx.example.test, CN the same,
/// EKU serverAuth, CRL location), self-signed with P-256.
fn rc(edit: impl FnOnce(&mut CertificateParams)) -> AuditReport {
    rc_key(KeyPair::generate().unwrap(), edit)
}

fn rc_key(key: KeyPair, edit: impl FnOnce(&mut CertificateParams)) -> AuditReport {
    let mut p = CertificateParams::new(vec![MX.to_string()]).unwrap();
    p.distinguished_name.push(DnType::CommonName, MX);
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.crl_distribution_points = vec![rcgen::CrlDistributionPoint {
        uris: vec!["http://crl.example.test/ca.crl".to_string()],
    }];
    edit(&mut p);
    let cert = p.self_signed(&key).unwrap();
    let chain: Vec<CertificateDer<'static>> = vec![cert.der().clone()];
    audit(
        &AuditInput::new(&chain, NOW).mx_host(MX).all_lints(true),
        &test_store(),
    )
}

/// Audits fixtures with every lint on (the test store is private).
fn all(names: &[&str]) -> AuditReport {
    let c = chain(names);
    audit(
        &AuditInput::new(&c, NOW)
            .mx_host(MX)
            .domain(DOMAIN)
            .all_lints(true),
        &test_store(),
    )
}

fn severity(r: &AuditReport, id: F) -> Option<Severity> {
    r.findings.iter().find(|f| f.id == id).map(|f| f.severity)
}

#[test]
fn the_clean_baselines_raise_no_lint() {
    let r = all(GOOD);
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    let r = rc(|_| {});
    for id in [
        F::MissingSan,
        F::CnNotInSan,
        F::SanDnsInvalid,
        F::SanIdnInvalid,
        F::SanBadTld,
        F::SanOtherType,
        F::EkuMissing,
        F::EkuExtra,
        F::LeafKeyUsageCa,
        F::KeyUsageMismatch,
        F::NoRevocationInfo,
        F::SerialTooLong,
        F::TimeEncoding,
        F::EcCurveNotAllowed,
    ] {
        assert!(!r.has(id), "{id:?}: {:#?}", r.findings);
    }
}

#[test]
fn names_in_the_san() {
    let r = rc(|p| p.subject_alt_names.clear());
    assert!(r.has(F::MissingSan));
    let r = rc(|p| {
        p.distinguished_name = rcgen::DistinguishedName::new();
        p.distinguished_name
            .push(DnType::CommonName, "other.example.test");
    });
    assert!(r.has(F::CnNotInSan));
    for bad in [
        "mx_1.example.org",
        "mx 1.example.org",
        "-mx.example.org",
        "mx-.example.org",
        "mx..example.org",
    ] {
        let r = rc(|p| p.subject_alt_names = vec![SanType::DnsName(bad.try_into().unwrap())]);
        assert_eq!(
            severity(&r, F::SanDnsInvalid),
            Some(Severity::Medium),
            "{bad}"
        );
    }
    let long_label = format!("{}.example.org", "a".repeat(64));
    let r = rc(|p| p.subject_alt_names = vec![SanType::DnsName(long_label.try_into().unwrap())]);
    assert!(r.has(F::SanDnsInvalid));
    let ok_label = format!("{}.example.org", "a".repeat(63));
    let r = rc(|p| p.subject_alt_names = vec![SanType::DnsName(ok_label.try_into().unwrap())]);
    assert!(!r.has(F::SanDnsInvalid), "a 63-octet label is allowed");
}

#[test]
fn idn_and_public_suffixes() {
    let r = rc(|p| {
        p.subject_alt_names = vec![SanType::DnsName(
            "xn--mnchen-3ya.example.org".try_into().unwrap(),
        )]
    });
    assert!(!r.has(F::SanIdnInvalid), "{:#?}", r.findings);
    let r = rc(|p| {
        p.subject_alt_names = vec![SanType::DnsName("xn--a.example.org".try_into().unwrap())]
    });
    assert!(r.has(F::SanIdnInvalid));
    let r = rc(|p| p.subject_alt_names = vec![SanType::DnsName("*.co.uk".try_into().unwrap())]);
    assert_eq!(severity(&r, F::WildcardPublicSuffix), Some(Severity::High));
    let r =
        rc(|p| p.subject_alt_names = vec![SanType::DnsName("*.example.co.uk".try_into().unwrap())]);
    assert!(!r.has(F::WildcardPublicSuffix));
    for bad in ["mail.corp.lan", "co.uk"] {
        let r = rc(|p| p.subject_alt_names = vec![SanType::DnsName(bad.try_into().unwrap())]);
        assert!(r.has(F::SanBadTld), "{bad}");
    }
    let r =
        rc(|p| p.subject_alt_names = vec![SanType::DnsName("mx.example.org".try_into().unwrap())]);
    assert!(!r.has(F::SanBadTld));
}

#[test]
fn addresses_and_other_entries_in_the_san() {
    let r = rc(|p| {
        p.subject_alt_names
            .push(SanType::IpAddress("10.0.0.25".parse().unwrap()))
    });
    assert!(r.has(F::SanReservedIp));
    let r = rc(|p| {
        p.subject_alt_names
            .push(SanType::IpAddress("192.0.43.10".parse().unwrap()))
    });
    assert!(!r.has(F::SanReservedIp));
    let r = rc(|p| {
        p.subject_alt_names.push(SanType::Rfc822Name(
            "postmaster@example.test".try_into().unwrap(),
        ))
    });
    let f = r.findings.iter().find(|f| f.id == F::SanOtherType).unwrap();
    assert!(
        f.message.contains("email:postmaster@example.test"),
        "{}",
        f.message
    );
}

#[test]
fn key_usages_and_extended_key_usages() {
    let r = rc(|p| p.key_usages.push(KeyUsagePurpose::KeyCertSign));
    assert!(r.has(F::LeafKeyUsageCa));
    // P-256 cannot encipher keys.
    let r = rc(|p| p.key_usages.push(KeyUsagePurpose::KeyEncipherment));
    assert!(r.has(F::KeyUsageMismatch));
    let r = rc(|p| p.extended_key_usages.clear());
    assert!(r.has(F::EkuMissing));
    let r = rc(|p| {
        p.extended_key_usages
            .push(ExtendedKeyUsagePurpose::CodeSigning)
    });
    assert!(r.has(F::EkuExtra));
    let r = rc(|p| {
        p.extended_key_usages
            .push(ExtendedKeyUsagePurpose::ClientAuth)
    });
    assert!(!r.has(F::EkuExtra), "clientAuth is allowed");
}

#[test]
fn revocation_and_issuer_locations() {
    let r = rc(|p| p.crl_distribution_points.clear());
    assert_eq!(severity(&r, F::NoRevocationInfo), Some(Severity::Info));
    // Incomplete chain: leaf-rsa1024 has no caIssuers URL, leaf-good has one.
    assert!(all(&["leaf-rsa1024"]).has(F::NoAiaCaIssuers));
    assert!(!all(&["leaf-good"]).has(F::NoAiaCaIssuers));
    // Complete chain: nothing to fetch.
    assert!(!all(&["leaf-rsa1024", "int"]).has(F::NoAiaCaIssuers));
}

#[test]
fn serial_length_boundary_is_20_octets() {
    let r = rc(|p| p.serial_number = Some(SerialNumber::from_slice(&[0x11; 20])));
    assert!(!r.has(F::SerialTooLong), "{:#?}", r.findings);
    let r = rc(|p| p.serial_number = Some(SerialNumber::from_slice(&[0x11; 21])));
    assert!(r.has(F::SerialTooLong));
}

#[test]
fn time_encoding() {
    let r = all(&["lint-gentime"]);
    let f = r.findings.iter().find(|f| f.id == F::TimeEncoding).unwrap();
    assert!(f.message.contains("notBefore"), "{}", f.message);
    assert!(!all(&["selfsigned"]).has(F::TimeEncoding));
    // A UTCTime without its 'Z': refused by the parser, as by a strict client; the leaf is
    // unparseable, not an extra certificate.
    let r = all(&["lint-time-noz"]);
    assert!(r.has(F::UnparseableCertificate), "{:#?}", r.findings);
    assert!(!r.has(F::ExtraCertificate), "{:#?}", r.findings);
}

#[test]
fn key_lints() {
    assert_eq!(
        severity(&all(&["lint-dsa"]), F::DsaKey),
        Some(Severity::High)
    );
    assert!(all(&["leaf-ec192", "int"]).has(F::EcCurveNotAllowed));
    assert!(!all(&["leaf-ec", "int"]).has(F::EcCurveNotAllowed));
    let r = all(&["lint-rsa-e3"]);
    assert_eq!(severity(&r, F::RsaExponent), Some(Severity::Low));
    assert!(r.has(F::RsaModulusSize));
    assert_eq!(
        severity(&all(&["lint-close-primes"]), F::RsaClosePrimes),
        Some(Severity::Critical)
    );
    let good = all(GOOD);
    for id in [
        F::RsaExponent,
        F::RsaModulusSize,
        F::RsaClosePrimes,
        F::DsaKey,
    ] {
        assert!(!good.has(id), "{id:?}");
    }
}

#[test]
fn every_finding_has_a_reference() {
    for id in F::ALL {
        assert!(id.reference().len() > 10, "{id:?}");
    }
}

#[test]
fn issuance_rules_bind_public_cas_only() {
    // A reserved IP under a private CA: not reported by default, reported with all_lints.
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(vec![MX.to_string()]).unwrap();
    p.subject_alt_names
        .push(SanType::IpAddress("10.0.0.25".parse().unwrap()));
    let cert = p.self_signed(&key).unwrap();
    let chain = vec![cert.der().clone()];
    let store = test_store();
    let quiet = audit(&AuditInput::new(&chain, NOW).mx_host(MX), &store);
    assert!(!quiet.has(F::SanReservedIp), "{:#?}", quiet.findings);
    assert!(!quiet.has(F::NoRevocationInfo));
    let loud = audit(
        &AuditInput::new(&chain, NOW).mx_host(MX).all_lints(true),
        &store,
    );
    assert!(loud.has(F::SanReservedIp));
    // Key strength applies to every chain, all_lints or not.
    assert!(run(&["lint-close-primes"]).has(F::RsaClosePrimes));
    assert!(!run(&["lint-rsa-e3"]).has(F::RsaModulusSize));
    assert!(run(&["lint-rsa-e3"]).has(F::RsaExponent));
}

/// The issuance lints bind a chain only when a public store trusts it: a public store that does
/// not hold the CA, or a private store that does, leaves them out (unless `all_lints`).
#[test]
fn issuance_rules_need_both_a_public_store_and_a_trusted_chain() {
    use cert_audit::{TrustClass, TrustStore};
    use rcgen::{BasicConstraints, IsCa, Issuer};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec![MX.to_string()]).unwrap();
    leaf.subject_alt_names
        .push(SanType::IpAddress("10.0.0.25".parse().unwrap()));
    let leaf_cert = leaf
        .signed_by(&leaf_key, &Issuer::from_params(&ca, &ca_key))
        .unwrap();
    let chain = vec![leaf_cert.der().clone()];
    let holding = || TrustStore::from_der_certs([ca_cert.der().as_ref()]).unwrap();
    let other_key = KeyPair::generate().unwrap();
    let mut other = CertificateParams::new(Vec::<String>::new()).unwrap();
    other.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let other_cert = other.self_signed(&other_key).unwrap();
    let not_holding = TrustStore::from_der_certs([other_cert.der().as_ref()]).unwrap();
    // NOW lies inside rcgen's default validity (1975 to 4096).
    let now = NOW;
    let judge = |store: &TrustStore| {
        let r = audit(&AuditInput::new(&chain, now).mx_host(MX), store);
        let reported = r.has(F::SanReservedIp);
        (r.trust, reported)
    };
    assert_eq!(
        judge(&holding().with_public(true)),
        (TrustClass::Trusted, true)
    );
    assert_eq!(
        judge(&holding().with_public(false)),
        (TrustClass::Trusted, false)
    );
    let (trust, reported) = judge(&not_holding.with_public(true));
    assert_ne!(trust, TrustClass::Trusted);
    assert!(!reported);
}

#[test]
fn time_encoding_switches_at_2050_exactly() {
    // rcgen writes UTCTime for 1950-2049 and GeneralizedTime from 2050, as RFC 5280 wants.
    let y2050 = rcgen::date_time_ymd(2050, 1, 1);
    let r = rc(|p| p.not_after = y2050);
    assert_eq!(r.leaf().unwrap().not_after_unix, 2_524_608_000);
    assert!(
        !r.has(F::TimeEncoding),
        "2050-01-01T00:00:00Z: {:#?}",
        r.findings
    );
    let last_utc = rcgen::date_time_ymd(2049, 12, 31) + std::time::Duration::from_secs(86_399);
    let r = rc(|p| p.not_after = last_utc);
    assert_eq!(r.leaf().unwrap().not_after_unix, 2_524_607_999);
    assert!(
        !r.has(F::TimeEncoding),
        "2049-12-31T23:59:59Z: {:#?}",
        r.findings
    );
}

/// The leaf-good fixture (RSA) with `replace` written `offset` bytes into the one occurrence of
/// `find`, audited with every lint (its signature no longer verifies; the lints do not care).
fn patched_leaf_good(find: &[u8], offset: usize, replace: &[u8]) -> AuditReport {
    let mut der = cert("leaf-good").as_ref().to_vec();
    let at: Vec<usize> = (0..der.len() - find.len())
        .filter(|&i| der[i..i + find.len()] == *find)
        .collect();
    assert_eq!(at.len(), 1, "one {find:02x?} in the fixture");
    der[at[0] + offset..at[0] + offset + replace.len()].copy_from_slice(replace);
    let chain = vec![CertificateDer::from(der)];
    audit(
        &AuditInput::new(&chain, NOW).mx_host(MX).all_lints(true),
        &test_store(),
    )
}

/// leaf-good with its RSA public exponent 65537 (`02 03 01 00 01`) replaced.
fn with_exponent(e: [u8; 3]) -> AuditReport {
    patched_leaf_good(&[0x02, 0x03, 0x01, 0x00, 0x01], 2, &e)
}

#[test]
fn rsa_exponent_even_is_broken_and_odd_from_65537_is_fine() {
    let r = with_exponent([0x01, 0x00, 0x02]);
    assert_eq!(r.leaf().unwrap().key.exponent, Some(65_538));
    assert_eq!(severity(&r, F::RsaExponent), Some(Severity::Critical));
    let r = with_exponent([0x01, 0x00, 0x03]);
    assert_eq!(r.leaf().unwrap().key.exponent, Some(65_539));
    assert!(!r.has(F::RsaExponent), "{:#?}", r.findings);
    let r = with_exponent([0x01, 0x00, 0x01]);
    assert!(!r.has(F::RsaExponent));
}

#[test]
fn fermat_is_tried_up_to_its_bit_limit_and_on_odd_moduli_only() {
    use cert_audit::lints::{fermat_factor, FERMAT_MAX_BITS};
    use num_bigint::BigUint;
    // n = (a - 1)(a + 1) = a^2 - 1 with a = 2^k: odd, k*2 bits, found at the first step.
    let n_of = |bits: u32| {
        let a = BigUint::from(1u32) << (bits / 2);
        (&a * &a - 1u32).to_bytes_be()
    };
    assert_eq!(BigUint::from_bytes_be(&n_of(FERMAT_MAX_BITS)).bits(), 8192);
    assert_eq!(fermat_factor(&n_of(FERMAT_MAX_BITS), 1), Some(1));
    let over = n_of(FERMAT_MAX_BITS + 2);
    assert_eq!(BigUint::from_bytes_be(&over).bits(), 8194);
    assert_eq!(fermat_factor(&over, 1), None, "over the limit: not tried");
    // Even numbers are not tried: 16 = 4 * 4 would otherwise be "found".
    assert_eq!(fermat_factor(&[16], 10), None);
    assert_eq!(fermat_factor(&[0x01, 0x00], 10), None);
    // 1 and 0 are no factorisation.
    assert_eq!(fermat_factor(&[1], 10), None);
    assert_eq!(fermat_factor(&[], 10), None);
    // A square: a = sqrt(n) exactly, b = 0 at once (9 = 3 * 3, 49 = 7 * 7).
    assert_eq!(fermat_factor(&[9], 1), Some(1));
    assert_eq!(fermat_factor(&[49], 1), Some(1));
    // A prime: the only factorisation Fermat finds is 1 * n (7 = (4 - 3)(4 + 3)), none.
    assert_eq!(fermat_factor(&[7], 10), None);
    assert_eq!(fermat_factor(&[101], 100), None);
    // 33 = 3 * 11 = (7 - 4)(7 + 4), at the second step (a = 6, then 7).
    assert_eq!(fermat_factor(&[33], 10), Some(2));
    // 15 = 3 * 5: a = 4, b = 1 at once.
    assert_eq!(fermat_factor(&[15], 1), Some(1));
    // 7 * 17 = 119: a starts at 11 (11^2 = 121), b^2 = 2, 12^2 - 119 = 25: the second step.
    assert_eq!(fermat_factor(&[119], 1), None);
    assert_eq!(fermat_factor(&[119], 2), Some(2));
}

/// leaf-good with its keyUsage (digitalSignature, keyEncipherment: BIT STRING `03 02 05 a0`
/// after the extension's OID and critical flag) replaced by digitalSignature, keyEncipherment,
/// keyAgreement (`03 02 03 a8`).
fn rsa_leaf_with_key_agreement() -> AuditReport {
    let ku = [
        0x06, 0x03, 0x55, 0x1d, 0x0f, 0x01, 0x01, 0xff, 0x04, 0x04, 0x03, 0x02, 0x05, 0xa0,
    ];
    patched_leaf_good(&ku, 12, &[0x03, 0xa8])
}

#[test]
fn key_usage_misfits_follow_the_key_type() {
    use cert_audit::KeyAlgorithm;
    // RSA can encipher keys (the clean fixture) but not agree on them.
    let r = rsa_leaf_with_key_agreement();
    assert_eq!(r.leaf().unwrap().key.algorithm, KeyAlgorithm::Rsa);
    assert!(r.has(F::KeyUsageMismatch), "{:#?}", r.findings);
    assert!(!all(GOOD).has(F::KeyUsageMismatch));
    // Ed25519 signs only.
    let ed = |usage: KeyUsagePurpose| {
        rc_key(KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap(), |p| {
            p.key_usages.push(usage)
        })
    };
    let r = ed(KeyUsagePurpose::KeyAgreement);
    assert_eq!(r.leaf().unwrap().key.algorithm, KeyAlgorithm::Ed25519);
    assert!(r.has(F::KeyUsageMismatch), "{:#?}", r.findings);
    assert!(ed(KeyUsagePurpose::KeyEncipherment).has(F::KeyUsageMismatch));
    assert!(!ed(KeyUsagePurpose::DigitalSignature).has(F::KeyUsageMismatch));
    // P-256 may agree on keys.
    assert!(!rc(|p| p.key_usages.push(KeyUsagePurpose::KeyAgreement)).has(F::KeyUsageMismatch));
}

#[test]
fn dns_name_length_limits_are_inclusive() {
    use cert_audit::lints::dns_name_problem;
    let label63 = "a".repeat(63);
    assert_eq!(dns_name_problem(&format!("{label63}.example")), None);
    assert!(dns_name_problem(&format!("a{label63}.example"))
        .unwrap()
        .contains("64 octets"));
    // 253 octets: 63 + 1 + 63 + 1 + 63 + 1 + 61.
    let name253 = format!("{label63}.{label63}.{label63}.{}", "b".repeat(61));
    assert_eq!(name253.len(), 253);
    assert_eq!(dns_name_problem(&name253), None);
    let name254 = format!("{name253}b");
    assert!(dns_name_problem(&name254).unwrap().contains("254 octets"));
}

#[test]
fn reserved_ranges_each_named_with_their_edges() {
    use cert_audit::lints::reserved_range;
    let inside = [
        ("0.1.2.3", "0.0.0.0/8, this network"),
        ("10.255.255.255", "10.0.0.0/8, private"),
        ("100.64.0.0", "100.64.0.0/10, shared address space"),
        ("100.127.255.255", "100.64.0.0/10, shared address space"),
        ("127.0.0.1", "127.0.0.0/8, loopback"),
        ("169.254.1.1", "169.254.0.0/16, link local"),
        ("172.16.0.1", "172.16.0.0/12, private"),
        ("172.31.255.255", "172.16.0.0/12, private"),
        ("192.0.0.8", "192.0.0.0/24, IETF protocol assignments"),
        ("192.0.2.25", "192.0.2.0/24, documentation"),
        ("192.88.99.1", "192.88.99.0/24, 6to4 relay anycast"),
        ("192.168.1.1", "192.168.0.0/16, private"),
        ("198.18.0.1", "198.18.0.0/15, benchmarking"),
        ("198.19.255.255", "198.18.0.0/15, benchmarking"),
        ("198.51.100.7", "198.51.100.0/24, documentation"),
        ("203.0.113.9", "203.0.113.0/24, documentation"),
        ("224.0.0.1", "224.0.0.0/4, multicast"),
        ("239.255.255.255", "224.0.0.0/4, multicast"),
        ("240.0.0.1", "240.0.0.0/4, reserved"),
        ("255.255.255.255", "240.0.0.0/4, reserved"),
        ("::", "::/128, unspecified"),
        ("::1", "::1/128, loopback"),
        ("fc00::1", "fc00::/7, unique local"),
        ("fdff::1", "fc00::/7, unique local"),
        ("fe80::1", "fe80::/10, link local"),
        ("febf::1", "fe80::/10, link local"),
        ("ff02::1", "ff00::/8, multicast"),
        ("2001:db8::25", "2001:db8::/32, documentation"),
        ("100::1", "100::/64, discard only"),
        (
            "64:ff9b::192.0.43.10",
            "64:ff9b::/96, IPv4/IPv6 translation",
        ),
        ("2002:c000:22b::1", "2002::/16, 6to4"),
        ("2001:1ff::1", "2001::/23, IETF protocol assignments"),
        ("::ffff:10.0.0.1", "::ffff:0:0/96, IPv4-mapped reserved"),
    ];
    for (ip, range) in inside {
        assert_eq!(reserved_range(ip.parse().unwrap()), Some(range), "{ip}");
    }
    let outside = [
        "1.0.0.1",
        "11.0.0.1",
        "100.63.255.255",
        "100.128.0.0",
        "126.255.255.255",
        "169.253.1.1",
        "172.15.255.255",
        "172.32.0.0",
        "192.0.1.1",
        "192.0.3.1",
        "192.88.98.1",
        "192.167.1.1",
        "198.17.255.255",
        "198.20.0.0",
        "198.51.101.1",
        "203.0.114.1",
        "223.255.255.255",
        "2001:db9::1",
        "2001:200::1",
        "fbff::1",
        "fec0::1",
        "fe00::1",
        "100:0:0:1::1",
        "64:ff9a::1",
        "2003::1",
        "2a00:1450::1",
        "::ffff:8.8.8.8",
    ];
    for ip in outside {
        assert_eq!(reserved_range(ip.parse().unwrap()), None, "{ip}");
    }
}
