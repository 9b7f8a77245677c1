//! The issue-8 connection bound against the lab's Postfix (2525, Debian's default TLS settings):
//! the version probe and the suite scan together, the version probe's picks reused, enumerate
//! the same (version, suite) set as sslscan in at most k + 2·versions + 2 connections. Needs
//! MXRAY_LAB.
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
use tls_probe::plan::suites::{SuiteProbe, SuiteScanConfig};
use tls_probe::plan::versions::VersionProbe;
use tls_probe::plan::Plan;
use tls_probe::runner::run;

const POSTFIX: u16 = 2525;

#[test]
fn postfix_enumeration_matches_sslscan_within_k_plus_two_per_version_plus_two() {
    let _ = lab();
    let mut vplan = Plan::new(VersionProbe::new(Default::default()));
    let vstats = run(&mut vplan, || smtp_starttls(POSTFIX));
    assert_eq!(vstats.connect_failures, 0);
    let cfg = SuiteScanConfig::after_version_probe(&vplan.result());
    let supported = cfg.versions.clone();
    assert!(!supported.is_empty(), "Postfix accepted no version");
    let mut plan = Plan::new(SuiteProbe::new(cfg));
    let stats = run(&mut plan, || smtp_starttls(POSTFIX));
    assert_eq!(stats.connect_failures, 0);
    let ours: BTreeSet<_> = plan.result().pairs().into_iter().collect();

    let out = Command::new("sslscan")
        .args(["--no-colour", "--starttls-smtp", "--xml=-"])
        .arg(format!("127.0.0.1:{POSTFIX}"))
        .output()
        .expect("sslscan is installed by lab/install.sh");
    let theirs = sslscan_pairs(&String::from_utf8_lossy(&out.stdout));
    assert!(!theirs.is_empty(), "sslscan found nothing: {out:?}");
    assert_eq!(ours, theirs);

    let k = ours.len() as u32;
    let total = vstats.connections + stats.connections;
    let bound = k + 2 * supported.len() as u32 + 2;
    eprintln!(
        "postfix: {k} pairs, {} versions, {total} connections (bound {bound})",
        supported.len()
    );
    assert!(
        total <= bound,
        "{total} connections > {bound} for {k} pairs"
    );
}
