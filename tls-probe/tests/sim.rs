//! The suite plan against a simulated server (pure Rust, no sockets): for random supported sets
//! and either preference, the plan finds exactly the set, the server's order when it enforces
//! one, and costs about k + windows + 1 handshakes (one window when the whole pool fits a hello).
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
    /// Hellos with more suites than this are dropped without an answer (an intolerant server).
    max_suites: usize,
}

fn server(version: u16, suites: Vec<u16>, server_pref: bool) -> Server {
    Server {
        version,
        suites,
        server_pref,
        max_suites: usize::MAX,
    }
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
        // SSLv2 hellos (the version probe's first) get no answer.
        let Ok(h) = ClientHello::parse(hello) else {
            return Vec::new();
        };
        if h.cipher_suites.len() > self.max_suites {
            return Vec::new();
        }
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
        chunk in prop_oneof![Just(1000usize), Just(128), Just(64), Just(20)],
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
        let server = server(0x0303, suites.clone(), server_pref);
        let cfg = SuiteScanConfig { versions: vec![Version::Tls12], chunk, ..SuiteScanConfig::default() };
        let mut plan = Plan::new(SuiteProbe::new(cfg));
        while let Some(hello) = plan.next_hello() {
            prop_assert!(plan.feed(&server.answer(&hello)));
        }
        let res = plan.result();
        let v = res.version(Version::Tls12).unwrap();
        let mut got: Vec<u16> = v.suites.iter().map(|s| s.id).collect();
        // Each refusal drops a full window of unsupported suites, but the last.
        let chunks = (candidates(Version::Tls12).len() - n).div_ceil(chunk).max(1) as u32;
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

fn run_plan<P: tls_probe::plan::Probe>(plan: &mut Plan<P>, server: &Server) {
    while let Some(hello) = plan.next_hello() {
        let answer = server.answer(&hello);
        if answer.is_empty() {
            plan.feed_eof();
        } else {
            assert!(plan.feed(&answer));
        }
    }
}

#[test]
fn whole_pool_server_order_costs_k_plus_two() {
    let suites = vec![0xc030, 0x009f, 0xc014, 0x0035, 0x000a];
    let server = server(0x0303, suites.clone(), true);
    let cfg = SuiteScanConfig {
        versions: vec![Version::Tls12],
        ..SuiteScanConfig::default()
    };
    let mut plan = Plan::new(SuiteProbe::new(cfg));
    run_plan(&mut plan, &server);
    // 5 picks, one refusal of the rest of the pool, one reversed-order probe.
    assert_eq!(plan.handshakes(), 5 + 1 + 1);
    let got: Vec<u16> = plan.result().versions[0]
        .suites
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(got, suites);
}

#[test]
fn version_probe_seeds_save_one_connection_per_version() {
    use tls_probe::plan::suites::Seed;
    use tls_probe::plan::versions::VersionProbe;
    for server_pref in [true, false] {
        let suites = vec![0xc02c, 0xc030, 0x009f, 0xc014, 0x0035, 0x000a, 0x00bf];
        let server = server(0x0303, suites.clone(), server_pref);
        let mut vplan = Plan::new(VersionProbe::new(Default::default()));
        run_plan(&mut vplan, &server);
        assert_eq!(vplan.handshakes(), 6);
        let seeds: Vec<Seed> = vplan
            .result()
            .iter()
            .filter_map(Seed::from_version)
            .collect();
        assert_eq!(seeds.len(), 1);
        let cfg = SuiteScanConfig {
            versions: vec![Version::Tls12],
            seeds,
            ..SuiteScanConfig::default()
        };
        let mut plan = Plan::new(SuiteProbe::new(cfg));
        run_plan(&mut plan, &server);
        // k - 1 picks (the seed was the first), one refusal, one order probe.
        assert_eq!(plan.handshakes() as usize, suites.len() - 1 + 1 + 1);
        let v = plan.result().versions[0].clone();
        let mut got: Vec<u16> = v.suites.iter().map(|s| s.id).collect();
        if server_pref {
            assert_eq!(v.preference, Preference::Server);
            assert_eq!(got, suites);
        } else {
            assert_eq!(v.preference, Preference::Client);
            got.sort_unstable();
            let mut want = suites.clone();
            want.sort_unstable();
            assert_eq!(got, want);
        }
        // The whole enumeration, version probes included: k + 2 for the version plus the four
        // versions this server refuses.
        assert_eq!(
            vplan.handshakes() as usize + plan.handshakes() as usize,
            suites.len() + 2 + 5
        );
    }
}

#[test]
fn a_server_that_drops_big_hellos_is_retried_with_small_ones() {
    // Supported suites beyond the first 128 candidates, so windows of 128 need several hellos.
    let cands = candidates(Version::Tls12);
    let suites = vec![cands[3], cands[200], cands[300]];
    let mut s = server(0x0303, suites.clone(), false);
    s.max_suites = 129; // 128 suites and the renegotiation SCSV
    let cfg = SuiteScanConfig {
        versions: vec![Version::Tls12],
        ..SuiteScanConfig::default()
    };
    let mut plan = Plan::new(SuiteProbe::new(cfg));
    run_plan(&mut plan, &s);
    let mut got: Vec<u16> = plan.result().versions[0]
        .suites
        .iter()
        .map(|s| s.id)
        .collect();
    got.sort_unstable();
    let mut want = suites.clone();
    want.sort_unstable();
    assert_eq!(got, want);
    // One dropped big hello, then 128-suite windows: 3 picks and 3 refusals (335 unsupported
    // candidates in windows of 128), plus the order probes (pair probe: 2).
    let windows = (cands.len() - 3).div_ceil(128);
    assert_eq!(plan.handshakes() as usize, 1 + 3 + windows + 2);
}

#[test]
fn a_clean_refusal_of_a_big_hello_is_not_taken_for_intolerance() {
    // handshake_failure to the whole-pool hello: one connection, no retry.
    let s = server(0x0303, vec![], false);
    let cfg = SuiteScanConfig {
        versions: vec![Version::Tls12],
        ..SuiteScanConfig::default()
    };
    let mut plan = Plan::new(SuiteProbe::new(cfg));
    run_plan(&mut plan, &s);
    assert_eq!(plan.handshakes(), 1);
    assert!(!plan.result().versions[0].supported);
}

#[test]
fn tls13_simulated() {
    let server = server(0x0304, vec![0x1302, 0x1301], true);
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

/// The hello budget ends a scan, whatever the server answers (here a server with every TLS 1.2
/// suite, whose full scan needs hundreds of hellos), marks it and the version in progress; and
/// the derived budget leaves room for that full scan.
#[test]
fn the_hello_budget_ends_any_scan_and_says_so() {
    use tls_probe::plan::suites::ScanStop;
    let srv = server(0x0303, candidates(Version::Tls12).to_vec(), true);
    for cap in [1u32, 3, 10] {
        let cfg = SuiteScanConfig {
            versions: vec![Version::Tls12],
            max_hellos: Some(cap),
            ..SuiteScanConfig::default()
        };
        let mut plan = Plan::new(SuiteProbe::new(cfg));
        let mut sent = 0u32;
        while let Some(hello) = plan.next_hello() {
            sent += 1;
            assert!(sent <= cap, "more than {cap} hellos");
            plan.feed(&srv.answer(&hello));
        }
        let scan = plan.result();
        assert_eq!(sent, cap);
        assert_eq!(scan.stopped, Some(ScanStop::HelloCap { cap }));
        let t12 = scan.version(Version::Tls12).unwrap();
        assert!(!t12.complete, "a capped version is incomplete");
    }
    // The derived budget never cuts a real scan: every suite supported, server order.
    let cfg = SuiteScanConfig {
        versions: vec![Version::Tls12],
        ..SuiteScanConfig::default()
    };
    let cap = cfg.hello_cap();
    let mut plan = Plan::new(SuiteProbe::new(cfg));
    let mut sent = 0u32;
    while let Some(hello) = plan.next_hello() {
        sent += 1;
        plan.feed(&srv.answer(&hello));
    }
    let scan = plan.result();
    assert_eq!(scan.stopped, None, "{sent} hellos of {cap}");
    assert!(scan.version(Version::Tls12).unwrap().complete);
}
