//! The lab's DANE receivers (`dane-good`, `dane-mismatch`, `dane-bogus`) judged by `mxray scan
//! --dane` against the DNSSEC lab, which publishes their TLSA records (lab/dnssec/start-dnssec.sh):
//! a DANE sender delivers to `dane-good` and refuses the other two. `mxray lab` serves them here
//! with the key the zone digests (`$LAB/certs/rsa2048.crt`), on MXRAY_DANE_PORT (default 2631,
//! the zone's DNSSEC_DANE_PORT) and the two ports after it. Needs MXRAY_LAB; MXRAY_DNSSEC_PORT
//! (default 5300) is knotd's port.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// `common` and `lab_server_util` each include `scratch/mod.rs` (most test crates use only one of
// them); this one uses both, so the file is compiled twice here, as two separate modules.
#![allow(clippy::duplicate_mod)]

mod common;
mod lab_server_util;

use std::process::Child;
use std::time::Duration;

use cert_audit::sender::{Delivery, DnssecStatus, State};
use common::*;
use mxray_schema::record::FindingSource;

fn lab() -> String {
    std::env::var("MXRAY_LAB").unwrap_or_else(|_| {
        panic!("MXRAY_LAB is not set: run scripts/test.sh, which starts the lab (knotd with dane.test on 127.0.0.1:5300)")
    })
}

fn env_or(name: &str, default: u16) -> u16 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `mxray lab` serving the three DANE receivers on fixed ports; killed on drop.
/// The receivers' lab and its state directory (removed after the lab is stopped).
struct Receivers(Child, #[allow(dead_code)] Scratch);

impl Drop for Receivers {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn cert_arg(p: &str) -> String {
    let c = format!("{}/certs", lab());
    format!("{p}={c}/rsa2048.crt,{c}/rsa2048.key")
}

fn start_receivers(base: u16) -> Receivers {
    let mut args = Vec::new();
    for (i, p) in ["dane-good", "dane-mismatch", "dane-bogus"]
        .iter()
        .enumerate()
    {
        let port = base + u16::try_from(i).unwrap();
        args.extend(["--profile".to_owned(), format!("{p}={port}")]);
        args.extend(["--cert".to_owned(), cert_arg(p)]);
    }
    start_lab("dane-receivers", &args)
}

fn start_lab(name: &str, args: &[String]) -> Receivers {
    let state = tempdir(name);
    let mut cmd = mxray();
    cmd.arg("lab").arg("--state").arg(&state).args(args);
    let (child, ready) = lab_server_util::spawn_until_ready(cmd, Duration::from_secs(60));
    let r = Receivers(child, state);
    assert!(
        ready,
        "mxray lab {args:?} did not say ready within 60 s (ports in use?)"
    );
    r
}

/// The TLSA line `mxray lab dns --cert` prints for a receiver (its data field).
fn lab_dns_tlsa(profile: &str) -> String {
    let o = mxray()
        .args(["lab", "dns", "--domain", "secure.dane.test", "--token", "t"])
        .arg("--address")
        .arg(format!("{profile}=127.0.0.1"))
        .arg("--cert")
        .arg(cert_arg(profile))
        .output()
        .unwrap();
    assert_exit_ok(&o);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("count only if the zone is DNSSEC-signed"),
        "{text}"
    );
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("_25._tcp.mx.{profile}.")) && l.contains(" TLSA 3 1 1 "))
        .unwrap_or_else(|| panic!("no TLSA line in {text}"));
    line.rsplit(' ').next().unwrap().to_owned()
}

