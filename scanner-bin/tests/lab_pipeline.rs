//! The whole pipeline against the lab's real servers on 127.0.0.1 (Postfix, Exim, tlslite,
//! openssl s_server, gnutls-serv): the JSON fields match each server's configuration, and the
//! full-profile suite set matches sslscan's. Needs MXRAY_LAB (run scripts/test.sh).
// Test helpers outside #[test] functions may unwrap and panic too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeSet;

use common::*;
use mxray_schema::record::{EndpointRecord, InjectionResult, StarttlsOutcome, Status};

fn lab() -> String {
    std::env::var("MXRAY_LAB").unwrap_or_else(|_| {
        panic!("MXRAY_LAB is not set: run scripts/test.sh, which starts the lab (Postfix, Exim, tlslite, openssl, gnutls on 127.0.0.1)")
    })
}

/// `mxray probe --json` of a lab endpoint (always 127.0.0.1).
fn probe(endpoint: &str, extra: &[&str]) -> EndpointRecord {
    let _ = lab();
    assert!(endpoint.starts_with("127.0.0.1:"));
    let out = mxray()
        .args([
            "probe",
            "--json",
            "--per-ip-rate",
            "200",
            "--per-ip-burst",
            "50",
        ])
        .args(extra)
        .arg(endpoint)
        .output()
        .unwrap();
    one_record(&out)
}

fn supported(r: &EndpointRecord) -> Vec<String> {
    r.tls
        .as_ref()
        .unwrap()
        .versions
        .iter()
        .filter(|v| v.supported)
        .map(|v| v.version.clone())
        .collect()
}

fn pairs(r: &EndpointRecord) -> BTreeSet<(String, u16)> {
    r.tls
        .as_ref()
        .unwrap()
        .suites
        .iter()
        .flat_map(|v| v.accepted.iter().map(move |s| (v.version.clone(), s.id)))
        .collect()
}

fn names(r: &EndpointRecord) -> BTreeSet<String> {
    r.tls
        .as_ref()
        .unwrap()
        .suites
        .iter()
        .flat_map(|v| v.accepted.iter().map(|s| s.name.clone()))
        .collect()
}

fn weaknesses(r: &EndpointRecord) -> Vec<String> {
    r.tls.as_ref().unwrap().weaknesses.clone()
}

fn finding_ids(r: &EndpointRecord) -> Vec<String> {
    r.findings.iter().map(|f| f.id.clone()).collect()
}

/// (version, suite id) pairs sslscan reports for a STARTTLS port.
fn sslscan(port: u16) -> BTreeSet<(String, u16)> {
    let out = std::process::Command::new("sslscan")
        .args(["--no-colour", "--starttls-smtp", "--xml=-"])
        .arg(format!("127.0.0.1:{port}"))
        .output()
        .expect("sslscan is installed in the lab");
    let xml = String::from_utf8_lossy(&out.stdout);
    xml.lines()
        .filter(|l| l.trim_start().starts_with("<cipher "))
        .filter_map(|l| {
            let attr = |name: &str| {
                let key = format!("{name}=\"");
                let i = l.find(&key)? + key.len();
                let rest = l.get(i..)?;
                Some(rest.get(..rest.find('"')?)?.to_string())
            };
            let v = attr("sslversion")?;
            let id = u16::from_str_radix(attr("id")?.trim_start_matches("0x"), 16).ok()?;
            Some((v, id))
        })
        .collect()
}

