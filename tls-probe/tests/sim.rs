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
    /// A second version and its suites (answered like the first, in client order).
    legacy: Option<(u16, Vec<u16>)>,
    /// Hellos of this version are dropped without an answer.
    drop_version: Option<u16>,
    /// The version written in every ServerHello instead of the one agreed (a downgrading server).
    answer_version: Option<u16>,
    /// The suite written in every ServerHello instead of a pick among those offered.
    pick_unoffered: Option<u16>,
    /// Picks the middle one of the offered suites it supports (in offer order): neither the
    /// client's order nor one of its own.
    pick_middle: bool,
}

fn server(version: u16, suites: Vec<u16>, server_pref: bool) -> Server {
    Server {
        version,
        suites,
        server_pref,
        max_suites: usize::MAX,
        legacy: None,
        drop_version: None,
        answer_version: None,
        pick_unoffered: None,
        pick_middle: false,
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
        if self.drop_version == Some(offered_version) {
            return Vec::new();
        }
        let (version, suites, server_pref) = match &self.legacy {
            Some((v, suites)) if *v == offered_version => (*v, suites, false),
            _ if offered_version == self.version => (self.version, &self.suites, self.server_pref),
            _ => return record(21, 0x0303, &[2, 70]),
        };
        let supported: Vec<u16> = h
            .cipher_suites
            .iter()
            .copied()
            .filter(|s| suites.contains(s))
            .collect();
        let pick = if self.pick_middle {
            supported.get(supported.len() / 2).copied()
        } else if server_pref {
            suites.iter().copied().find(|s| h.cipher_suites.contains(s))
        } else {
            h.cipher_suites.iter().copied().find(|s| suites.contains(s))
        };
        let Some(suite) = pick else {
            return record(21, 0x0303, &[2, 40]);
        };
        let suite = self.pick_unoffered.unwrap_or(suite);
        let mut body = vec![];
        body.extend_from_slice(&(self.answer_version.unwrap_or(version).min(0x0303)).to_be_bytes());
        body.extend_from_slice(&[7; 32]);
        body.push(0);
        body.extend_from_slice(&suite.to_be_bytes());
        body.push(0);
        let mut exts = vec![];
        if version == 0x0304 {
            exts.extend_from_slice(&ext::SUPPORTED_VERSIONS.to_be_bytes());
            exts.extend_from_slice(&[0, 2, 3, 4]);
        }
        body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
        body.extend_from_slice(&exts);
        let mut msg = vec![2, 0, 0, body.len() as u8];
        msg.extend_from_slice(&body);
        if version != 0x0304 {
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
        assert!(
            t12.supported && !t12.suites.is_empty(),
            "what was found before the cap stays"
        );
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

/// The default scan with hellos of at most `chunk` suites.
fn windows_of(chunk: usize) -> SuiteScanConfig {
    SuiteScanConfig {
        chunk,
        ..SuiteScanConfig::default()
    }
}

fn tls12_scan(cfg: SuiteScanConfig, server: &Server) -> Plan<SuiteProbe> {
    let mut plan = Plan::new(SuiteProbe::new(SuiteScanConfig {
        versions: vec![Version::Tls12],
        ..cfg
    }));
    run_plan(&mut plan, server);
    plan
}

/// Each hello is counted by how it was answered: a pick, a refusal, an order probe, a seed.
#[test]
fn hello_counts_say_how_each_hello_was_answered() {
    let server = server(0x0303, vec![0xc030, 0x009f, 0xc014, 0x0035, 0x000a], true);
    let plan = tls12_scan(SuiteScanConfig::default(), &server);
    let v = &plan.result().versions[0];
    let h = &v.hellos;
    assert_eq!((h.seeded, h.picked, h.refused, h.order), (0, 5, 1, 1));
    assert_eq!(v.hellos.connections(), plan.handshakes());
}

/// A server answering a TLS 1.2 hello with a TLS 1.1 ServerHello: the version is not supported,
/// the downgrade is named, and the scan of that version stops at once.
#[test]
fn a_downgrading_server_ends_the_version_and_is_named() {
    let mut s = server(0x0303, vec![0xc014, 0x0035], false);
    s.answer_version = Some(0x0302);
    let plan = tls12_scan(windows_of(64), &s);
    let v = &plan.result().versions[0];
    assert_eq!(v.downgraded_to, Some(0x0302));
    assert!(!v.supported && v.suites.is_empty(), "{v:?}");
    assert!(v.unoffered_picks.is_empty());
    assert_eq!(plan.handshakes(), 1);
    assert_eq!((v.hellos.picked, v.hellos.refused), (0, 1));
}

/// A ServerHello naming a suite that was not offered proves nothing about the offered ones:
/// they leave the pool, the pick is recorded apart, and nothing is called supported.
#[test]
fn a_pick_that_was_not_offered_is_recorded_apart_and_proves_nothing() {
    let mut s = server(0x0303, candidates(Version::Tls12).to_vec(), false);
    s.pick_unoffered = Some(0xfefe);
    // The whole pool in one hello.
    let plan = tls12_scan(SuiteScanConfig::default(), &s);
    let v = &plan.result().versions[0];
    assert_eq!(v.unoffered_picks, vec![0xfefe]);
    assert!(v.suites.is_empty() && v.downgraded_to.is_none(), "{v:?}");
    assert_eq!(plan.handshakes(), 1);
    assert_eq!((v.hellos.picked, v.hellos.refused), (0, 1));
    // Windows of 64: each window once, each answer recorded.
    let plan = tls12_scan(windows_of(64), &s);
    let windows = candidates(Version::Tls12).len().div_ceil(64);
    assert_eq!(plan.handshakes() as usize, windows);
    assert_eq!(plan.result().versions[0].unoffered_picks.len(), windows);
}

/// protocol_version (70) to the first hello ends the version: no window after it.
#[test]
fn protocol_version_to_the_first_hello_ends_the_version() {
    let s = server(0x0302, vec![0xc014], false);
    let plan = tls12_scan(windows_of(64), &s);
    assert_eq!(plan.handshakes(), 1);
    assert!(!plan.result().versions[0].supported);
}

/// A hello dropped without an answer is retried with `fallback_chunk` suites only when it was
/// bigger than that: at exactly `fallback_chunk` it is not retried.
#[test]
fn an_unanswered_hello_is_retried_smaller_only_when_bigger_than_the_fallback() {
    let n = candidates(Version::Tls12).len();
    let mut s = server(0x0303, vec![0xc014], false);
    s.drop_version = Some(0x0303);
    // The whole pool (n suites) with fallback n: one hello, no retry.
    let plan = tls12_scan(
        SuiteScanConfig {
            fallback_chunk: n,
            ..SuiteScanConfig::default()
        },
        &s,
    );
    assert_eq!(plan.handshakes(), 1);
    // Fallback n - 1: the pool, then n - 1 suites (not retried again), then the last one.
    let plan = tls12_scan(
        SuiteScanConfig {
            fallback_chunk: n - 1,
            ..SuiteScanConfig::default()
        },
        &s,
    );
    assert_eq!(plan.handshakes(), 3);
    assert!(!plan.result().versions[0].supported);
}

/// With `infer_legacy`, TLS 1.1 is first offered the TLS 1.2 suites usable there. A server
/// that drops that hello gets it once more (smaller windows do not apply to a prediction),
/// then the whole TLS 1.1 pool in windows; and a server whose TLS 1.1 suites are not the
/// predicted ones has them found by that full enumeration.
#[test]
fn a_failed_prediction_falls_back_to_the_whole_pool_of_the_version() {
    let t12 = vec![0xc014, 0x0035, 0x002f, 0x000a];
    let cfg = SuiteScanConfig {
        versions: vec![Version::Tls12, Version::Tls11],
        infer_legacy: true,
        fallback_chunk: 2,
        ..SuiteScanConfig::default()
    };
    let n11 = candidates(Version::Tls11).len();

    let mut s = server(0x0303, t12.clone(), false);
    s.drop_version = Some(0x0302);
    let mut plan = Plan::new(SuiteProbe::new(cfg.clone()));
    run_plan(&mut plan, &s);
    let v11 = plan.result().version(Version::Tls11).unwrap().clone();
    assert!(!v11.supported && v11.suites.is_empty(), "{v11:?}");
    // The prediction twice, then the pool in windows of 2.
    assert_eq!(v11.hellos.connections() as usize, 2 + n11.div_ceil(2));

    let mut s = server(0x0303, t12, false);
    s.legacy = Some((0x0302, vec![0x0005]));
    let mut plan = Plan::new(SuiteProbe::new(cfg));
    run_plan(&mut plan, &s);
    let v11 = plan.result().version(Version::Tls11).unwrap().clone();
    let got: Vec<u16> = v11.suites.iter().map(|s| s.id).collect();
    assert_eq!(got, vec![0x0005], "{v11:?}");
}

/// A server whose picks follow neither the client's order nor an order of its own is `Mixed`,
/// whether its preference is read from the reversed group (picks in one group) or from the
/// pair of hellos (picks in separate windows).
#[test]
fn a_server_that_follows_neither_order_is_mixed() {
    let cands = candidates(Version::Tls12);
    // One group: the middle of [c0, c1, c2] is c1, then c2 of [c0, c2], then c0; the reversed
    // group [c0, c2, c1] gets c2, neither the first nor the last of what was observed.
    let mut s = server(0x0303, cands[..3].to_vec(), false);
    s.pick_middle = true;
    let plan = tls12_scan(SuiteScanConfig::default(), &s);
    let v = &plan.result().versions[0];
    assert_eq!(v.suites.len(), 3);
    assert_eq!(v.preference, Preference::Mixed);
    // Separate windows: the pair [a, b] gets b, then [b, a] gets a.
    let mut s = server(0x0303, vec![cands[0], cands[100]], false);
    s.pick_middle = true;
    let plan = tls12_scan(windows_of(64), &s);
    let v = &plan.result().versions[0];
    assert_eq!(v.suites.len(), 2);
    assert_eq!(v.preference, Preference::Mixed);
}

/// Refusals (handshake_failure) of the first windows do not end the version: a suite deep in
/// the pool is still found.
#[test]
fn refused_windows_before_any_pick_do_not_end_the_version() {
    let cands = candidates(Version::Tls12);
    let s = server(0x0303, vec![cands[200]], false);
    let plan = tls12_scan(windows_of(64), &s);
    let got: Vec<u16> = plan.result().versions[0]
        .suites
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(got, vec![cands[200]]);
}
