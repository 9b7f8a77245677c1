//! Name checks against the fixtures: MX host, mail domain, mismatch, wildcard, IP, CN-only.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code
mod common;

use std::net::IpAddr;

use cert_audit::{audit, AuditInput, FindingId, NameMatch};
use common::*;

fn names_of(leaf: &str, mx: Option<&str>, domain: Option<&str>) -> cert_audit::AuditReport {
    let c = chain(&[leaf, "int"]);
    let mut input = AuditInput::new(&c, NOW);
    input.mx_host = mx;
    input.domain = domain;
    audit(&input, &test_store())
}

#[test]
fn mx_host_match() {
    let r = names_of("leaf-good", Some("MX.example.test."), Some("example.test"));
    assert_eq!(r.names.result, NameMatch::MxHost);
    assert_eq!(r.names.mx_host_matches, Some(true));
    assert_eq!(r.names.domain_matches, Some(false));
    assert_eq!(r.names.matched_name.as_deref(), Some("mx.example.test"));
    assert!(!r.has(FindingId::NameMismatch));
}

#[test]
fn mail_domain_match() {
    let r = names_of("leaf-ec", Some("other.example.test"), Some("example.test"));
    assert_eq!(r.names.result, NameMatch::MailDomain);
    assert_eq!(r.names.mx_host_matches, Some(false));
    assert!(!r.has(FindingId::NameMismatch));
}

#[test]
fn mismatch_lists_the_names_found() {
    let r = names_of("leaf-wronghost", Some(MX), Some(DOMAIN));
    assert_eq!(r.names.result, NameMatch::Mismatch);
    assert_eq!(
        r.names.dns_names,
        vec!["other.example.org", "www.other.example.org"]
    );
    let f = r
        .findings_with(FindingId::NameMismatch)
        .next()
        .expect("finding");
    assert!(f.message.contains("other.example.org"), "{}", f.message);
}

#[test]
fn no_names_given_is_not_checked() {
    let r = names_of("leaf-wronghost", None, None);
    assert_eq!(r.names.result, NameMatch::NotChecked);
    assert!(!r.has(FindingId::NameMismatch));
}

#[test]
fn wildcard_matches_one_label_not_the_apex() {
    let r = names_of("leaf-wildcard", Some(MX), None);
    assert_eq!(r.names.result, NameMatch::MxHost);
    assert!(r.names.wildcard);
    assert!(r.has(FindingId::Wildcard));
    assert!(!names_of("leaf-good", Some(MX), None).has(FindingId::Wildcard));
    assert_eq!(
        names_of("leaf-wildcard", None, Some(DOMAIN)).names.result,
        NameMatch::Mismatch
    );
    assert_eq!(
        names_of("leaf-wildcard", Some("a.mx.example.test"), None)
            .names
            .result,
        NameMatch::Mismatch
    );
}

#[test]
fn ip_sans_match_ip_references_only() {
    let r = names_of("leaf-ip", Some("192.0.2.25"), None);
    assert_eq!(r.names.result, NameMatch::MxHost);
    let v6: IpAddr = "2001:db8::25".parse().unwrap();
    assert!(r.names.ip_addresses.contains(&v6));
    assert_eq!(
        names_of("leaf-ip", Some("[2001:db8:0::25]"), None)
            .names
            .result,
        NameMatch::MxHost
    );
    assert_eq!(
        names_of("leaf-ip", Some("192.0.2.26"), None).names.result,
        NameMatch::Mismatch
    );
    // A host name never matches IP entries, and an IP never matches DNS entries.
    assert_eq!(
        names_of("leaf-ip", Some("mail"), None).names.result,
        NameMatch::Mismatch
    );
    assert_eq!(
        names_of("leaf-good", Some("192.0.2.25"), None).names.result,
        NameMatch::Mismatch
    );
}

#[test]
fn cn_only_has_no_fallback_and_is_a_finding() {
    let r = names_of("leaf-cn-only", Some(MX), Some(DOMAIN));
    assert_eq!(r.names.result, NameMatch::Mismatch, "no CN fallback");
    assert!(r.names.cn_only);
    assert_eq!(r.names.common_name.as_deref(), Some("mx.example.test"));
    assert!(r.has(FindingId::CnOnly));
    assert!(r.has(FindingId::NameMismatch));
    assert!(!names_of("leaf-good", Some(MX), None).has(FindingId::CnOnly));
}

#[test]
fn no_names_at_all() {
    // rcgen: a certificate with neither SAN nor CN.
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "No Names Inc");
    let c = params.self_signed(&key).unwrap();
    let chain = vec![c.der().clone()];
    let r = audit(&AuditInput::new(&chain, NOW).mx_host(MX), &test_store());
    assert!(r.has(FindingId::NoNames));
    assert!(!r.has(FindingId::CnOnly));
    assert!(!names_of("leaf-good", Some(MX), None).has(FindingId::NoNames));
    assert!(!names_of("leaf-cn-only", Some(MX), None).has(FindingId::NoNames));
}

#[test]
fn for_names_equals_a_fresh_audit_for_the_other_names() {
    // A report made for one MX host / domain, redone for another: the same as auditing the
    // chain for those names (the name check and the name-mismatch finding follow the names).
    let cases: [(Option<&str>, Option<&str>); 5] = [
        (Some("MX.example.test."), Some("example.test")),
        (Some("other.example.test"), Some("example.test")),
        (Some(MX), Some(DOMAIN)),
        (Some("nothing.invalid"), Some("nothing.invalid")),
        (None, None),
    ];
    for leaf in ["leaf-good", "leaf-ec", "leaf-wronghost"] {
        for (from_mx, from_domain) in cases {
            let first = names_of(leaf, from_mx, from_domain);
            for (mx, domain) in cases {
                assert_eq!(
                    first.for_names(mx, domain),
                    names_of(leaf, mx, domain),
                    "{leaf}: {from_mx:?}/{from_domain:?} -> {mx:?}/{domain:?}"
                );
            }
        }
    }
}