#[test]
fn postfix_defaults_2525_full_profile() {
    let r = probe("127.0.0.1:2525", &["--sni", "localhost"]);
    assert_eq!(r.status, Status::Completed, "{r:?}");
    let st = r.starttls.as_ref().unwrap();
    assert_eq!(st.outcome, StarttlsOutcome::Ready);
    assert_eq!(st.injection, Some(InjectionResult::NotVulnerable));
    assert!(r.ehlo.as_ref().unwrap().starttls_offered);
    assert_eq!(supported(&r), ["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]);
    let tls = r.tls.as_ref().unwrap();
    let hs = tls.handshake.as_ref().unwrap();
    assert!(hs.ok && hs.version.as_deref() == Some("TLSv1.3"), "{hs:?}");
    assert!(!names(&r).iter().any(|n| n.contains("NULL")));
    assert!(tls.connections > 10);
    assert_eq!(tls.failed_connections, 0);
    // Certificate: the lab's self-signed localhost certificate, matched by the --sni name.
    let c = r.certificate.as_ref().unwrap();
    assert_eq!(c.leaf().unwrap().subject, "CN=localhost");
    assert_eq!(c.trust.as_str(), "self_signed");
    assert_eq!(c.names.result, cert_audit::NameMatch::MxHost);
    assert!(finding_ids(&r).contains(&"self-signed".to_owned()));
    // The suite set agrees with sslscan's.
    let ours = pairs(&r);
    let theirs = sslscan(2525);
    assert!(!theirs.is_empty(), "sslscan found nothing");
    assert_eq!(
        ours.symmetric_difference(&theirs).collect::<Vec<_>>(),
        Vec::<&(String, u16)>::new(),
        "mxray vs sslscan"
    );
}

#[test]
fn postfix_weak_2526_has_null_suites_and_dh1024() {
    let r = probe("127.0.0.1:2526", &[]);
    assert_eq!(r.status, Status::Completed, "{r:?}");
    assert!(
        names(&r).contains("TLS_RSA_WITH_NULL_SHA"),
        "{:?}",
        names(&r)
    );
    let kx = r.tls.as_ref().unwrap().key_exchange.as_ref().unwrap();
    assert_eq!(kx.dh_bits, Some(1024));
    assert_eq!(kx.dh_class.as_deref(), Some("1024"));
    let w = weaknesses(&r);
    for id in ["weak-dh", "null-cipher"] {
        assert!(w.contains(&id.to_owned()), "{id} not in {w:?}");
    }
    // Without --sni there is no name to check.
    let c = r.certificate.as_ref().unwrap();
    assert_eq!(c.names.result, cert_audit::NameMatch::NotChecked);
}

#[test]
fn standard_scan_of_both_postfix_ports() {
    let _ = lab();
    let out = scan(&["--quiet", "127.0.0.1:2525", "127.0.0.1:2526"]);
    let recs = stdout_records(&out);
    assert_eq!(recs.len(), 2);
    for r in &recs {
        assert_eq!(r.status, Status::Completed, "{r:?}");
        let tls = r.tls.as_ref().unwrap();
        // standard: versions and the suite each negotiates, key exchange; no suite list.
        assert!(tls.suites.is_empty());
        assert_eq!(tls.versions.len(), 6);
        let v12 = tls
            .versions
            .iter()
            .find(|v| v.version == "TLSv1.2")
            .unwrap();
        assert!(v12.supported && v12.suite.is_some());
        assert!(
            !tls.versions
                .iter()
                .find(|v| v.version == "SSLv3")
                .unwrap()
                .supported
        );
        assert!(tls.key_exchange.as_ref().unwrap().dh_bits.is_some());
        // The injection test is part of standard, on the handshake's own connection.
        assert_eq!(
            r.starttls.as_ref().unwrap().injection,
            Some(InjectionResult::NotVulnerable)
        );
    }
    let weak = recs.iter().find(|r| r.port == 2526).unwrap();
    assert!(weaknesses(weak).contains(&"weak-dh".to_owned()));
}

#[test]
fn implicit_tls_openssl_4451_tls10_only_weak_certificate() {
    let r = probe("127.0.0.1:4451", &["--tls-mode", "implicit"]);
    assert_eq!(r.status, Status::Completed, "{r:?}");
    assert_eq!(
        r.starttls.as_ref().unwrap().outcome,
        StarttlsOutcome::ImplicitTls
    );
    assert_eq!(supported(&r), ["TLSv1.0"]);
    // rustls (TLS 1.2+) cannot connect; the chain comes from a TLS 1.0 hello.
    assert!(!r.tls.as_ref().unwrap().handshake.as_ref().unwrap().ok);
    let ids = finding_ids(&r);
    for id in ["modern-handshake-failed", "no-tls12-or-later"] {
        assert!(ids.contains(&id.to_owned()), "{id} not in {ids:?}");
    }
    let c = r.certificate.as_ref().unwrap();
    let leaf = c.leaf().unwrap();
    assert_eq!(leaf.key.bits, 1024);
    assert!(
        leaf.signature.algorithm.to_lowercase().contains("sha1"),
        "{:?}",
        leaf.signature
    );
    assert!(c.findings.len() >= 2, "{:?}", c.findings);
}

#[test]
fn implicit_tls_gnutls_4443_rc4_3des_dh512() {
    let r = probe("127.0.0.1:4443", &["--tls-mode", "implicit"]);
    assert_eq!(r.status, Status::Completed, "{r:?}");
    let w = weaknesses(&r);
    for id in ["rc4", "sweet32", "weak-dh"] {
        assert!(w.contains(&id.to_owned()), "{id} not in {w:?}");
    }
    let kx = r.tls.as_ref().unwrap().key_exchange.as_ref().unwrap();
    assert_eq!(kx.dh_class.as_deref(), Some("512"), "{kx:?}");
}

#[test]
fn exim_2528_legacy_rc4_and_3des_over_starttls() {
    let r = probe("127.0.0.1:2528", &[]);
    assert_eq!(r.status, Status::Completed, "{r:?}");
    assert_eq!(r.starttls.as_ref().unwrap().outcome, StarttlsOutcome::Ready);
    let w = weaknesses(&r);
    for id in ["rc4", "sweet32"] {
        assert!(w.contains(&id.to_owned()), "{id} not in {w:?}");
    }
    assert_eq!(
        r.starttls.as_ref().unwrap().injection,
        Some(InjectionResult::NotVulnerable)
    );
}

#[test]
fn tlslite_2530_sslv3_and_dh512_without_ffdhe() {
    // tlslite picks by its own order, ECDHE before DHE: `standard`'s version hellos (DHE
    // first) never see the prime, and the record says so rather than implying "no DHE".
    let r = probe("127.0.0.1:2530", &["--profile", "standard"]);
    assert_eq!(r.status, Status::Completed, "{r:?}");
    assert!(
        supported(&r).contains(&"SSLv3".to_owned()),
        "{:?}",
        supported(&r)
    );
    let kx = r.tls.as_ref().unwrap().key_exchange.as_ref().unwrap();
    assert_eq!((kx.dh_bits, kx.dh_undetermined), (None, true), "{kx:?}");
    assert!(weaknesses(&r).contains(&"sslv3".to_owned()));
    // `full` asks with DHE-only hellos and finds the 512-bit prime.
    let r = probe("127.0.0.1:2530", &["--profile", "full"]);
    assert_eq!(r.status, Status::Completed, "{r:?}");
    let kx = r.tls.as_ref().unwrap().key_exchange.as_ref().unwrap();
    assert_eq!(
        (kx.dh_bits, kx.dh_undetermined),
        (Some(512), false),
        "{kx:?}"
    );
    let w = weaknesses(&r);
    for id in ["sslv3", "weak-dh"] {
        assert!(w.contains(&id.to_owned()), "{id} not in {w:?}");
    }
}

#[test]
fn probe_terminal_report_is_grouped_and_plain_when_not_a_terminal() {
    let _ = lab();
    let out = mxray()
        .args([
            "probe",
            "--per-ip-rate",
            "200",
            "--per-ip-burst",
            "50",
            "127.0.0.1:2526",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains('\x1b'), "colour on a pipe");
    let mut last = 0;
    for section in [
        "SMTP",
        "Protocols",
        "Cipher suites per version",
        "Key exchange",
        "Certificate",
        "Findings",
        "TLS connections",
        "wall time",
    ] {
        let at = text
            .find(section)
            .unwrap_or_else(|| panic!("{section} missing:\n{text}"));
        assert!(at >= last, "{section} out of order:\n{text}");
        last = at;
    }
    assert!(text.contains("TLS_RSA_WITH_NULL_SHA"));
    assert!(text.contains("CN=localhost"));
}

/// An `openssl s_server` on a free loopback port (implicit TLS, TLS 1.2 only, ECDHE and DHE
/// with the lab's 1024-bit prime), following its own suite order (`-serverpref`, ECDHE first)
/// or the client's; stopped on drop.
struct DhServer {
    child: std::process::Child,
    endpoint: String,
}

impl DhServer {
    fn start(serverpref: bool) -> DhServer {
        let certs = format!("{}/certs", lab());
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let endpoint = format!("127.0.0.1:{port}");
        let mut cmd = std::process::Command::new("openssl");
        cmd.args(["s_server", "-www", "-tls1_2", "-accept", &endpoint])
            .args(["-cert", &format!("{certs}/rsa2048.crt")])
            .args(["-key", &format!("{certs}/rsa2048.key")])
            .args(["-dhparam", &format!("{certs}/dh1024.pem")])
            .args([
                "-cipher",
                "ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0",
            ])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        if serverpref {
            cmd.arg("-serverpref");
        }
        let child = cmd.spawn().expect("openssl s_server (install openssl)");
        for _ in 0..100 {
            if std::net::TcpStream::connect(&endpoint).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        DhServer { child, endpoint }
    }
}

impl Drop for DhServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `standard` learns the DH prime from its version hellos (DHE offered first): a server that
/// follows the client's order shows its 1024-bit prime; one that ranks ECDHE first by its own
/// order leaves it undetermined, said so in the record (not read as "no DHE"), and `full`'s
/// DHE-only hellos measure it. Six connections either way: the modern handshake (which settles
/// TLS 1.3) and one hello for each of SSLv2 to TLS 1.2.
#[test]
fn standard_measures_dh_from_its_version_hellos_and_says_when_it_could_not() {
    let client_order = DhServer::start(false);
    let r = probe(
        &client_order.endpoint,
        &["--tls-mode", "implicit", "--profile", "standard"],
    );
    assert_eq!(r.status, Status::Completed, "{r:?}");
    let tls = r.tls.as_ref().unwrap();
    let kx = tls.key_exchange.as_ref().unwrap();
    assert_eq!(
        (kx.dh_bits, kx.dh_undetermined),
        (Some(1024), false),
        "{kx:?}"
    );
    assert!(weaknesses(&r).contains(&"weak-dh".to_owned()));
    assert_eq!(supported(&r), ["TLSv1.2"]);
    // The modern handshake (TLS 1.2) and one hello for each of SSLv2 to TLS 1.2.
    assert_eq!(tls.connections, 6, "{tls:?}");

    let server_order = DhServer::start(true);
    let r = probe(
        &server_order.endpoint,
        &["--tls-mode", "implicit", "--profile", "standard"],
    );
    assert_eq!(r.status, Status::Completed, "{r:?}");
    let tls = r.tls.as_ref().unwrap();
    let kx = tls.key_exchange.as_ref().unwrap();
    assert_eq!((kx.dh_bits, kx.dh_undetermined), (None, true), "{kx:?}");
    assert!(!weaknesses(&r).contains(&"weak-dh".to_owned()));
    assert_eq!(tls.connections, 6, "{tls:?}");
    let v12 = tls
        .versions
        .iter()
        .find(|v| v.version == "TLSv1.2")
        .unwrap();
    assert_eq!(
        v12.suite.as_ref().map(|s| s.name.as_str()),
        Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
    );

    let r = probe(
        &server_order.endpoint,
        &["--tls-mode", "implicit", "--profile", "full"],
    );
    let kx = r.tls.as_ref().unwrap().key_exchange.as_ref().unwrap();
    assert_eq!(
        (kx.dh_bits, kx.dh_undetermined),
        (Some(1024), false),
        "{kx:?}"
    );
    assert!(weaknesses(&r).contains(&"weak-dh".to_owned()));
}
