//! Enumerates the (version, suite) pairs of an implicit-TLS server on loopback and prints them
//! with the number of connections used.
//!
//! `cargo run -p tls-probe --example scan_suites -- 127.0.0.1:4450 [--infer-legacy]`

use std::time::Duration;

use tls_probe::plan::suites::{SuiteProbe, SuiteScanConfig};
use tls_probe::plan::Plan;
use tls_probe::runner::{run, tcp_connect};
use tls_probe::Suite;

fn main() {
    let mut args = std::env::args().skip(1);
    let addr: std::net::SocketAddr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:4450".into())
        .parse()
        .unwrap_or_else(|e| {
            eprintln!("bad address: {e}");
            std::process::exit(2)
        });
    let cfg = SuiteScanConfig {
        infer_legacy: args.any(|a| a == "--infer-legacy"),
        ..SuiteScanConfig::default()
    };
    let mut plan = Plan::new(SuiteProbe::new(cfg));
    let stats = run(&mut plan, || tcp_connect(addr, Duration::from_secs(5)));
    let scan = plan.result();
    for v in &scan.versions {
        println!(
            "{} supported={} preference={:?} suites={}",
            v.version,
            v.supported,
            v.preference,
            v.suites.len()
        );
        for s in &v.suites {
            let name = Suite::from_id(s.id).map(|s| s.name()).unwrap_or("?");
            println!(
                "  0x{:04X} {name} {:?} {:?}",
                s.id,
                s.evidence,
                s.key_exchange
                    .as_ref()
                    .map(|k| format!("{k:?}").chars().take(60).collect::<String>())
            );
        }
    }
    println!(
        "pairs={} connections={} handshakes={}",
        scan.pairs().len(),
        stats.connections,
        plan.handshakes()
    );
}
