//! Lab tests against the tlslite-ng SMTP server on 2530 (STARTTLS; SSLv3, RC4, 3DES, DH 512).
//! The STARTTLS preamble is done by hand (tests/common). Need MXRAY_LAB.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use tls_probe::plan::hellos::HelloOptions;
use tls_probe::plan::params::{DhClass, DhProbe};
use tls_probe::plan::suites::{SuiteProbe, SuiteScanConfig};
use tls_probe::plan::versions::VersionProbe;
use tls_probe::plan::Plan;
use tls_probe::runner::run;
use tls_probe::weakness::{weaknesses, Weakness};
use tls_probe::Version;

#[test]
fn sslv3_is_detected_over_starttls() {
    let _ = lab();
    let mut p = Plan::new(VersionProbe::for_versions(
        HelloOptions::default(),
        &[Version::Ssl2, Version::Ssl3, Version::Tls13],
    ));
    run(&mut p, || smtp_starttls(2530));
    let r = p.result();
    let sup = |v| r.iter().find(|x| x.version == v).unwrap().supported;
    assert!(!sup(Version::Ssl2));
    assert!(sup(Version::Ssl3));
    assert!(sup(Version::Tls13));
    assert!(weaknesses(&r, None, None, None).contains(&Weakness::Sslv3Poodle));
}

#[test]
fn dh_512_needs_a_hello_without_ffdhe() {
    let _ = lab();
    let mut p = Plan::new(DhProbe::new(HelloOptions::default(), &[Version::Tls12]));
    run(&mut p, || smtp_starttls(2530));
    let r = p.result();
    let seen = r.without_ffdhe.expect("DHE accepted");
    assert_eq!((seen.prime_bits, seen.class), (512, DhClass::Bits512));
    assert_eq!(r.with_ffdhe.expect("DHE with FFDHE").prime_bits, 2048);
}

#[test]
fn sslv3_suites_include_rc4_and_3des() {
    let _ = lab();
    let cfg = SuiteScanConfig {
        versions: vec![Version::Ssl3],
        ..SuiteScanConfig::default()
    };
    let mut p = Plan::new(SuiteProbe::new(cfg));
    let stats = run(&mut p, || smtp_starttls(2530));
    let scan = p.result();
    let ssl3: Vec<u16> = scan
        .version(Version::Ssl3)
        .unwrap()
        .suites
        .iter()
        .map(|s| s.id)
        .collect();
    assert!(
        ssl3.contains(&0x0004) && ssl3.contains(&0x0005),
        "RC4: {ssl3:x?}"
    );
    assert!(ssl3.contains(&0x000a), "3DES: {ssl3:x?}");
    let w = weaknesses(&[], Some(&scan), None, None);
    assert!(
        w.iter().any(|x| matches!(x, Weakness::Rc4(_)))
            && w.iter().any(|x| matches!(x, Weakness::Sweet32(_)))
    );
    println!(
        "SSLv3 suites={} connections={}",
        ssl3.len(),
        stats.connections
    );
}
