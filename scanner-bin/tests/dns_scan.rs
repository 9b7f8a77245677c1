//! `mxray scan DOMAIN` against a tiny authoritative DNS server on 127.0.0.1 (built with
//! hickory-proto, which hickory-resolver re-exports) and SMTP servers on 127.0.0.x and ::1.
// Test helpers outside #[test] functions may unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, TcpListener, UdpSocket};

use common::*;
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::rdata::{A, AAAA, MX};
use hickory_resolver::proto::rr::{RData, RecordType};
use mxray_schema::record::{ErrorKind, Phase, Status};

/// Answers for the test zone: (rcode, answers).
fn answer(qname: &str, qtype: RecordType) -> (ResponseCode, Vec<RData>) {
    let mx = |p, n: &str| RData::MX(MX::new(p, name(n)));
    let a = |x: [u8; 4]| RData::A(A::from(Ipv4Addr::from(x)));
    let aaaa = |x: Ipv6Addr| RData::AAAA(AAAA::from(x));
    use RecordType as T;
    match (qname, qtype) {
        // Two MX, the less preferred listed first: mxray must sort them.
        ("mail.test.", T::MX) => (
            ResponseCode::NoError,
            vec![mx(20, "mx2.mail.test."), mx(10, "mx1.mail.test.")],
        ),
        ("mx1.mail.test.", T::A) => (ResponseCode::NoError, vec![a([127, 0, 0, 2])]),
        ("mx1.mail.test.", T::AAAA) => (ResponseCode::NoError, vec![aaaa(Ipv6Addr::LOCALHOST)]),
        ("mx2.mail.test.", T::A) => (ResponseCode::NoError, vec![a([127, 0, 0, 3])]),
        ("mx2.mail.test.", T::AAAA) => (ResponseCode::NoError, vec![]),
        // No MX: implicit MX to the domain's A.
        ("implicit.test.", T::MX) => (ResponseCode::NoError, vec![]),
        ("implicit.test.", T::A) => (ResponseCode::NoError, vec![a([127, 0, 0, 4])]),
        ("implicit.test.", T::AAAA) => (ResponseCode::NoError, vec![]),
        // RFC 7505 null MX.
        ("nullmx.test.", T::MX) => (ResponseCode::NoError, vec![mx(0, ".")]),
        // An MX host on an excluded address.
        ("excluded.test.", T::MX) => (ResponseCode::NoError, vec![mx(10, "mx.excluded.test.")]),
        ("mx.excluded.test.", T::A) => (ResponseCode::NoError, vec![a([127, 0, 0, 5])]),
        ("mx.excluded.test.", T::AAAA) => (ResponseCode::NoError, vec![]),
        // An MX host without addresses.
        ("noaddr.test.", T::MX) => (ResponseCode::NoError, vec![mx(5, "ghost.noaddr.test.")]),
        ("ghost.noaddr.test.", _) => (ResponseCode::NXDomain, vec![]),
        ("servfail.test.", _) => (ResponseCode::ServFail, vec![]),
        // Hosted mail: several domains with one provider's MX host, one of them listing it at
        // three preferences.
        ("a.shared.test." | "b.shared.test.", T::MX) => {
            (ResponseCode::NoError, vec![mx(10, "mx.hoster.test.")])
        }
        ("c.shared.test.", T::MX) => (
            ResponseCode::NoError,
            vec![
                mx(30, "mx.hoster.test."),
                mx(10, "mx.hoster.test."),
                mx(20, "mx.hoster.test."),
            ],
        ),
        ("mx.hoster.test.", T::A) => (ResponseCode::NoError, vec![a([127, 0, 0, 6])]),
        ("mx.hoster.test.", T::AAAA) => (ResponseCode::NoError, vec![]),
        _ => (ResponseCode::NXDomain, vec![]),
    }
}

