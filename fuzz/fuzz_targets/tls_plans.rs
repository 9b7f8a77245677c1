#![no_main]
//! Every plan against a fuzzed server: each answer is garbage, an alert, or a ServerHello that
//! picks (or invents) a suite, with fuzzed extensions, ServerKeyExchange and a ServerHelloDone.
//! Plans must terminate and never panic.
use libfuzzer_sys::fuzz_target;
use tls_probe::flight::KeyExchange;
use tls_probe::hello::ClientHello;
use tls_probe::plan::features::FeatureProbe;
use tls_probe::plan::fingerprint::FingerprintProbe;
use tls_probe::plan::hellos::HelloOptions;
use tls_probe::plan::params::{DhProbe, GroupProbe, SigAlgProbe};
use tls_probe::plan::suites::{AcceptedSuite, Seed, SuiteProbe, SuiteScanConfig, MAX_CHUNK};
use tls_probe::plan::versions::{dh_of_versions, VersionProbe};
use tls_probe::plan::{Plan, Probe};
use tls_probe::Version;

struct Src<'a>(&'a [u8]);

impl Src<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    fn take(&mut self, n: usize) -> Vec<u8> {
        let n = n.min(self.0.len());
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        a.to_vec()
    }
}

fn rec(ct: u8, body: &[u8]) -> Vec<u8> {
    let mut r = vec![ct, 3, 3];
    r.extend_from_slice(&(body.len() as u16).to_be_bytes());
    r.extend_from_slice(body);
    r
}

fn answer(hello: &[u8], src: &mut Src<'_>) -> Vec<u8> {
    match src.byte() % 4 {
        0 => {
            let n = usize::from(src.byte());
            src.take(n)
        }
        1 => rec(21, &[2, src.byte()]),
        _ => {
            // Only a ServerHello needs the offered suites.
            let offered = ClientHello::parse(hello)
                .map(|h| h.cipher_suites)
                .unwrap_or_default();
            let i = usize::from(src.byte());
            let suite = if offered.is_empty() {
                0x002f
            } else {
                offered[i % offered.len()]
            };
            let version = [0x0300u16, 0x0301, 0x0302, 0x0303][usize::from(src.byte() % 4)];
            let mut body = version.to_be_bytes().to_vec();
            body.extend_from_slice(&[9; 32]);
            body.push(0);
            body.extend_from_slice(&suite.to_be_bytes());
            body.push(src.byte() % 2);
            let ext_len = usize::from(src.byte() % 40);
            let exts = src.take(ext_len);
            if version != 0x0300 {
                body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
                body.extend_from_slice(&exts);
            }
            let mut msgs = vec![2, 0, 0, body.len() as u8];
            msgs.extend_from_slice(&body);
            let ske_len = usize::from(src.byte());
            let ske = src.take(ske_len);
            msgs.extend_from_slice(&[12, 0, 0, ske.len() as u8]);
            msgs.extend_from_slice(&ske);
            msgs.extend_from_slice(&[14, 0, 0, 0]);
            rec(22, &msgs)
        }
    }
}

/// A handshake_failure alert.
const REFUSAL: [u8; 7] = [21, 3, 3, 0, 2, 2, 40];

fn drive<P: Probe>(mut plan: Plan<P>, src: &mut Src<'_>) -> P::Output {
    let mut n = 0;
    while let Some(hello) = plan.next_hello() {
        n += 1;
        assert!(n < 3000, "plan does not terminate");
        if src.is_empty() {
            // The input is spent: refuse with handshake_failure, which every plan takes as a
            // plain "no", so the plan still runs to its end (termination is checked) without
            // hundreds of input-independent hellos (an EOF here made the suite scan fall back to
            // its smallest windows over the whole pool).
            plan.feed(&REFUSAL);
            continue;
        }
        let a = answer(&hello, src);
        let split = usize::from(src.byte()).max(1);
        for c in a.chunks(split) {
            if plan.feed(c) {
                break;
            }
        }
        plan.feed_eof();
    }
    plan.result()
}

fuzz_target!(|data: &[u8]| {
    let mut src = Src(data);
    let o = HelloOptions::default();
    let all = [
        Version::Tls13,
        Version::Tls12,
        Version::Tls11,
        Version::Tls10,
        Version::Ssl3,
    ];
    // One plan per input, so each run stays short.
    match src.byte() % 7 {
        0 => {
            let versions = drive(Plan::new(VersionProbe::new(o)), &mut src);
            // The DH prime the standard profile reads from the version hellos: only ever that
            // of a supported version's DHE pick, as answered.
            if let Some(seen) = dh_of_versions(&versions) {
                let from = versions
                    .iter()
                    .find(|v| v.version == seen.version && v.supported && !v.by_handshake);
                assert!(
                    from.is_some_and(|v| v.suite == Some(seen.suite)),
                    "{seen:?}"
                );
                assert!(matches!(
                    from.and_then(|v| v.key_exchange.as_ref()),
                    Some(KeyExchange::Dh { prime_bits, .. }) if *prime_bits == seen.prime_bits
                ));
            }
        }
        1 => {
            // One version per input (two when TLS 1.1/1.0/SSLv3 are inferred from TLS 1.2): one
            // version's pool is what an input can explore; more versions only repeat the same
            // code over hundreds of hellos.
            let v = all[usize::from(src.byte() % 5)];
            let infer_legacy = src.byte() % 2 == 0;
            let versions =
                if infer_legacy && matches!(v, Version::Tls11 | Version::Tls10 | Version::Ssl3) {
                    vec![Version::Tls12, v]
                } else {
                    vec![v]
                };
            // Windows of 32-127 suites, or the default whole-pool hellos; the fallback after a
            // hello the server could not take is 16-128 suites (smaller ones only multiply the
            // refusals needed to empty a pool of ~340).
            let chunk = match src.byte() % 4 {
                0 => MAX_CHUNK,
                n => usize::from(n) * 32 + usize::from(src.byte() % 32),
            };
            let fallback_chunk = [16, 32, 64, 128][usize::from(src.byte() % 4)];
            // A seed per version: an arbitrary offered list and pick (not necessarily offered).
            let mut seeds = Vec::new();
            for v in all {
                if src.byte() % 2 == 0 {
                    continue;
                }
                let mut offered = Vec::new();
                for _ in 0..src.byte() % 8 {
                    offered.push(u16::from_be_bytes([src.byte(), src.byte()]));
                }
                let id = u16::from_be_bytes([src.byte(), src.byte()]);
                seeds.push(Seed::new(v, offered, AcceptedSuite::observed(id)));
            }
            let cfg = SuiteScanConfig {
                versions,
                chunk,
                fallback_chunk,
                seeds,
                infer_legacy,
                ..SuiteScanConfig::default()
            };
            let _ = drive(Plan::new(SuiteProbe::new(cfg)), &mut src);
        }
        2 => {
            let _ = drive(Plan::new(DhProbe::new(o, &all)), &mut src);
        }
        3 => {
            let _ = drive(Plan::new(GroupProbe::new(o, true, true)), &mut src);
        }
        4 => {
            let _ = drive(Plan::new(SigAlgProbe::new(o)), &mut src);
        }
        5 => {
            let _ = drive(Plan::new(FeatureProbe::new(o, &all)), &mut src);
        }
        _ => {
            let _ = drive(Plan::new(FingerprintProbe::new(o)), &mut src);
        }
    }
});
