//! MTA-STS and TLS-RPT against the lab: the zone `sts.test` on the lab's knotd (127.0.0.1:5310,
//! `lab/up.sh mta-sts`) and mxray-lab's policy server, started here on a free port with
//! certificates from the lab CA. Each scenario domain gets the outcome RFC 8461 prescribes,
//! hostile servers a typed error within the limits. Needs MXRAY_LAB.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use mxray_lab::mtasts::{start_policy_server, PolicyServerConfig, RunningPolicyServer};
use mxray_scan::dns::Dns;
use mxray_scan::mtasts::{lookup_domain, DomainPolicies, FetchConfig};
use mxray_schema::policy::{PolicyStatus, TxtStatus};

fn lab() -> PathBuf {
    let lab = std::env::var_os("MXRAY_LAB")
        .expect("MXRAY_LAB is not set: start the lab (lab/up.sh mta-sts) and export MXRAY_LAB");
    PathBuf::from(lab)
}

async fn setup() -> (Dns, FetchConfig, RunningPolicyServer) {
    let state = lab().join("mta-sts");
    assert!(
        state.join("lab-ca.pem").exists(),
        "{}: no lab CA; run lab/up.sh mta-sts",
        state.display()
    );
    let server = start_policy_server(&PolicyServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        zone: "sts.test".into(),
        state: state.clone(),
    })
    .await
    .unwrap();
    let dns_addr: SocketAddr = "127.0.0.1:5310".parse().unwrap();
    let dns = Dns::new(Some(dns_addr), Duration::from_secs(2)).unwrap();
    let store = cert_audit::TrustStore::from_pem_file(&server.ca_pem).unwrap();
    let mut cfg = FetchConfig::new(&store);
    cfg.port = server.addr.port();
    cfg.total_timeout = Duration::from_secs(3);
    (dns, cfg, server)
}

async fn look(dns: &Dns, cfg: &FetchConfig, label: &str) -> DomainPolicies {
    lookup_domain(dns, &format!("{label}.sts.test"), cfg).await
}

fn fetch_error(d: &DomainPolicies) -> (&str, &str) {
    let p = d.mta_sts.policy.as_ref().expect("a policy fetch");
    assert_eq!(p.status, PolicyStatus::FetchError, "{p:?}");
    (
        p.error_kind.as_deref().unwrap_or_default(),
        p.error.as_deref().unwrap_or_default(),
    )
}

#[tokio::test]
async fn valid_policies_by_mode_with_their_tls_rpt_records() {
    let (dns, cfg, server) = setup().await;

    let d = look(&dns, &cfg, "enforce").await;
    assert_eq!(d.mta_sts.txt.status, TxtStatus::Valid);
    let p = d.mta_sts.policy.as_ref().unwrap();
    assert_eq!(p.status, PolicyStatus::Valid, "{p:?}");
    assert_eq!(p.mode.as_deref(), Some("enforce"));
    assert_eq!(p.mx, ["mx.sts.test"]);
    assert_eq!(p.max_age, Some(86400));
    assert_eq!(p.http_status, Some(200));
    assert!(p
        .url
        .ends_with(&format!(":{}/.well-known/mta-sts.txt", cfg.port)));
    assert_eq!(d.tls_rpt.txt.status, TxtStatus::Valid);
    assert_eq!(
        d.tls_rpt.rua,
        ["mailto:tlsrpt@sts.test", "https://tlsrpt.sts.test/v1"]
    );

    let d = look(&dns, &cfg, "testing").await;
    assert_eq!(d.mta_sts.mode(), Some("testing"));
    assert_eq!(d.tls_rpt.txt.status, TxtStatus::Invalid, "ftp: is no rua");

    let d = look(&dns, &cfg, "none").await;
    assert_eq!(d.mta_sts.mode(), Some("none"));
    assert_eq!(d.tls_rpt.txt.status, TxtStatus::Absent);

    let d = look(&dns, &cfg, "mxmiss").await;
    assert_eq!(d.mta_sts.mode(), Some("enforce"));
    assert!(!d.policy.as_ref().unwrap().matches_mx("mx.sts.test"));

    // A TXT record in two strings is read joined.
    let d = look(&dns, &cfg, "split").await;
    assert_eq!(
        d.mta_sts.txt.status,
        TxtStatus::Valid,
        "{:?}",
        d.mta_sts.txt
    );
    assert_eq!(d.mta_sts.mode(), Some("enforce"));
    server.stop();
}