/// SMTP servers on 127.0.0.2, ::1, 127.0.0.3, 127.0.0.4 and 127.0.0.5, all on one port.
fn start_smtp_servers() -> (u16, Vec<TestServer>) {
    let hosts: [IpAddr; 5] = [
        [127, 0, 0, 2].into(),
        Ipv6Addr::LOCALHOST.into(),
        [127, 0, 0, 3].into(),
        [127, 0, 0, 4].into(),
        [127, 0, 0, 5].into(),
    ];
    'retry: for _ in 0..50 {
        let first = TcpListener::bind((hosts[0], 0)).unwrap();
        let port = first.local_addr().unwrap().port();
        let mut listeners = vec![first];
        for h in &hosts[1..] {
            match TcpListener::bind((*h, port)) {
                Ok(l) => listeners.push(l),
                Err(_) => continue 'retry,
            }
        }
        let servers = listeners
            .into_iter()
            .map(|l| TestServer::start_on(l, Behaviour::Banner("220 dns-test ESMTP\r\n")))
            .collect();
        return (port, servers);
    }
    panic!("no common free port on the loopback addresses");
}

#[test]
fn domains_expand_to_mx_endpoints_in_preference_order() {
    let dns = start_dns(answer);
    let (port, servers) = start_smtp_servers();
    let out = scan(&[
        "--quiet",
        "--resolver",
        &dns.to_string(),
        "--dns-timeout",
        "2s",
        "--port",
        &port.to_string(),
        "--concurrency",
        "1",
        "--exclude",
        "127.0.0.5",
        "mail.test",
        "implicit.test",
        "nullmx.test",
        "nx.test",
        "servfail.test",
        "noaddr.test",
        "excluded.test",
        &format!("MX1.mail.test.:{port}"),
    ]);
    assert_exit_ok(&out);
    let recs = stdout_records(&out);
    let for_domain = |d: &str| {
        recs.iter()
            .filter(|r| r.domain.as_deref() == Some(d))
            .collect::<Vec<_>>()
    };

    let mail = for_domain("mail.test");
    let got: Vec<(String, Option<u16>, IpAddr)> = mail
        .iter()
        .map(|r| {
            let mx = r.mx.as_ref().unwrap();
            (mx.host.clone(), mx.preference, r.ip.unwrap())
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "mx1.mail.test".to_owned(),
                Some(10),
                IpAddr::from([127, 0, 0, 2])
            ),
            (
                "mx1.mail.test".to_owned(),
                Some(10),
                IpAddr::from(Ipv6Addr::LOCALHOST)
            ),
            (
                "mx2.mail.test".to_owned(),
                Some(20),
                IpAddr::from([127, 0, 0, 3])
            ),
        ]
    );
    assert!(mail
        .iter()
        .all(|r| r.status == Status::Completed && r.timings.dns_ms.is_some()));
    assert!(mail
        .iter()
        .all(|r| r.banner.as_ref().unwrap().text == "220 dns-test ESMTP\r\n"));

    let implicit = for_domain("implicit.test");
    assert_eq!(implicit.len(), 1);
    let mx = implicit[0].mx.as_ref().unwrap();
    assert!(mx.implicit);
    assert_eq!(mx.host, "implicit.test");
    assert_eq!(mx.preference, None);
    assert_eq!(implicit[0].ip, Some(IpAddr::from([127, 0, 0, 4])));
    assert_eq!(implicit[0].status, Status::Completed);

    let null = for_domain("nullmx.test");
    assert_eq!(null.len(), 1);
    assert_eq!(null[0].status, Status::NullMx);
    assert_eq!(null[0].ip, None);
    assert!(null[0].error.is_none());

    for (d, rcode) in [("nx.test", "NXDOMAIN"), ("servfail.test", "SERVFAIL")] {
        let r = for_domain(d);
        assert_eq!(r.len(), 1, "{d}");
        let e = r[0].error.as_ref().unwrap();
        assert_eq!(
            (e.kind, e.phase, e.rcode.as_deref()),
            (ErrorKind::Dns, Phase::Dns, Some(rcode)),
            "{d}"
        );
        assert_eq!(r[0].ip, None);
    }

    let noaddr = for_domain("noaddr.test");
    assert_eq!(noaddr.len(), 1);
    assert_eq!(noaddr[0].mx.as_ref().unwrap().host, "ghost.noaddr.test");
    assert_eq!(
        noaddr[0].error.as_ref().unwrap().rcode.as_deref(),
        Some("NXDOMAIN")
    );

    // A host-name target: its addresses, no MX lookup, no domain.
    let host: Vec<_> = recs
        .iter()
        .filter(|r| r.target.starts_with("MX1.mail.test."))
        .collect();
    let ips: Vec<IpAddr> = host.iter().map(|r| r.ip.unwrap()).collect();
    assert_eq!(
        ips,
        vec![
            IpAddr::from([127, 0, 0, 2]),
            IpAddr::from(Ipv6Addr::LOCALHOST)
        ]
    );
    assert!(host
        .iter()
        .all(|r| r.domain.is_none() && r.mx.as_ref().unwrap().host == "mx1.mail.test"));
    assert!(host.iter().all(|r| r.status == Status::Completed));
    // mx1's endpoints were scanned for mail.test (concurrency 1, in order): the host target
    // reuses those scans, with the facts and its own identity.
    assert!(
        host.iter()
            .all(|r| r.shared_from.as_deref() == Some("mail.test")),
        "{host:?}"
    );
    assert!(mail.iter().all(|r| r.shared_from.is_none()));

    // The excluded MX address got no record and, above all, no connection.
    assert!(for_domain("excluded.test").is_empty());
    assert_eq!(servers[4].accepted(), 0);
    assert_eq!(servers[0].accepted(), 1, "one connection per endpoint");
    assert_eq!(servers[1].accepted(), 1, "one connection per endpoint");
}

