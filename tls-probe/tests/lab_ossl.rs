//! Lab tests against real `openssl s_server` instances (ours, started per test on free ports,
//! and the lab's 4450). Need MXRAY_LAB.
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
use tls_probe::plan::suites::{Evidence, Preference, SuiteProbe, SuiteScanConfig};
use tls_probe::plan::Plan;
use tls_probe::runner::run;
use tls_probe::Version;

fn scan(port: u16, cfg: SuiteScanConfig) -> (tls_probe::plan::suites::SuiteScan, u32) {
    let mut plan = Plan::new(SuiteProbe::new(cfg));
    let stats = run(&mut plan, || connect(port));
    assert_eq!(stats.connect_failures, 0);
    assert_eq!(stats.connections, plan.handshakes());
    (plan.result(), stats.connections)
}

fn ids(scan: &tls_probe::plan::suites::SuiteScan, v: Version) -> Vec<u16> {
    scan.version(v)
        .map(|x| x.suites.iter().map(|s| s.id).collect())
        .unwrap_or_default()
}

/// TLS 1.2 and the versions before it that `STRING` configures.
const LEGACY: [Version; 3] = [Version::Tls12, Version::Tls11, Version::Tls10];

/// Each of [`LEGACY`]'s suite sets equals what `openssl ciphers` expands `STRING` to.
fn assert_configured_sets(res: &tls_probe::plan::suites::SuiteScan) {
    for v in LEGACY {
        let flag = match v {
            Version::Tls12 => "-tls1_2",
            Version::Tls11 => "-tls1_1",
            _ => "-tls1",
        };
        let want: BTreeSet<u16> = openssl_ciphers(flag, STRING).into_iter().collect();
        let got: BTreeSet<u16> = ids(res, v).into_iter().collect();
        assert_eq!(got, want, "{v}");
    }
}

const STRING: &str = "AES256-SHA:DHE-RSA-AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256:ADH-AES128-SHA:CAMELLIA128-SHA:ECDHE-RSA-AES256-SHA384:NULL-SHA:@SECLEVEL=0";
const SUITES13: &str = "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256";