#[tokio::test]
async fn txt_records_absent_invalid_repeated_and_a_missing_policy_host() {
    let (dns, cfg, server) = setup().await;
    for label in ["notxt", "nxdomain-here"] {
        let d = look(&dns, &cfg, label).await;
        assert_eq!(d.mta_sts.txt.status, TxtStatus::Absent, "{label}");
        assert_eq!(d.mta_sts.policy, None, "{label}: no fetch without a record");
        assert_eq!(d.tls_rpt.txt.status, TxtStatus::Absent, "{label}");
    }
    let d = look(&dns, &cfg, "badtxt").await;
    assert_eq!(d.mta_sts.txt.status, TxtStatus::Invalid);
    assert!(d
        .mta_sts
        .txt
        .error
        .as_deref()
        .unwrap()
        .contains("not-alnum!"));
    assert_eq!(d.mta_sts.policy, None);
    let d = look(&dns, &cfg, "multitxt").await;
    assert_eq!(d.mta_sts.txt.status, TxtStatus::Multiple);
    assert_eq!(d.mta_sts.policy, None);
    let d = look(&dns, &cfg, "nohost").await;
    let (kind, msg) = fetch_error(&d);
    assert_eq!(kind, "dns", "{msg}");
    assert!(msg.contains("NXDOMAIN"), "{msg}");
    server.stop();
}

#[tokio::test]
async fn certificates_redirects_statuses_and_content_types_fail_as_rfc_8461_says() {
    let (dns, cfg, server) = setup().await;
    let d = look(&dns, &cfg, "badcert").await;
    let (kind, msg) = fetch_error(&d);
    assert_eq!(kind, "tls_certificate", "{msg}");
    assert!(msg.contains("mta-sts.badcert.sts.test"), "{msg}");
    let d = look(&dns, &cfg, "selfsigned").await;
    assert_eq!(fetch_error(&d).0, "tls_certificate");

    for label in ["redirect", "loop"] {
        let d = look(&dns, &cfg, label).await;
        let (kind, msg) = fetch_error(&d);
        assert_eq!(kind, "redirect", "{label}: {msg}");
        assert!(msg.contains("forbids following"), "{msg}");
    }
    let d = look(&dns, &cfg, "notfound").await;
    assert_eq!(fetch_error(&d).0, "http_status");
    assert_eq!(d.mta_sts.policy.as_ref().unwrap().http_status, Some(404));
    let d = look(&dns, &cfg, "ctype").await;
    let (kind, msg) = fetch_error(&d);
    assert_eq!(kind, "content_type");
    assert!(msg.contains("text/html"), "{msg}");
    server.stop();
}

#[tokio::test]
async fn oversized_malformed_and_endless_policies_are_cut_at_the_limits() {
    let (dns, cfg, server) = setup().await;
    for label in ["big", "bigchunked", "endless"] {
        let t = Instant::now();
        let d = look(&dns, &cfg, label).await;
        let (kind, msg) = fetch_error(&d);
        assert_eq!(kind, "too_large", "{label}: {msg}");
        assert!(msg.contains("65536"), "{msg}");
        let read = d.mta_sts.policy.as_ref().unwrap().bytes.unwrap_or(0);
        assert!(read <= 65537, "{label}: read {read} bytes");
        assert!(t.elapsed() < Duration::from_secs(3), "{label}");
    }
    for label in ["malformed", "badmode"] {
        let d = look(&dns, &cfg, label).await;
        let p = d.mta_sts.policy.as_ref().unwrap();
        assert_eq!(p.status, PolicyStatus::Invalid, "{label}: {p:?}");
        assert!(d.policy.is_none());
    }
    let d = look(&dns, &cfg, "hugeheader").await;
    assert_eq!(fetch_error(&d).0, "headers_too_large");
    server.stop();
}

#[tokio::test]
async fn slow_servers_are_cut_by_the_deadline_naming_the_phase() {
    let (dns, cfg, server) = setup().await;
    for (label, phase) in [("slowhead", "response head"), ("slowbody", "body")] {
        let t = Instant::now();
        let d = look(&dns, &cfg, label).await;
        let (kind, msg) = fetch_error(&d);
        assert_eq!(kind, "timeout", "{label}: {msg}");
        assert!(msg.contains(phase), "{label}: {msg}");
        let took = t.elapsed();
        assert!(
            took >= Duration::from_secs(3) && took < Duration::from_secs(5),
            "{label}: {took:?}"
        );
    }
    server.stop();
}

#[tokio::test]
async fn a_policy_host_on_the_exclusion_list_is_never_contacted() {
    let (dns, mut cfg, server) = setup().await;
    cfg.exclude = std::sync::Arc::new(mxray_scan::exclude::ExclusionList::new([
        mxray_scan::exclude::parse_entry("127.0.0.0/8").unwrap(),
    ]));
    let d = look(&dns, &cfg, "enforce").await;
    let (kind, msg) = fetch_error(&d);
    assert_eq!(kind, "excluded", "{msg}");
    assert_eq!(d.mta_sts.policy.as_ref().unwrap().http_status, None);
    server.stop();
}