#[test]
fn unanswered_dns_is_a_typed_timeout() {
    // A resolver address that receives queries and never answers.
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = sock.local_addr().unwrap();
    let t = std::time::Instant::now();
    let out = scan(&[
        "--quiet",
        "--resolver",
        &addr.to_string(),
        "--dns-timeout",
        "200ms",
        "quiet.test",
    ]);
    assert!(t.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(0));
    let recs = stdout_records(&out);
    assert_eq!(recs.len(), 1);
    let e = recs[0].error.as_ref().unwrap();
    assert_eq!(
        (e.kind, e.rcode.as_deref()),
        (ErrorKind::Dns, Some("timeout")),
        "{e:?}"
    );
    drop(sock);
}

/// A zone whose A answers never come (the server drops those queries) while AAAA is empty.
fn a_times_out(qname: &str, qtype: RecordType) -> MaybeAnswer {
    let mx = |p, n: &str| RData::MX(hickory_resolver::proto::rr::rdata::MX::new(p, name(n)));
    use RecordType as T;
    match (qname, qtype) {
        ("slow.test.", T::MX) => Some((ResponseCode::NoError, vec![mx(10, "mx.slow.test.")])),
        ("implicit-slow.test.", T::MX) => Some((ResponseCode::NoError, vec![])),
        (_, T::A) => None,
        (_, T::AAAA) => Some((ResponseCode::NoError, vec![])),
        _ => Some((ResponseCode::NXDomain, vec![])),
    }
}

#[test]
fn a_timeout_with_an_empty_aaaa_is_a_timeout_not_no_addresses() {
    let dns = start_dns_with(a_times_out);
    let out = scan(&[
        "--quiet",
        "--resolver",
        &dns.to_string(),
        "--dns-timeout",
        "200ms",
        "slow.test",
        "implicit-slow.test",
    ]);
    assert_exit_ok(&out);
    let recs = stdout_records(&out);
    assert_eq!(recs.len(), 2, "{recs:?}");
    for r in &recs {
        let e = r.error.as_ref().unwrap();
        assert_eq!(
            (e.kind, e.rcode.as_deref()),
            (ErrorKind::Dns, Some("timeout")),
            "{r:?}"
        );
    }
    let slow = recs.iter().find(|r| r.target == "slow.test").unwrap();
    assert_eq!(slow.mx.as_ref().unwrap().host, "mx.slow.test");
}

/// The provider's server on 127.0.0.6.
fn start_hoster() -> TestServer {
    TestServer::start_on(
        TcpListener::bind("127.0.0.6:0").unwrap(),
        Behaviour::Banner("220 hoster ESMTP\r\n"),
    )
}

fn scan_domains(dns: std::net::SocketAddr, port: u16, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "--quiet".to_owned(),
        "--resolver".to_owned(),
        dns.to_string(),
        "--dns-timeout".to_owned(),
        "2s".to_owned(),
        "--port".to_owned(),
        port.to_string(),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    scan(&args)
}

