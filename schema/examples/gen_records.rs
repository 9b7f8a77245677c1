//! Writes synthetic scan results (JSON Lines) to stdout, for `mxray report`.
//!
//! - `cargo run -p mxray-schema --features synth --example gen_records -- fixture` writes the checked-in test fixture
//!   (`tests/fixtures/report/synthetic.jsonl`: 40 records with known counts, and 3 bad lines);
//! - `cargo run --release -p mxray-schema --features synth --example gen_records -- N [SEED] [KEYS] [DOMAINS]` writes N random
//!   records of the same kinds: at most KEYS distinct certificates (default 50000), N/3 domains
//!   or, when DOMAINS is given and not 0, at most DOMAINS domains.

use std::io::{BufWriter, Write};

use mxray_schema::synth;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let result = match args.first().map(String::as_str) {
        Some("fixture") => out.write_all(synth::fixture_jsonl().as_bytes()),
        Some(n) => {
            let n: u64 = n.parse().unwrap_or(0);
            let seed: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1);
            let keys: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(50_000);
            let domains: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(0);
            let kinds = synth::kinds();
            let mut rng = synth::Rng::new(seed);
            let mut res = Ok(());
            for i in 0..n {
                let r = synth::random_record(&mut rng, &kinds, i, keys, domains);
                let line = serde_json::to_string(&r).unwrap_or_default();
                res = writeln!(out, "{line}");
                if res.is_err() {
                    break;
                }
            }
            res
        }
        None => {
            eprintln!("usage: gen_records fixture | N [SEED] [KEYS]");
            std::process::exit(2);
        }
    };
    if let Err(e) = result.and_then(|()| out.flush()) {
        eprintln!("gen_records: {e}");
        std::process::exit(1);
    }
}
