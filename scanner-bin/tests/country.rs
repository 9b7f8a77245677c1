//! `--country CC --delegation-file FILE`: a "country" made of loopback blocks in a delegation
//! file written by the test, listed by `mxray targets` and `scan --dry-run`, scanned against a
//! server on 127.0.1.1, split by `--shard`, cut by exclusions, refused above the size threshold.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeSet;
use std::net::{IpAddr, TcpListener};

use common::*;
use mxray_schema::record::{ErrorKind, Status};

/// A delegation file in the registries' format: the test country "LO" holds 127.0.1.1 + 6
/// addresses (not a power of two) and a v6 /126; other countries and statuses around it.
const DELEGATED: &str = "\
2|testnic|20260101|7|19830705|20260101|+0000
testnic|*|ipv4|*|5|summary
testnic|*|ipv6|*|1|summary
testnic|LO|asn|64500|1|20260101|allocated|x
testnic|LO|ipv4|127.0.1.1|6|20260101|allocated|x
testnic|XX|ipv4|127.0.2.0|256|20260101|allocated|y
testnic||ipv4|127.0.3.0|256||available|
testnic|LO|ipv4|127.0.4.0|256|20260101|reserved|
testnic|LO|ipv6|fd00::|126|20260101|assigned|x|e-stats
";

fn delegation_file(dir: &str, text: &str) -> Scratch {
    tempdir(dir).file("delegated-testnic-extended-latest", text)
}