#[test]
fn a_domain_given_twice_is_worked_on_once() {
    let dns = start_dns(answer);
    let out = scan_domains(
        dns,
        25,
        &[
            "nx.test",
            "NX.test.",
            "nx.test",
            "nullmx.test",
            "nullmx.test",
        ],
    );
    assert_exit_ok(&out);
    let recs = stdout_records(&out);
    let targets: Vec<&str> = recs.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(
        targets.iter().filter(|t| **t == "nx.test").count(),
        1,
        "{targets:?}"
    );
    assert_eq!(
        targets.iter().filter(|t| **t == "nullmx.test").count(),
        1,
        "{targets:?}"
    );
}

#[test]
fn an_endpoint_shared_by_domains_is_scanned_once_and_recorded_for_each() {
    let dns = start_dns(answer);
    let srv = start_hoster();
    let out = scan_domains(
        dns,
        srv.addr.port(),
        &[
            "a.shared.test",
            "b.shared.test",
            "c.shared.test",
            "a.shared.test",
        ],
    );
    assert_exit_ok(&out);
    assert_eq!(srv.accepted(), 1, "the server sees one scan");
    let recs = stdout_records(&out);
    let mut domains: Vec<&str> = recs.iter().map(|r| r.domain.as_deref().unwrap()).collect();
    domains.sort_unstable();
    assert_eq!(
        domains,
        ["a.shared.test", "b.shared.test", "c.shared.test"],
        "one record per domain (the same MX host at three preferences is one unit; the \
         repeated target too)"
    );
    let original: Vec<_> = recs.iter().filter(|r| r.shared_from.is_none()).collect();
    assert_eq!(original.len(), 1);
    for r in &recs {
        assert_eq!(r.status, Status::Completed);
        assert_eq!(r.ip, Some(IpAddr::from([127, 0, 0, 6])));
        assert_eq!(r.mx.as_ref().unwrap().host, "mx.hoster.test");
        assert_eq!(r.banner, original[0].banner, "the same facts");
        if r.shared_from.is_some() {
            assert_eq!(r.shared_from.as_deref(), Some(original[0].target.as_str()));
            assert_eq!(r.target, r.domain.clone().unwrap(), "its own identity");
        }
    }
    let c = recs
        .iter()
        .find(|r| r.domain.as_deref() == Some("c.shared.test"))
        .unwrap();
    assert_eq!(c.mx.as_ref().unwrap().preference, Some(10));
}

#[test]
fn resume_records_a_domain_whose_mx_host_was_recorded_for_another_without_connecting() {
    let dns = start_dns(answer);
    let srv = start_hoster();
    let dir = tempdir("resume-shared");
    let out = dir.join("out.jsonl");
    let o = out.to_str().unwrap();
    let first = scan_domains(dns, srv.addr.port(), &["-o", o, "a.shared.test"]);
    assert_exit_ok(&first);
    assert_eq!(srv.accepted(), 1);
    let second = scan_domains(
        dns,
        srv.addr.port(),
        &["--resume", o, "-o", o, "a.shared.test", "b.shared.test"],
    );
    assert_exit_ok(&second);
    assert_eq!(
        srv.accepted(),
        1,
        "the recorded result is reused, no new connection"
    );
    let recs = records(&read(&out));
    assert_eq!(recs.len(), 2, "{recs:?}");
    assert_eq!(recs[0].domain.as_deref(), Some("a.shared.test"));
    assert_eq!(recs[1].domain.as_deref(), Some("b.shared.test"));
    assert_eq!(recs[1].shared_from.as_deref(), Some("a.shared.test"));
    assert_eq!(recs[1].banner, recs[0].banner);
}

#[test]
fn resume_does_not_rewrite_finished_dns_failures_and_null_mx() {
    let dns = start_dns(answer);
    let dir = tempdir("resume-dns");
    let out = dir.join("out.jsonl");
    let o = out.to_str().unwrap();
    let first = scan_domains(dns, 25, &["-o", o, "nx.test", "nullmx.test", "noaddr.test"]);
    assert_exit_ok(&first);
    let before = read(&out);
    assert_eq!(before.lines().count(), 3);
    let again = scan_domains(
        dns,
        25,
        &[
            "--resume",
            o,
            "-o",
            o,
            "nx.test",
            "nullmx.test",
            "noaddr.test",
        ],
    );
    assert_exit_ok(&again);
    assert_eq!(read(&out), before, "finished units are not written again");
}