/// The tests that serve `dane-good` on MXRAY_DANE_PORT take turns.
static DANE_GOOD_PORT: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn a_dane_sender_delivers_to_dane_good_and_refuses_mismatch_and_bogus() {
    let _port = DANE_GOOD_PORT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let knot = format!("127.0.0.1:{}", env_or("MXRAY_DNSSEC_PORT", 5300));
    let anchor = format!("{}/dnssec/anchor.dnskey", lab());
    let base = env_or("MXRAY_DANE_PORT", 2631);
    let _rx = start_receivers(base);
    let targets = [
        format!("mx.dane-good.secure.dane.test:{base}"),
        format!("mx.dane-mismatch.secure.dane.test:{}", base + 1),
        format!("mx.dane-bogus.bogus.dane.test:{}", base + 2),
    ];
    let mut args = vec![
        "--quiet",
        "--profile",
        "quick",
        "--resolver",
        &knot,
        "--trust-anchor",
        &anchor,
    ];
    args.extend(targets.iter().map(String::as_str));
    let o = scan(&args);
    assert_exit_ok(&o);
    let recs = stdout_records(&o);
    let expect: [(&str, DnssecStatus, State, Delivery, &str); 3] = [
        (
            "dane-good",
            DnssecStatus::Secure,
            State::Authenticated,
            Delivery::Authenticated,
            "dane-single-record",
        ),
        (
            "dane-mismatch",
            DnssecStatus::Secure,
            State::NoMatch,
            Delivery::Defer,
            "dane-no-match",
        ),
        (
            "dane-bogus",
            DnssecStatus::Bogus,
            State::Bogus,
            Delivery::Defer,
            "dane-dnssec-bogus",
        ),
    ];
    for (t, (profile, tlsa, state, delivery, finding)) in targets.iter().zip(expect) {
        let r = recs
            .iter()
            .find(|r| &r.target == t)
            .unwrap_or_else(|| panic!("no record for {t}"));
        let d = r.dane.as_ref().unwrap_or_else(|| {
            panic!("{t}: no dane object; does the DNSSEC lab predate the DANE receivers? restart it (lab/stop-all.sh dnssec; lab/up.sh dnssec)")
        });
        assert!(r.tls.is_some(), "{t}: the receiver served TLS");
        assert_eq!(d.tlsa.status, tlsa, "{t}: {d:?}");
        assert_eq!(d.state, state, "{t}: {d:?}");
        assert_eq!(d.delivery, delivery, "{t}: {d:?}");
        let ids: Vec<&str> = r
            .findings
            .iter()
            .filter(|f| f.source == FindingSource::Dane)
            .map(|f| f.id.as_str())
            .collect();
        assert!(ids.contains(&finding), "{t}: {ids:?}");
        // The zone publishes what `mxray lab dns` prints for the same key.
        let data: Vec<&str> = d.records.iter().map(|x| x.data.as_str()).collect();
        assert_eq!(data, [lab_dns_tlsa(profile).as_str()], "{t}");
    }
}

/// DANE-TA(2): the zone publishes `2 1 1` of a CA made by start-dnssec.sh (`$LAB/dnssec/ta/`) for
/// `mx.dane-ta` and `mx.dane-ta-badname`; the lab serves leaf + CA chains under it on
/// MXRAY_DANE_PORT + 3 and + 4. The leaf naming the MX host is authenticated; the leaf for
/// `other.invalid` is refused by RFC 7672 section 3.2.2's name check although the anchor matches.
#[test]
fn dane_ta_matches_the_lab_ca_and_checks_the_leaf_name() {
    let knot = format!("127.0.0.1:{}", env_or("MXRAY_DNSSEC_PORT", 5300));
    let anchor = format!("{}/dnssec/anchor.dnskey", lab());
    let base = env_or("MXRAY_DANE_PORT", 2631) + 3;
    let ta = format!("{}/dnssec/ta", lab());
    assert!(
        std::path::Path::new(&format!("{ta}/chain.pem")).exists(),
        "{ta}/chain.pem is missing: the DNSSEC lab predates the DANE-TA receivers; restart it"
    );
    let args: Vec<String> = vec![
        "--profile".to_owned(),
        format!("good={base}"),
        "--cert".to_owned(),
        format!("good={ta}/chain.pem,{ta}/leaf.key"),
        "--profile".to_owned(),
        format!("wrong-host={}", base + 1),
        "--cert".to_owned(),
        format!("wrong-host={ta}/badname-chain.pem,{ta}/badname.key"),
    ];
    let _lab = start_lab("dane-ta", &args);
    let good = format!("mx.dane-ta.secure.dane.test:{base}");
    let bad = format!("mx.dane-ta-badname.secure.dane.test:{}", base + 1);
    let o = scan(&[
        "--quiet",
        "--profile",
        "quick",
        "--resolver",
        &knot,
        "--trust-anchor",
        &anchor,
        &good,
        &bad,
    ]);
    assert_exit_ok(&o);
    let recs = stdout_records(&o);
    for (t, state, delivery) in [
        (&good, State::Authenticated, Delivery::Authenticated),
        (&bad, State::NoMatch, Delivery::Defer),
    ] {
        let r = recs.iter().find(|r| &r.target == t).unwrap();
        assert_eq!(
            r.tls
                .as_ref()
                .and_then(|x| x.handshake.as_ref())
                .map(|h| h.chain_length),
            Some(2),
            "{t}: leaf + CA"
        );
        let d = r.dane.as_ref().unwrap();
        assert_eq!(d.tlsa.status, DnssecStatus::Secure, "{t}: {d:?}");
        let usages: Vec<u8> = d.records.iter().map(|x| x.usage).collect();
        assert_eq!(usages, [2], "{t}");
        assert_eq!((d.state, d.delivery), (state, delivery), "{t}: {d:?}");
    }
}