fn run(args: &[&str]) -> std::process::Output {
    mxray().args(args).output().unwrap()
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn targets_lists_the_countrys_ranges_and_counts() {
    let f = delegation_file("country-list", DELEGATED);
    let f = f.to_str().unwrap();
    let o = run(&[
        "targets",
        "--country",
        "lo",
        "--delegation-file",
        f,
        "--exclude",
        "127.0.1.4",
    ]);
    assert_exit_ok(&o);
    assert_eq!(
        stdout(&o),
        "# country LO: 5 ranges from 2 registry records, 5 IPv4 and 4 IPv6 addresses \
         (exclusions cut out)\n\
         127.0.1.1/32\t1\n\
         127.0.1.2/31\t2\n\
         127.0.1.5/32\t1\n\
         127.0.1.6/32\t1\n\
         fd00::/126\t4\n\
         # total: 5 entries, 5 IPv4 addresses, 4 IPv6 addresses, 0 names (resolved when scanning)\n"
    );
    // scan --dry-run prints the same, with the other targets first, and sends nothing.
    let o = run(&[
        "scan",
        "192.0.2.0/30",
        "example.org",
        "--country",
        "LO",
        "--delegation-file",
        f,
        "--ip-version",
        "4",
        "--dry-run",
    ]);
    assert_exit_ok(&o);
    assert_eq!(
        stdout(&o),
        "192.0.2.0/30\t4\n\
         example.org\t-\n\
         # country LO: 4 ranges from 2 registry records, 6 IPv4 and 0 IPv6 addresses \
         (exclusions cut out)\n\
         127.0.1.1/32\t1\n\
         127.0.1.2/31\t2\n\
         127.0.1.4/31\t2\n\
         127.0.1.6/32\t1\n\
         # total: 6 entries, 10 IPv4 addresses, 0 IPv6 addresses, 1 names (resolved when scanning)\n"

    );
}

/// Scans the country (IPv4 only) at the port of a server on 127.0.1.1: one record per address
/// of the blocks except the excluded one; the server's record is complete, the others refused.
fn country_scan(extra: &[&str]) -> (u16, Vec<mxray_schema::record::EndpointRecord>) {
    let srv = TestServer::start_on(
        TcpListener::bind("127.0.1.1:0").unwrap(),
        Behaviour::Banner("220 lo.test ESMTP\r\n"),
    );
    let port = srv.addr.port().to_string();
    let f = delegation_file(&format!("country-scan-{}", extra.join("")), DELEGATED);
    let mut args = vec![
        "--country",
        "LO",
        "--delegation-file",
        f.to_str().unwrap(),
        "--ip-version",
        "4",
        "--port",
        &port,
        "--exclude",
        "127.0.1.4/32",
        "--retries",
        "0",
        "--profile",
        "quick",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let o = scan(&args);
    assert_exit_ok(&o);
    (srv.addr.port(), stdout_records(&o))
}

fn ips(recs: &[mxray_schema::record::EndpointRecord]) -> BTreeSet<IpAddr> {
    recs.iter().filter_map(|r| r.ip).collect()
}

#[test]
fn scans_every_address_of_the_country_but_the_excluded() {
    let (port, recs) = country_scan(&[]);
    assert_eq!(recs.len(), 5);
    let want: BTreeSet<IpAddr> = [
        "127.0.1.1",
        "127.0.1.2",
        "127.0.1.3",
        "127.0.1.5",
        "127.0.1.6",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    assert_eq!(ips(&recs), want);
    assert!(recs.iter().all(|r| r.port == port));
    let srv = recs
        .iter()
        .find(|r| r.ip == Some("127.0.1.1".parse().unwrap()))
        .unwrap();
    assert_eq!(srv.status, Status::Completed);
    assert_eq!(srv.banner.as_ref().unwrap().text, "220 lo.test ESMTP\r\n");
    assert_eq!(srv.target, "127.0.1.1/32");
    for r in recs.iter().filter(|r| r.ip != srv.ip) {
        assert_eq!(r.status, Status::Failed, "{r:?}");
        assert_eq!(r.error.as_ref().unwrap().kind, ErrorKind::ConnectRefused);
    }
}

#[test]
fn shards_split_the_country_without_overlap() {
    let (_, a) = country_scan(&["--shard", "0/2"]);
    let (_, b) = country_scan(&["--shard", "1/2"]);
    assert_eq!(a.len() + b.len(), 5);
    assert!(ips(&a).is_disjoint(&ips(&b)));
    assert_eq!(ips(&a).union(&ips(&b)).count(), 5);
}

#[test]
fn a_large_country_needs_yes() {
    // 127.8.0.0 + 65537 addresses: one above the threshold. Nothing listens there, and the
    // scan must not start at all.
    let f = delegation_file(
        "country-large",
        "x|LO|ipv4|127.8.0.0|65537|20260101|allocated|x\n",
    );
    let o = run(&[
        "scan",
        "--country",
        "LO",
        "--delegation-file",
        f.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("country LO: 2 ranges from 1 registry records, 65537 IPv4 and 0 IPv6 addresses: more than 65536 addresses")
            && e.contains("rerun with --yes"),
        "{e}"
    );
    assert!(stdout(&o).is_empty());
    // Exactly at the threshold no confirmation is needed (checked by --dry-run's count, and
    // the gate's function below it).
    let o = run(&[
        "targets",
        "--country",
        "LO",
        "--delegation-file",
        f.to_str().unwrap(),
        "--exclude",
        "127.9.0.0",
    ]);
    assert_exit_ok(&o);
    assert!(stdout(&o).ends_with("# total: 1 entries, 65536 IPv4 addresses, 0 IPv6 addresses, 0 names (resolved when scanning)\n"), "{}", stdout(&o));
}

#[test]
fn bad_files_and_unknown_countries_are_named() {
    let f = delegation_file(
        "country-bad",
        "2|x|1|2|3|4|5\nx|LO|ipv4|127.0.0.1|4|20260101|allocated\nx|LO|ipv4|127.0.0.300|4|2026|allocated\n",
    );
    let fs = f.to_str().unwrap();
    let o = run(&["targets", "--country", "LO", "--delegation-file", fs]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains(&format!("{fs}:3: "))
            && e.contains("invalid ipv4 start address \"127.0.0.300\""),
        "{e}"
    );
    let good = delegation_file("country-none", DELEGATED);
    let o = run(&[
        "scan",
        "--country",
        "QQ",
        "--delegation-file",
        good.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("country QQ: no allocated or assigned IPv4/IPv6 block in")
            && e.contains("(5 address records read"),
        "{e}"
    );
    let o = run(&[
        "scan",
        "--country",
        "LO",
        "--delegation-file",
        good.to_str().unwrap(),
        "-o",
        good.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("it is a --delegation-file input"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(&good).unwrap(), DELEGATED);
    let o = run(&["targets", "--country", "DEU", "--delegation-file", fs]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["targets", "--country", "LO"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "--country needs --delegation-file"
    );
    let o = run(&[
        "targets",
        "--country",
        "LO",
        "--delegation-file",
        good.to_str().unwrap(),
        "--exclude",
        "127.0.0.0/8",
        "--exclude",
        "fd00::/16",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("country LO: all 10 addresses of its 5 ranges are excluded"),
        "{}",
        stderr(&o)
    );
}
