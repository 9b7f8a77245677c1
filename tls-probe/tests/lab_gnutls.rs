//! Lab tests against the lab's gnutls-serv instances (4443: 512-bit DH prime, 4444: +NULL).
//! Need MXRAY_LAB.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use common::*;
use tls_probe::plan::hellos::HelloOptions;
use tls_probe::plan::params::{DhClass, DhProbe};
use tls_probe::plan::suites::{SuiteProbe, SuiteScanConfig};
use tls_probe::plan::Plan;
use tls_probe::runner::run;
use tls_probe::Version;

/// The priority string of lab/gnutls/start-gnutls.sh for 4443.
const WEAK: &str = "NORMAL:+VERS-TLS1.0:+VERS-TLS1.1:+ARCFOUR-128:+3DES-CBC:+MD5:+SHA1:+ANON-DH:+ANON-ECDH:+DHE-RSA:+RSA:%VERIFY_ALLOW_SIGN_WITH_SHA1";

/// `gnutls-cli --list --priority P`: (suite id, minimum version) of the suites an RSA-certificate server can use.
fn gnutls_list(priority: &str) -> Vec<(u16, String)> {
    let _ = lab();
    let out = Command::new("gnutls-cli")
        .args(["--list", "--priority", priority])
        .output()
        .expect("gnutls-cli runs");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("TLS_") && !l.contains("ECDSA"))
        .filter_map(|l| {
            let id = *parse_hex_pairs(l).first()?;
            let min = l.split_whitespace().last()?.to_string();
            Some((id, min))
        })
        .collect()
}

#[test]
fn enumerated_set_equals_gnutls_priority_list() {
    let list = gnutls_list(WEAK);
    assert!(list.len() > 30, "{list:?}");
    let mut plan = Plan::new(SuiteProbe::new(SuiteScanConfig::default()));
    let stats = run(&mut plan, || connect(4443));
    let res = plan.result();
    let got = |v: Version| {
        res.version(v)
            .map(|x| x.suites.iter().map(|s| s.id).collect::<BTreeSet<_>>())
            .unwrap_or_default()
    };
    let want = |pred: &dyn Fn(&str) -> bool| {
        list.iter()
            .filter(|(_, m)| pred(m))
            .map(|(id, _)| *id)
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(got(Version::Tls13), want(&|m| m == "TLS1.3"));
    assert_eq!(got(Version::Tls12), want(&|m| m != "TLS1.3"));
    assert_eq!(
        got(Version::Tls11),
        want(&|m| m == "TLS1.0" || m == "SSL3.0")
    );
    assert_eq!(
        got(Version::Tls10),
        want(&|m| m == "TLS1.0" || m == "SSL3.0")
    );
    assert!(
        !res.version(Version::Ssl3).unwrap().supported,
        "GnuTLS 3.7 has no SSL 3"
    );
    // RC4 and 3DES are there.
    assert!(got(Version::Tls10).contains(&0x0005) && got(Version::Tls10).contains(&0x000a));
    println!(
        "pairs={} connections={}",
        res.pairs().len(),
        stats.connections
    );
    assert!(
        stats.connections < 171,
        "sslscan needed 171 connections for the same 78 pairs"
    );
}

#[test]
fn weak_dh_512_on_4443_and_1024_on_4444() {
    let versions = [Version::Tls12, Version::Tls11, Version::Tls10];
    let mut p = Plan::new(DhProbe::new(HelloOptions::default(), &versions));
    run(&mut p, || connect(4443));
    let r = p.result();
    let seen = r.without_ffdhe.expect("DHE accepted");
    assert_eq!((seen.prime_bits, seen.class), (512, DhClass::Bits512));
    // With FFDHE groups offered, GnuTLS switches to ffdhe2048 and hides the weak prime.
    assert_eq!(
        r.with_ffdhe.expect("DHE accepted with FFDHE").prime_bits,
        2048
    );

    let mut p = Plan::new(DhProbe::new(HelloOptions::default(), &versions));
    run(&mut p, || connect(4444));
    assert_eq!(
        p.result().without_ffdhe.expect("DHE accepted").prime_bits,
        1024
    );
}