/// Our own s_server with the TLS 1.2 and below suites of `STRING`, the TLS 1.3 suites of
/// `SUITES13` and a 1024-bit DH prime, plus `extra` options.
fn configured_server(extra: &[&str]) -> SServer {
    let dh = certs().join("dh1024.pem");
    let mut args = vec![
        "-cipher",
        STRING,
        "-ciphersuites",
        SUITES13,
        "-dhparam",
        dh.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    SServer::start(&args)
}

#[test]
fn enumerated_set_equals_the_configured_set_in_client_order() {
    let srv = configured_server(&[]);
    let (res, conns) = scan(srv.port, SuiteScanConfig::default());
    assert_configured_sets(&res);
    for v in LEGACY {
        assert_eq!(
            res.version(v).unwrap().preference,
            Preference::Client,
            "{v}"
        );
    }
    assert_eq!(
        ids(&res, Version::Tls13)
            .into_iter()
            .collect::<BTreeSet<_>>(),
        BTreeSet::from([0x1301, 0x1303])
    );
    assert!(!res.version(Version::Ssl3).unwrap().supported);
    // k suites cost k + one refusal + one order probe per supported version (4), plus the
    // refusal of SSL 3.0.
    let k = res.pairs().len() as u32;
    assert_eq!(conns, k + 2 * 4 + 1, "{conns} connections for {k} suites");
}

/// The issue-8 bound: the version probe and the suite scan together, with the version probe's
/// picks reused, cost at most k + 2·versions + 2 connections (k pairs; versions supported), and
/// find the configured set.
#[test]
fn enumeration_with_seeds_stays_within_k_plus_two_per_version_plus_two() {
    use tls_probe::plan::versions::VersionProbe;
    let srv = configured_server(&[]);
    let mut vplan = Plan::new(VersionProbe::new(Default::default()));
    let vstats = run(&mut vplan, || connect(srv.port));
    let cfg = SuiteScanConfig::after_version_probe(&vplan.result());
    let supported = cfg.versions.clone();
    assert_eq!(supported.len(), 4);
    let (res, conns) = scan(srv.port, cfg);
    assert_configured_sets(&res);
    for v in LEGACY {
        assert_eq!(res.version(v).unwrap().hellos.seeded, 1, "{v}");
    }
    let k = res.pairs().len() as u32;
    let total = vstats.connections + conns;
    let bound = k + 2 * supported.len() as u32 + 2;
    assert!(
        total <= bound,
        "{total} connections > {bound} for {k} pairs"
    );
}

#[test]
fn full_server_order_is_reported_when_the_server_enforces_it() {
    let srv = configured_server(&["-serverpref"]);
    let cfg = SuiteScanConfig {
        versions: vec![Version::Tls12, Version::Tls10],
        ..SuiteScanConfig::default()
    };
    let (res, _) = scan(srv.port, cfg);
    let t12 = res.version(Version::Tls12).unwrap();
    assert_eq!(t12.preference, Preference::Server);
    assert_eq!(
        ids(&res, Version::Tls12),
        openssl_ciphers("-tls1_2", STRING)
    );
    assert_eq!(ids(&res, Version::Tls10), openssl_ciphers("-tls1", STRING));
    // DHE suites carry the configured 1024-bit prime; ECDHE the curve.
    let dhe = t12.suites.iter().find(|s| s.id == 0x0033).unwrap();
    match &dhe.key_exchange {
        Some(tls_probe::flight::KeyExchange::Dh { prime_bits, .. }) => {
            assert_eq!(*prime_bits, 1024)
        }
        other => panic!("DHE suite without DH params: {other:?}"),
    }
}

#[test]
fn server_order_spanning_chunks_is_merged() {
    // Small chunks force the found suites into different chunks; the binary-insertion merge must
    // still report OpenSSL's order.
    let srv = SServer::start(&["-cipher", STRING, "-serverpref", "-no_tls1_3"]);
    let cfg = SuiteScanConfig {
        versions: vec![Version::Tls12],
        chunk: 16,
        ..SuiteScanConfig::default()
    };
    let (res, _) = scan(srv.port, cfg);
    let want: Vec<u16> = openssl_ciphers("-tls1_2", STRING)
        .into_iter()
        .filter(|id| *id != 0x0033)
        .collect();
    assert_eq!(
        res.version(Version::Tls12).unwrap().preference,
        Preference::Server
    );
    // Without -dhparam s_server uses its built-in DH: DHE is still offered; compare sets first.
    let got = ids(&res, Version::Tls12);
    let got_wo_dhe: Vec<u16> = got.iter().copied().filter(|id| *id != 0x0033).collect();
    assert_eq!(got_wo_dhe, want);
}

/// The "done" criterion: against s_server with Debian's full suite list, the same (version, suite)
/// set as sslscan, with fewer than half of its connections (sslscan's counted with tcpdump by
/// lab/scans/measure.sh, ours by the runner).
#[test]
fn full_suite_list_matches_sslscan_with_fewer_than_half_its_connections() {
    let lab = lab();
    let dh = certs().join("dh1024.pem");
    let srv = SServer::start(&[
        "-cipher",
        "ALL:COMPLEMENTOFALL:@SECLEVEL=0",
        "-dhparam",
        dh.to_str().unwrap(),
    ]);
    let name = format!("tls-probe-sslscan-{}", srv.port);
    let measure = concat!(env!("CARGO_MANIFEST_DIR"), "/../lab/scans/measure.sh");
    let out = Command::new("bash")
        .arg(measure)
        .arg(srv.port.to_string())
        .arg(&name)
        .args(["sslscan", "--no-colour", "--xml=-"])
        .arg(format!("127.0.0.1:{}", srv.port))
        .env("LAB", &lab)
        .output()
        .expect("measure.sh runs");
    let summary = String::from_utf8_lossy(&out.stdout);
    let sslscan_conns: u32 = summary
        .rsplit("tcp_connections(SYNs)=")
        .next()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "no connection count in {summary:?} / {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let xml = std::fs::read_to_string(lab.join("scans").join(format!("{name}.out"))).unwrap();
    let theirs = sslscan_pairs(&xml);
    assert!(
        theirs.len() > 90,
        "sslscan found only {} pairs",
        theirs.len()
    );

    let (exhaustive, ours_exhaustive) = scan(srv.port, SuiteScanConfig::default());
    let cfg = SuiteScanConfig {
        infer_legacy: true,
        ..SuiteScanConfig::default()
    };
    let (inferred, ours_inferred) = scan(srv.port, cfg);
    let set =
        |s: &tls_probe::plan::suites::SuiteScan| s.pairs().into_iter().collect::<BTreeSet<_>>();
    assert_eq!(set(&exhaustive), theirs);
    assert_eq!(set(&inferred), theirs);
    let n_inferred = inferred
        .versions
        .iter()
        .flat_map(|v| &v.suites)
        .filter(|s| s.evidence == Evidence::Inferred)
        .count();
    println!(
        "pairs={} sslscan_connections={sslscan_conns} ours_exhaustive={ours_exhaustive} ours_infer_legacy={ours_inferred} (inferred pairs: {n_inferred})",
        theirs.len()
    );
    assert!(
        ours_inferred * 2 < sslscan_conns,
        "{ours_inferred} vs sslscan {sslscan_conns}"
    );
    assert!(
        ours_exhaustive < sslscan_conns,
        "{ours_exhaustive} vs sslscan {sslscan_conns}"
    );
}

mod params_and_features {
    use super::*;
    use tls_probe::hello::groups;
    use tls_probe::plan::features::FeatureProbe;
    use tls_probe::plan::fingerprint::FingerprintProbe;
    use tls_probe::plan::hellos::HelloOptions;
    use tls_probe::plan::params::{DhClass, DhProbe, GroupProbe, SigAlgProbe};
    use tls_probe::plan::versions::VersionProbe;
    use tls_probe::weakness::{weaknesses, Weakness};

    const LEGACY: [Version; 4] = [
        Version::Tls12,
        Version::Tls11,
        Version::Tls10,
        Version::Ssl3,
    ];

    #[test]
    fn lab_4450_versions_dh_1024_features_and_weaknesses() {
        let port = 4450;
        let mut vp = Plan::new(VersionProbe::new(HelloOptions::default()));
        run(&mut vp, || connect(port));
        let versions = vp.result();
        let supported: Vec<Version> = versions
            .iter()
            .filter(|v| v.supported)
            .map(|v| v.version)
            .collect();
        assert_eq!(
            supported,
            vec![
                Version::Tls10,
                Version::Tls11,
                Version::Tls12,
                Version::Tls13
            ]
        );
        assert_eq!(vp.handshakes(), 6);

        let mut dh = Plan::new(DhProbe::new(HelloOptions::default(), &LEGACY));
        run(&mut dh, || connect(port));
        let dh = dh.result();
        let seen = dh.without_ffdhe.clone().unwrap();
        assert_eq!(
            (seen.prime_bits, seen.class, seen.generator),
            (1024, DhClass::Bits1024, Some(2))
        );

        let mut fp = Plan::new(FeatureProbe::new(HelloOptions::default(), &supported));
        run(&mut fp, || connect(port));
        let f = fp.result();
        assert_eq!(f.version, Some(Version::Tls12));
        assert_eq!(f.secure_renegotiation, Some(true));
        assert_eq!(f.extended_master_secret, Some(true));
        assert_eq!(f.compression, Some(0));
        assert_eq!(
            f.fallback_scsv,
            Some(true),
            "OpenSSL 3 honours TLS_FALLBACK_SCSV"
        );

        let mut sp = Plan::new(SuiteProbe::new(SuiteScanConfig::default()));
        run(&mut sp, || connect(port));
        let w = weaknesses(&versions, Some(&sp.result()), Some(&dh), Some(&f));
        assert!(
            w.contains(&Weakness::WeakDh {
                bits: 1024,
                class: DhClass::Bits1024
            }),
            "{w:?}"
        );
        assert!(
            w.iter()
                .any(|x| matches!(x, Weakness::NullCipher(l) if l.contains(&0x0001))),
            "{w:?}"
        );
        assert!(
            w.iter()
                .any(|x| matches!(x, Weakness::Anonymous(l) if l.contains(&0x0034))),
            "{w:?}"
        );
        assert!(
            w.iter()
                .any(|x| matches!(x, Weakness::NoForwardSecrecy(l) if l.contains(&0x002f))),
            "{w:?}"
        );
        assert!(
            !w.iter().any(|x| matches!(
                x,
                Weakness::Rc4(_) | Weakness::Sweet32(_) | Weakness::Sslv3Poodle
            )),
            "{w:?}"
        );
        assert!(!w.contains(&Weakness::NoTls12OrLater));
    }

    #[test]
    fn groups_and_signature_algorithms_of_our_own_server() {
        let srv = SServer::start(&[
            "-groups",
            "P-384:X25519",
            "-sigalgs",
            "RSA-PSS+SHA384:RSA+SHA256",
        ]);
        let mut gp = Plan::new(GroupProbe::new(HelloOptions::default(), true, true));
        run(&mut gp, || connect(srv.port));
        let g = gp.result();
        assert_eq!(
            g.tls13.iter().copied().collect::<BTreeSet<_>>(),
            BTreeSet::from([groups::SECP384R1, groups::X25519])
        );
        assert_eq!(
            g.tls12.iter().copied().collect::<BTreeSet<_>>(),
            BTreeSet::from([groups::SECP384R1, groups::X25519])
        );
        let mut sp = Plan::new(SigAlgProbe::new(HelloOptions::default()));
        run(&mut sp, || connect(srv.port));
        assert_eq!(
            sp.result().into_iter().collect::<BTreeSet<_>>(),
            BTreeSet::from([0x0805, 0x0401])
        );
    }

    #[test]
    fn fingerprints_are_stable_and_tls13_only_server_is_recognised() {
        let fp = |port| {
            let mut p = Plan::new(FingerprintProbe::new(HelloOptions::default()));
            run(&mut p, || connect(port));
            p.result().expect("a ServerHello")
        };
        let a = fp(4452);
        assert_eq!(a, fp(4452), "same server, same hello, same fingerprint");
        assert!(a.ja4s.starts_with("t13"), "{a:?}");
        assert!(
            a.ja3s_string.starts_with("771,4865,") || a.ja3s_string.starts_with("771,4866,"),
            "{a:?}"
        );
        assert_eq!(a.ja3s.len(), 32);
        let b = fp(4451);
        assert!(b.ja4s.starts_with("t10"), "{b:?}");
    }
}
