//! The suite enumeration of `mxray probe --profile full`, alone: tls-probe's `VersionProbe`, then
//! `SuiteProbe` over the supported versions (newest first, 128 suites per hello, order probe on:
//! the configuration `scan/src/tlsprobe.rs` uses), run with tls-probe's blocking runner.
//! STARTTLS targets get smtp-codec's `ClientSession` preamble on every connection. Prints one JSON
//! object: the versions, the (version, suite) pairs, and the connections each plan opened.
//! `benches/peers.sh` measures it beside the full probe, because the issue's connection bound
//! (k + 2·versions + 2) is about enumeration, while the full probe also asks for groups,
//! signature algorithms, features, fingerprints, DH sizes and the injection test.
//!
//! ```text
//! cargo run --release -p mxray-benches --example suite_enum -- 127.0.0.1:2525 --starttls
//! cargo run --release -p mxray-benches --example suite_enum -- 127.0.0.1:4450
//! ```
#![forbid(unsafe_code)]

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use smtp_codec::blocking::drive;
use smtp_codec::{ClientSession, SessionConfig, Step};
use tls_probe::plan::hellos::HelloOptions;
use tls_probe::plan::suites::{SuiteProbe, SuiteScanConfig};
use tls_probe::plan::versions::VersionProbe;
use tls_probe::plan::Plan;
use tls_probe::runner::run;
use tls_probe::suites::candidates;
use tls_probe::Version;

const TIMEOUT: Duration = Duration::from_secs(5);

fn connect(addr: SocketAddr, starttls: bool) -> io::Result<TcpStream> {
    let mut s = TcpStream::connect_timeout(&addr, TIMEOUT)?;
    s.set_read_timeout(Some(TIMEOUT))?;
    s.set_write_timeout(Some(TIMEOUT))?;
    s.set_nodelay(true)?;
    if starttls {
        let mut session = ClientSession::new(SessionConfig::new("mxray.invalid"));
        match drive(&mut s, &mut session)? {
            Step::ReadyForTls(_) => {}
            other => return Err(io::Error::other(format!("no STARTTLS: {other:?}"))),
        }
    }
    Ok(s)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(addr) = args.next().and_then(|a| a.parse::<SocketAddr>().ok()) else {
        eprintln!("usage: suite_enum IP:PORT [--starttls]");
        std::process::exit(2);
    };
    if !addr.ip().is_loopback() {
        eprintln!("suite_enum: loopback targets only");
        std::process::exit(2);
    }
    let starttls = args.any(|a| a == "--starttls");
    let started = Instant::now();

    let mut vplan = Plan::new(VersionProbe::new(HelloOptions::default()));
    let vstats = run(&mut vplan, || connect(addr, starttls));
    let supported: Vec<Version> = vplan
        .result()
        .iter()
        .filter(|v| v.supported)
        .map(|v| v.version)
        .collect();
    let cfg = SuiteScanConfig::after_version_probe(&vplan.result());
    let versions = cfg.versions.clone();
    let mut splan = Plan::new(SuiteProbe::new(cfg));
    let sstats = run(&mut splan, || connect(addr, starttls));
    let scan = splan.result();

    let pairs: Vec<String> = scan
        .pairs()
        .iter()
        .map(|(v, id)| format!("[\"{v}\",{id}]"))
        .collect();
    let vers: Vec<String> = supported.iter().map(|v| format!("\"{v}\"")).collect();
    let per_version: Vec<String> = versions
        .iter()
        .map(|v| format!("\"{v}\":{}", candidates(*v).len()))
        .collect();
    // Where the suite plan's connections went, summed over versions.
    let (mut seeded, mut picked, mut refused, mut order) = (0, 0, 0, 0);
    for v in &scan.versions {
        seeded += v.hellos.seeded;
        picked += v.hellos.picked;
        refused += v.hellos.refused;
        order += v.hellos.order;
    }
    println!(
        "{{\"versions\":[{}],\"pairs\":[{}],\"candidates\":{{{}}},\"breakdown\":{{\"seeded\":{seeded},\"picked\":{picked},\"refused\":{refused},\"order\":{order}}},\"connections\":{{\"versions\":{},\"suites\":{},\"failed\":{}}},\"handshakes\":{},\"wall_ms\":{}}}",
        vers.join(","),
        pairs.join(","),
        per_version.join(","),
        vstats.connections,
        sstats.connections,
        vstats.connect_failures + sstats.connect_failures,
        splan.handshakes(),
        started.elapsed().as_millis()
    );
}
