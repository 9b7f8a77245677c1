//! The suite plan against a simulated server (pure Rust, no sockets): for random supported sets
//! and either preference, the plan finds exactly the set, the server's order when it enforces
//! one, and costs about k + chunks + 1 handshakes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use tls_probe::hello::{ext, ClientHello, Extension};
use tls_probe::plan::suites::{Preference, SuiteProbe, SuiteScanConfig};
use tls_probe::plan::Plan;
use tls_probe::suites::candidates;
use tls_probe::Version;

struct Server {
    version: u16,
    suites: Vec<u16>,
    server_pref: bool,
}

fn record(ct: u8, version: u16, body: &[u8]) -> Vec<u8> {
    let mut r = vec![ct];
    r.extend_from_slice(&version.to_be_bytes());
    r.extend_from_slice(&(body.len() as u16).to_be_bytes());
    r.extend_from_slice(body);
    r
}

impl Server {
    fn answer(&self, hello: &[u8]) -> Vec<u8> {
        let h = ClientHello::parse(hello).unwrap();
        let offered_version = h
            .extensions
            .iter()
            .flatten()
            .find_map(|e| match e {
                Extension::SupportedVersions(v) => v.iter().copied().max(),
                _ => None,
            })
            .unwrap_or(h.legacy_version);
        if offered_version != self.version {
            return record(21, 0x0303, &[2, 70]);
        }
        let pick = if self.server_pref {
            self.suites
                .iter()
                .copied()
                .find(|s| h.cipher_suites.contains(s))
        } else {
            h.cipher_suites
                .iter()
                .copied()
                .find(|s| self.suites.contains(s))
        };
        let Some(suite) = pick else {
            return record(21, 0x0303, &[2, 40]);
        };
        let mut body = vec![];
        body.extend_from_slice(&(self.version.min(0x0303)).to_be_bytes());
        body.extend_from_slice(&[7; 32]);
        body.push(0);
        body.extend_from_slice(&suite.to_be_bytes());
        body.push(0);
        let mut exts = vec![];
        if self.version == 0x0304 {
            exts.extend_from_slice(&ext::SUPPORTED_VERSIONS.to_be_bytes());
            exts.extend_from_slice(&[0, 2, 3, 4]);
        }
        body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
        body.extend_from_slice(&exts);
        let mut msg = vec![2, 0, 0, body.len() as u8];
        msg.extend_from_slice(&body);
        if self.version != 0x0304 {
            msg.extend_from_slice(&[14, 0, 0, 0]);
        }
        record(22, 0x0303, &msg)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn removal_loop_finds_set_and_order(
        picks in proptest::sample::subsequence(candidates(Version::Tls12), 0..40),
        shuffle in any::<u64>(),
        server_pref in any::<bool>(),
        chunk in prop_oneof![Just(128usize), Just(64), Just(20)],
    ) {
        // A server order unrelated to ours.
        let mut suites = picks.clone();
        let n = suites.len();
        if n > 1 {
            let mut x = shuffle | 1;
            for i in (1..n).rev() {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                suites.swap(i, (x % (i as u64 + 1)) as usize);
            }
        }
        let server = Server { version: 0x0303, suites: suites.clone(), server_pref };
        let cfg = SuiteScanConfig { versions: vec![Version::Tls12], chunk, ..SuiteScanConfig::default() };
        let mut plan = Plan::new(SuiteProbe::new(cfg));
        while let Some(hello) = plan.next_hello() {
            prop_assert!(plan.feed(&server.answer(&hello)));
        }
        let res = plan.result();
        let v = res.version(Version::Tls12).unwrap();
        let mut got: Vec<u16> = v.suites.iter().map(|s| s.id).collect();
        let chunks = candidates(Version::Tls12).len().div_ceil(chunk) as u32;
        let k = n as u32;
        if server_pref && n >= 2 {
            prop_assert_eq!(v.preference, Preference::Server);
            prop_assert_eq!(&got, &suites);
            // Discovery, the reversed probe, and the binary-insertion merge across chunks.
            let merge = 1 + k * (32 - k.leading_zeros());
            prop_assert!(plan.handshakes() <= k + chunks + 1 + merge, "{} > {}", plan.handshakes(), k + chunks + 1 + merge);
        } else {
            if n >= 2 {
                prop_assert_eq!(v.preference, Preference::Client);
            }
            got.sort_unstable();
            let mut want = suites.clone();
            want.sort_unstable();
            prop_assert_eq!(got, want);
            // +1 for the reversed probe, +1 more when the picks lie in different chunks (pair probe).
            prop_assert!(plan.handshakes() <= k + chunks + 2);
        }
    }
}

#[test]
fn one_chunk_server_order_costs_k_plus_chunks_plus_one() {
    let suites = vec![0xc030, 0x009f, 0xc014, 0x0035, 0x000a];
    let server = Server {
        version: 0x0303,
        suites: suites.clone(),
        server_pref: true,
    };
    let cfg = SuiteScanConfig {
        versions: vec![Version::Tls12],
        ..SuiteScanConfig::default()
    };
    let mut plan = Plan::new(SuiteProbe::new(cfg));
    while let Some(hello) = plan.next_hello() {
        plan.feed(&server.answer(&hello));
    }
    let chunks = candidates(Version::Tls12).len().div_ceil(128) as u32;
    assert_eq!(plan.handshakes(), 5 + chunks + 1);
    let got: Vec<u16> = plan.result().versions[0]
        .suites
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(got, suites);
}

#[test]
fn tls13_simulated() {
    let server = Server {
        version: 0x0304,
        suites: vec![0x1302, 0x1301],
        server_pref: true,
    };
    let cfg = SuiteScanConfig {
        versions: vec![Version::Tls13, Version::Tls12],
        ..SuiteScanConfig::default()
    };
    let mut plan = Plan::new(SuiteProbe::new(cfg));
    while let Some(hello) = plan.next_hello() {
        plan.feed(&server.answer(&hello));
    }
    let r = plan.result();
    let t13: Vec<u16> = r
        .version(Version::Tls13)
        .unwrap()
        .suites
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(t13, vec![0x1302, 0x1301]);
    assert!(!r.version(Version::Tls12).unwrap().supported);
}