/// Rollover with a baseline (issue 15): `dane-good` first serves the key its TLSA record
/// digests (the baseline scan: authenticated), then a new key while the TLSA record still
/// names the old one (no_match). `mxray report NEW --baseline OLD` counts it as a stale key;
/// without the baseline scan's key (the report of the new scan against a baseline where
/// dane-good served the new key), it is not.
#[test]
fn a_key_changed_before_its_tlsa_record_is_a_stale_key_against_the_baseline() {
    let _port = DANE_GOOD_PORT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let knot = format!("127.0.0.1:{}", env_or("MXRAY_DNSSEC_PORT", 5300));
    let anchor = format!("{}/dnssec/anchor.dnskey", lab());
    let base = env_or("MXRAY_DANE_PORT", 2631);
    let target = format!("mx.dane-good.secure.dane.test:{base}");
    let dir = tempdir("dane-stale-key");
    let c = format!("{}/certs", lab());
    let scan_with = |key: &str, out: &str| {
        let _rx = start_lab(
            "dane-stale-key-lab",
            &[
                "--profile".to_owned(),
                format!("dane-good={base}"),
                "--cert".to_owned(),
                format!("dane-good={c}/{key}.crt,{c}/{key}.key"),
            ],
        );
        let path = dir.join(out);
        let o = scan(&[
            "--quiet",
            "--profile",
            "quick",
            "--resolver",
            &knot,
            "--trust-anchor",
            &anchor,
            "-o",
            path.to_str().unwrap(),
            &target,
        ]);
        assert_exit_ok(&o);
        let recs = records(&read(&path));
        assert_eq!(recs.len(), 1);
        recs[0].dane.as_ref().unwrap().state
    };
    assert_eq!(scan_with("rsa2048", "old.jsonl"), State::Authenticated);
    assert_eq!(scan_with("ecp256", "new.jsonl"), State::NoMatch);
    let stale = |new: &str, old: &str| -> (u64, u64) {
        let o = mxray()
            .arg("report")
            .arg(dir.join(new))
            .arg("--baseline")
            .arg(dir.join(old))
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert_exit_ok(&o);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let table = v["sections"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == "dane")
            .and_then(|s| {
                s["tables"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|t| t["id"] == "dane_stale_keys")
            })
            .cloned()
            .unwrap_or_else(|| panic!("no dane_stale_keys table: {v}"));
        let row = |k: &str| {
            table["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["key"] == k)
                .unwrap()["count"]
                .as_u64()
                .unwrap()
        };
        (row("stale_key"), row("other"))
    };
    assert_eq!(stale("new.jsonl", "old.jsonl"), (1, 0));
    // Against itself: the key the TLSA names was never served there.
    assert_eq!(stale("new.jsonl", "new.jsonl"), (0, 1));
    // Without a baseline there is no such table.
    let o = mxray()
        .arg("report")
        .arg(dir.join("new.jsonl"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_exit_ok(&o);
    assert!(!String::from_utf8_lossy(&o.stdout).contains("dane_stale_keys"));
}
